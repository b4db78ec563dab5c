"""Compatibility of two women: hard constraints, soft factors, and the reasons in words.

The same formulas exist twice: `score_pair` here for one pair (readable, used for explanations
and tests) and `Scorer.block` in `flows.matching.blocks` for whole blocks of pairs at once with
numpy (used by `assign`). They perform the same float operations in the same order, so both give
identical totals; the tests hold them to it. This module needs no numpy, so the bot can import
the pairing modes and rules at start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from flows.matching.profile import MatchProfile, overlap_hours
from flows.messages import Msg, _, _n, in_sentence, listing, nested
from flows.vocabulary import (
    COUNTRIES,
    FAMILY_IN,
    NORTH,
    SECTORS,
    SIZES,
    SKILLS_IN_SENTENCE,
    SOUTH,
    SPOKEN_LANGUAGES,
    STAGES,
)

# Helping with two of the skills she wants counts as fully meeting her needs: most women list
# two to four, and one useful peer rarely covers them all.
SATURATION = 2
# Skills named in one reason, at most.
REASON_SKILLS = 2
SOLO_BOTH = _("Both run their business on their own.")
# How the three parts of an entrepreneurial path add up to 1.
SECTOR_SHARE, STAGE_SHARE, SIZE_SHARE = 0.5, 0.25, 0.25
STAGE_SPAN = len(STAGES) - 1
SIZE_SPAN = len(SIZES) - 1
_STAGE_RANK = {key: i for i, key in enumerate(STAGES)}
_SIZE_RANK = {key: i for i, key in enumerate(SIZES)}


class PairingMode(StrEnum):
    NORTH_SOUTH = "north_south"
    SOUTH_SOUTH = "south_south"
    NATIONAL = "national"
    DIASPORA = "diaspora"
    # Any two women, wherever they live: lets a cohort include women from "another country",
    # who fit none of the modes above.
    OPEN = "open"


# The programme's own modes; "open" is only ever chosen on purpose.
PROGRAMME_MODES = frozenset(PairingMode) - {PairingMode.OPEN}


@dataclass(frozen=True)
class Weights:
    """How much each soft factor counts; the defaults add up to 1 so totals lie in [0, 1]."""

    reciprocity: float = 0.55
    path: float = 0.2
    diaspora: float = 0.1
    shared_goals: float = 0.15

    def __post_init__(self) -> None:
        if min(self.reciprocity, self.path, self.diaspora, self.shared_goals) < 0:
            raise ValueError("weights must not be negative")

    @property
    def most(self) -> float:
        """The highest total a pair can reach."""
        return self.reciprocity + self.path + self.diaspora + self.shared_goals


PairSet = frozenset[frozenset[int]]


def pair_set(pairs: Iterable[Iterable[int]]) -> PairSet:
    """Normalise pairs given as tuples, lists or sets into a set of unordered pairs."""
    result = set()
    for pair in pairs:
        members = frozenset(pair)
        if len(members) != 2:
            raise ValueError(f"a pair needs two different people: {sorted(members)}")
        result.add(members)
    return frozenset(result)


@dataclass(frozen=True)
class Rules:
    """A cohort's matching rules; pairs may be given as any 2-element iterables of ids."""

    modes: frozenset[PairingMode] = PROGRAMME_MODES
    forbidden: PairSet = frozenset()  # coordinator "do not pair"
    previous: PairSet = frozenset()  # never the same two women twice
    locked: PairSet = frozenset()  # coordinator locks: always in the result
    min_overlap_hours: int = 1
    weights: Weights = field(default_factory=Weights)
    maximise_count_first: bool = False
    candidates_per_person: int = 20  # single-pool pruning: each woman's best k candidates

    def __post_init__(self) -> None:
        object.__setattr__(self, "modes", frozenset(PairingMode(m) for m in self.modes))
        for name in ("forbidden", "previous", "locked"):
            object.__setattr__(self, name, pair_set(getattr(self, name)))
        if not self.modes:
            raise ValueError("a cohort needs at least one pairing mode")
        if self.locked & self.forbidden:
            raise ValueError("a pair cannot be both locked and forbidden")
        if self.candidates_per_person < 1:
            raise ValueError("candidates_per_person must be at least 1")


class RefusalKey(StrEnum):
    """Hard constraints, in the order they are checked."""

    SAME_PERSON = "same_person"
    FORBIDDEN = "forbidden"
    PREVIOUSLY_PAIRED = "previously_paired"
    MODE_NOT_ALLOWED = "mode_not_allowed"
    NO_COMMON_LANGUAGE = "no_common_language"
    NOT_ENOUGH_OVERLAP = "not_enough_overlap"


@dataclass(frozen=True)
class Refusal:
    """Why two women cannot be paired: the first failed constraint, and all of them."""

    a: int
    b: int
    key: RefusalKey
    message: Msg
    keys: tuple[RefusalKey, ...]


def has_diaspora_tie(a: MatchProfile, b: MatchProfile) -> bool:
    """A Canadian with family or heritage ties to the other woman's (southern) country."""
    return _tie(a, b) or _tie(b, a)


def _tie(canadian: MatchProfile, other: MatchProfile) -> bool:
    return (
        canadian.country in NORTH
        and other.country in SOUTH
        and other.country in canadian.diaspora_ties
    )


def country_modes(x: str, y: str) -> frozenset[PairingMode]:
    """The modes two countries make on their own (diaspora also needs a personal tie).

    Every pair is "open"; a woman from "another country" fits no other mode.
    """
    if x == y and x != "OTHER":
        return frozenset({PairingMode.NATIONAL, PairingMode.OPEN})
    if {x, y} <= SOUTH:
        return frozenset({PairingMode.SOUTH_SOUTH, PairingMode.OPEN})
    if (x in NORTH and y in SOUTH) or (y in NORTH and x in SOUTH):
        return frozenset({PairingMode.NORTH_SOUTH, PairingMode.OPEN})
    return frozenset({PairingMode.OPEN})


def pair_modes(a: MatchProfile, b: MatchProfile) -> frozenset[PairingMode]:
    """Every pairing mode this pair belongs to."""
    modes = country_modes(a.country, b.country)
    return modes | {PairingMode.DIASPORA} if has_diaspora_tie(a, b) else modes


def refusals(
    a: MatchProfile, b: MatchProfile, rules: Rules, reference: datetime
) -> tuple[RefusalKey, ...]:
    """Every hard constraint the pair fails, in `RefusalKey` order (empty: they may be paired)."""
    if a.id == b.id:
        return (RefusalKey.SAME_PERSON,)
    pair = frozenset({a.id, b.id})
    failed = []
    if pair in rules.forbidden:
        failed.append(RefusalKey.FORBIDDEN)
    if pair in rules.previous:
        failed.append(RefusalKey.PREVIOUSLY_PAIRED)
    if not pair_modes(a, b) & rules.modes:
        failed.append(RefusalKey.MODE_NOT_ALLOWED)
    if not a.languages & b.languages:
        failed.append(RefusalKey.NO_COMMON_LANGUAGE)
    if overlap_hours(a, b, reference) < rules.min_overlap_hours:
        failed.append(RefusalKey.NOT_ENOUGH_OVERLAP)
    return tuple(failed)


def refusal_message(
    key: RefusalKey, a: MatchProfile, b: MatchProfile, rules: Rules, reference: datetime
) -> Msg:
    """One failed constraint in words, naming both women."""
    names = {"a": a.first_name, "b": b.first_name}
    match key:
        case RefusalKey.SAME_PERSON:
            return _("{a} cannot be paired with herself.", a=a.first_name)
        case RefusalKey.FORBIDDEN:
            return _("A coordinator asked not to pair {a} and {b}.", **names)
        case RefusalKey.PREVIOUSLY_PAIRED:
            return _("{a} and {b} have already been paired before.", **names)
        case RefusalKey.MODE_NOT_ALLOWED:
            return _(
                "The cohort's pairing rules do not allow pairing {a} ({country_a}) "
                "with {b} ({country_b}).",
                country_a=nested(COUNTRIES[a.country]),
                country_b=nested(COUNTRIES[b.country]),
                **names,
            )
        case RefusalKey.NO_COMMON_LANGUAGE:
            return _("{a} and {b} have no language in common.", **names)
        case RefusalKey.NOT_ENOUGH_OVERLAP:
            return _n(
                "{a} and {b} are free at the same time for {n} hour a week; "
                "this cohort asks for at least {needed}.",
                "{a} and {b} are free at the same time for {n} hours a week; "
                "this cohort asks for at least {needed}.",
                overlap_hours(a, b, reference),
                needed=rules.min_overlap_hours,
                **names,
            )


# Short names of the constraints, for "the main obstacle is: ..." about an unpaired woman.
OBSTACLES: dict[RefusalKey, Msg] = {
    RefusalKey.SAME_PERSON: _("no one else to pair with"),
    RefusalKey.FORBIDDEN: _("a coordinator's do-not-pair rule"),
    RefusalKey.PREVIOUSLY_PAIRED: _("already paired before"),
    RefusalKey.MODE_NOT_ALLOWED: _("the cohort's pairing rules"),
    RefusalKey.NO_COMMON_LANGUAGE: _("no language in common"),
    RefusalKey.NOT_ENOUGH_OVERLAP: _("not enough free time at the same hours"),
}


# --- Soft factors ------------------------------------------------------------------------------


def gain(helper: MatchProfile, learner: MatchProfile) -> float:
    """How much of what `learner` wants `helper` offers, in [0, 1]."""
    cap = min(SATURATION, len(learner.wants))
    return 0.0 if cap == 0 else min(1.0, len(helper.offers & learner.wants) / cap)


def reciprocity(a: MatchProfile, b: MatchProfile) -> float:
    """The weaker direction of help, so a pair scores well only when both women gain."""
    return min(gain(a, b), gain(b, a))


def path_similarity(a: MatchProfile, b: MatchProfile) -> float:
    """Same sector, and how close the stages and business sizes are, in [0, 1]."""
    stage_gap = abs(_STAGE_RANK[a.stage] - _STAGE_RANK[b.stage])
    size_gap = abs(_SIZE_RANK[a.size] - _SIZE_RANK[b.size])
    return (
        SECTOR_SHARE * float(a.sector == b.sector)
        + STAGE_SHARE * (1 - stage_gap / STAGE_SPAN)
        + SIZE_SHARE * (1 - size_gap / SIZE_SPAN)
    )


def shared_goals(a: MatchProfile, b: MatchProfile) -> float:
    """Both want to learn the same skills: a goal to work on side by side."""
    return min(1.0, len(a.wants & b.wants) / SATURATION)


def weighted_total(
    weights: Weights, recip: float, path: float, diaspora: float, goals: float
) -> float:
    return (
        weights.reciprocity * recip
        + weights.path * path
        + weights.diaspora * diaspora
        + weights.shared_goals * goals
    )


def _skills(keys: Iterable[str]) -> dict[str, Any]:
    """At most two skills as a translated list, so a reason stays short enough for SMS.

    "unit" style because the labels already contain "and"; the sentence forms are in small
    letters, with an article where the language wants one ("aider Khady pour le leadership").
    """
    wanted = set(keys)
    labels = [nested(label) for key, label in SKILLS_IN_SENTENCE.items() if key in wanted]
    return listing(labels[:REASON_SKILLS], style="unit")


@dataclass(frozen=True)
class PairScore:
    """A compatible pair: its total, each factor in [0, 1], and the reasons behind it."""

    a: MatchProfile
    b: MatchProfile
    total: float
    reciprocity: float
    path: float
    diaspora: float
    shared_goals: float
    overlap_hours: int
    weights: Weights
    locked: bool = False
    overridden: tuple[RefusalKey, ...] = ()  # hard constraints a coordinator's lock overrode

    @property
    def ids(self) -> frozenset[int]:
        return frozenset({self.a.id, self.b.id})

    def factors(self) -> dict[str, float]:
        return {
            "reciprocity": self.reciprocity,
            "path": self.path,
            "diaspora": self.diaspora,
            "shared_goals": self.shared_goals,
        }

    def partner_of(self, person_id: int) -> MatchProfile:
        if person_id == self.a.id:
            return self.b
        if person_id == self.b.id:
            return self.a
        raise ValueError(f"{person_id} is not in this pair")

    def reasons(self, for_reader: int | None = None, limit: int = 3) -> list[Msg]:
        """The top reasons for this pair, strongest first.

        `for_reader` is the id of one of the two women (she reads "you"), or None for a
        coordinator (both are named).
        """
        if for_reader is None:
            me, other = self.a, self.b
        else:
            other = self.partner_of(for_reader)
            me = self.a if other is self.b else self.b
        you = for_reader is not None
        w = self.weights
        ranked: list[tuple[float, Msg]] = []

        give, get = me.offers & other.wants, other.offers & me.wants
        if give or get:
            strength = w.reciprocity * (gain(me, other) + gain(other, me)) / 2
            ranked.append((strength, _help_reason(me, other, give, get, you)))
        common_wants = me.wants & other.wants
        if common_wants:
            skills = _skills(common_wants)
            msg = (
                _("You both want to learn about {skills}.", skills=skills)
                if you
                else _(
                    "{a} and {b} both want to learn about {skills}.",
                    a=me.first_name,
                    b=other.first_name,
                    skills=skills,
                )
            )
            ranked.append((w.shared_goals * self.shared_goals, msg))
        if me.sector == other.sector:
            sector = in_sentence(SECTORS[me.sector])
            msg = (
                _("You both work in the same sector: {sector}.", sector=sector)
                if you
                else _(
                    "{a} and {b} both work in the same sector: {sector}.",
                    a=me.first_name,
                    b=other.first_name,
                    sector=sector,
                )
            )
            ranked.append((w.path * SECTOR_SHARE, msg))
        if me.stage == other.stage:
            msg = _(
                "Both businesses are at the same stage: {stage}.",
                stage=in_sentence(STAGES[me.stage]),
            )
            ranked.append((w.path * STAGE_SHARE, msg))
        if me.size == other.size == "solo":  # "the same size: just me" said of two
            ranked.append((w.path * SIZE_SHARE, SOLO_BOTH))
        elif me.size == other.size:
            msg = _("Both businesses are the same size: {size}.", size=in_sentence(SIZES[me.size]))
            ranked.append((w.path * SIZE_SHARE, msg))
        for canadian, southern in ((me, other), (other, me)):
            if _tie(canadian, southern):
                where = nested(FAMILY_IN[southern.country])
                msg = (
                    _("You have family {where}.", where=where)
                    if you and canadian is me
                    else _("{name} has family {where}.", name=canadian.first_name, where=where)
                )
                ranked.append((w.diaspora, msg))
        # Stable sort: on equal strength the order above (help first) wins.
        ranked.sort(key=lambda item: -item[0])
        reasons = [msg for _strength, msg in ranked[:limit]]
        common = me.languages & other.languages
        if len(reasons) < limit and common:
            languages = listing(
                [nested(label) for key, label in SPOKEN_LANGUAGES.items() if key in common],
                lower="names",
            )
            reasons.append(
                _("You can both speak {languages}.", languages=languages)
                if you
                else _(
                    "{a} and {b} can both speak {languages}.",
                    a=me.first_name,
                    b=other.first_name,
                    languages=languages,
                )
            )
        return reasons


def _help_reason(
    me: MatchProfile, other: MatchProfile, give: frozenset[str], get: frozenset[str], you: bool
) -> Msg:
    """Who can help whom with what, both ways when both ways exist."""
    if give and get:
        if you:
            return _(
                "You can help {other} with {skills}; {other} can help you with {skills_back}.",
                other=other.first_name,
                skills=_skills(give),
                skills_back=_skills(get),
            )
        return _(
            "{a} can help {b} with {skills}; {b} can help {a} with {skills_back}.",
            a=me.first_name,
            b=other.first_name,
            skills=_skills(give),
            skills_back=_skills(get),
        )
    if you:
        if give:
            return _(
                "You can help {other} with {skills}.", other=other.first_name, skills=_skills(give)
            )
        return _("{other} can help you with {skills}.", other=other.first_name, skills=_skills(get))
    helper, learner, skills = (me, other, give) if give else (other, me, get)
    return _(
        "{a} can help {b} with {skills}.",
        a=helper.first_name,
        b=learner.first_name,
        skills=_skills(skills),
    )


def pair_score(
    a: MatchProfile, b: MatchProfile, rules: Rules, reference: datetime, *, locked: bool = False
) -> PairScore:
    """The soft score of a pair, whatever the hard constraints say (used for locked pairs)."""
    recip = reciprocity(a, b)
    path = path_similarity(a, b)
    diaspora = float(has_diaspora_tie(a, b))
    goals = shared_goals(a, b)
    return PairScore(
        a=a,
        b=b,
        total=weighted_total(rules.weights, recip, path, diaspora, goals),
        reciprocity=recip,
        path=path,
        diaspora=diaspora,
        shared_goals=goals,
        overlap_hours=overlap_hours(a, b, reference),
        weights=rules.weights,
        locked=locked,
        overridden=refusals(a, b, rules, reference) if locked else (),
    )


def score_pair(
    a: MatchProfile, b: MatchProfile, rules: Rules, reference: datetime
) -> PairScore | Refusal:
    """Score two women, or say which hard constraint keeps them apart."""
    failed = refusals(a, b, rules, reference)
    if failed:
        message = refusal_message(failed[0], a, b, rules, reference)
        return Refusal(a.id, b.id, failed[0], message, failed)
    return pair_score(a, b, rules, reference)
