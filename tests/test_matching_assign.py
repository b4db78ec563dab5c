"""Optimal assignment: equal to an exhaustive search on small cohorts, in every mode."""

from __future__ import annotations

import random
from collections.abc import Collection
from datetime import UTC, datetime
from functools import cache

import pytest

from flows.matching import (
    MatchProfile,
    PairingMode,
    PairScore,
    RefusalKey,
    Rules,
    Weights,
    generate_profiles,
    score_pair,
)
from flows.matching.assign import Assignment, UnpairedKey, assign, greedy_assign
from flows.vocabulary import AVAILABILITY, SECTORS, SIZES, SKILLS, STAGES

REFERENCE = datetime(2025, 3, 20, 12, tzinfo=UTC)
ZONES = {
    "CA": ("America/Toronto", "America/Vancouver", "America/Halifax"),
    "BO": ("America/La_Paz",),
    "SN": ("Africa/Dakar",),
    "OTHER": ("Europe/Paris",),
}
FEW_SKILLS = list(SKILLS)[:5]  # a small skill set so that reciprocity often happens
COHORTS = 60


def random_cohort(rng: random.Random, n: int, first_id: int = 1) -> list[MatchProfile]:
    """Small cohorts where every hard constraint bites now and then."""
    people = []
    for pid in range(first_id, first_id + n):
        country = rng.choices(("CA", "BO", "SN", "OTHER"), weights=(4, 3, 3, 1))[0]
        people.append(
            MatchProfile(
                id=pid,
                first_name=f"P{pid}",
                country=country,
                timezone=rng.choice(ZONES[country]),
                sector=rng.choice(list(SECTORS)[:3]),
                stage=rng.choice(list(STAGES)),
                size=rng.choice(list(SIZES)),
                offers=frozenset(rng.sample(FEW_SKILLS, rng.randint(0, 3))),
                wants=frozenset(rng.sample(FEW_SKILLS, rng.randint(0, 3))),
                languages=frozenset(rng.sample(["es", "fr", "en"], rng.randint(1, 2))),
                availability=frozenset(rng.sample(list(AVAILABILITY), rng.randint(1, 2))),
                diaspora_ties=frozenset(
                    [rng.choice(["BO", "SN"])] if country == "CA" and rng.random() < 0.4 else []
                ),
            )
        )
    return people


def random_rules(rng: random.Random, ids: list[int], **overrides: object) -> Rules:
    def some_pairs(k: int) -> set[tuple[int, ...]]:
        return {tuple(rng.sample(ids, 2)) for _ in range(k)} if len(ids) >= 2 else set()

    fields: dict[str, object] = {
        "modes": rng.sample(list(PairingMode), rng.randint(1, 4)),
        "forbidden": some_pairs(rng.randint(0, 3)),
        "previous": some_pairs(rng.randint(0, 3)),
        "min_overlap_hours": rng.choice([1, 1, 4]),
        "weights": rng.choice(
            [Weights(), Weights(reciprocity=1, path=0.3, diaspora=0.5, shared_goals=0.1)]
        ),
    }
    fields.update(overrides)
    return Rules(**fields)  # type: ignore[arg-type]


def brute_force(
    profiles: list[MatchProfile],
    rules: Rules,
    sides: tuple[Collection[int], Collection[int]] | None,
    count_first: bool,
) -> tuple[int, float]:
    """(pairs, total) of the best matching, by exhaustive search over every subset."""
    n = len(profiles)
    weight: dict[tuple[int, int], float] = {}
    for i in range(n):
        for j in range(i + 1, n):
            a, b = profiles[i], profiles[j]
            if sides is not None and (a.id in sides[0]) == (b.id in sides[0]):
                continue
            result = score_pair(a, b, rules, REFERENCE)
            if isinstance(result, PairScore):
                weight[i, j] = result.total

    def better(x: tuple[int, float], y: tuple[int, float]) -> bool:
        return x > y if count_first else x[1] > y[1]

    @cache
    def best(remaining: int) -> tuple[int, float]:
        if remaining == 0:
            return (0, 0.0)
        i = (remaining & -remaining).bit_length() - 1
        rest = remaining & ~(1 << i)
        top = best(rest)  # she stays unpaired
        for j in range(i + 1, n):
            if rest >> j & 1 and (i, j) in weight:
                count, total = best(rest & ~(1 << j))
                option = (count + 1, total + weight[i, j])
                if better(option, top):
                    top = option
        return top

    return best((1 << n) - 1)


def check_valid(result: Assignment, profiles: list[MatchProfile], rules: Rules) -> None:
    """Everyone appears once, every unlocked pair passes every hard constraint."""
    seen: list[int] = [p.id for s in result.pairs for p in (s.a, s.b)]
    seen += [u.profile.id for u in result.unpaired]
    assert sorted(seen) == sorted(p.id for p in profiles)
    for pair in result.pairs:
        if pair.ids in rules.locked:
            assert pair.locked
            continue
        fresh = score_pair(pair.a, pair.b, rules, REFERENCE)
        assert isinstance(fresh, PairScore), fresh
        assert fresh.total == pair.total
    assert result.total == pytest.approx(sum(p.total for p in result.pairs), abs=1e-9)


def check_unpaired_reasons(
    result: Assignment,
    profiles: list[MatchProfile],
    rules: Rules,
    sides: tuple[Collection[int], Collection[int]] | None = None,
) -> None:
    for u in result.unpaired:
        partners = [
            p
            for p in profiles
            if p.id != u.profile.id
            and (sides is None or (p.id in sides[0]) != (u.profile.id in sides[0]))
            and not any(p.id in s.ids for s in result.pairs if s.locked)
            and isinstance(score_pair(u.profile, p, rules, REFERENCE), PairScore)
        ]
        if u.key is UnpairedKey.NO_COMPATIBLE_PARTNER:
            assert not partners
            assert u.obstacle is not None and u.message.params["name"] == u.profile.first_name
        else:
            # Every woman she could have met is taken.
            assert partners
            paired = {i for s in result.pairs for i in s.ids}
            assert all(p.id in paired for p in partners)


@pytest.mark.parametrize("count_first", [False, True])
def test_single_pool_equals_brute_force(count_first: bool) -> None:
    for seed in range(COHORTS):
        rng = random.Random(seed)
        profiles = random_cohort(rng, rng.randint(2, 12))
        rules = random_rules(rng, [p.id for p in profiles], maximise_count_first=count_first)
        if seed % 3 == 0 or rules.modes == {PairingMode.NORTH_SOUTH}:
            # Only north_south would make the cohort two-sided; that case has its own test.
            rules = Rules(**{**rules.__dict__, "modes": set(PairingMode)})
        result = assign(profiles, rules, REFERENCE)
        assert not result.two_sided
        check_valid(result, profiles, rules)
        check_unpaired_reasons(result, profiles, rules)
        count, total = brute_force(profiles, rules, None, count_first)
        assert result.total == pytest.approx(total, abs=1e-9), seed
        if count_first:
            assert len(result.pairs) == count, seed


@pytest.mark.parametrize("count_first", [False, True])
def test_two_sided_equals_brute_force(count_first: bool) -> None:
    for seed in range(COHORTS):
        rng = random.Random(1000 + seed)
        profiles = random_cohort(rng, rng.randint(2, 12))
        ids = [p.id for p in profiles]
        rules = random_rules(rng, ids, maximise_count_first=count_first)
        left = set(rng.sample(ids, rng.randint(1, len(ids) - 1)))
        sides = (left, set(ids) - left)
        result = assign(profiles, rules, REFERENCE, sides=sides)
        assert result.two_sided
        check_valid(result, profiles, rules)
        check_unpaired_reasons(result, profiles, rules, sides)
        for pair in result.pairs:
            assert (pair.a.id in left) != (pair.b.id in left)
        count, total = brute_force(profiles, rules, sides, count_first)
        assert result.total == pytest.approx(total, abs=1e-9), seed
        if count_first:
            assert len(result.pairs) == count, seed


@pytest.mark.parametrize("count_first", [False, True])
def test_north_south_only_is_two_sided_and_optimal(count_first: bool) -> None:
    for seed in range(COHORTS):
        rng = random.Random(2000 + seed)
        profiles = random_cohort(rng, rng.randint(2, 12))
        rules = random_rules(
            rng,
            [p.id for p in profiles],
            modes={PairingMode.NORTH_SOUTH},
            maximise_count_first=count_first,
        )
        result = assign(profiles, rules, REFERENCE)
        assert result.two_sided
        check_valid(result, profiles, rules)
        check_unpaired_reasons(result, profiles, rules)
        count, total = brute_force(profiles, rules, None, count_first)
        assert result.total == pytest.approx(total, abs=1e-9), seed
        if count_first:
            assert len(result.pairs) == count, seed


@pytest.mark.parametrize("sides", [None, ({1, 4}, {2, 3})])
def test_count_first_can_trade_score_for_more_pairs(
    sides: tuple[set[int], set[int]] | None,
) -> None:
    # A-B is a great pair but leaves C and D alone; A-C and B-D are weaker but pair everyone.
    def w(pid: int, **kw: object) -> MatchProfile:
        base: dict[str, object] = {
            "first_name": f"P{pid}",
            "country": "BO",
            "timezone": "America/La_Paz",
            "sector": "agrifood",
            "stage": "growing",
            "size": "small",
            "offers": frozenset(),
            "wants": frozenset(),
            "languages": frozenset({"es"}),
            "availability": frozenset({"sat"}),
        }
        base.update(kw)
        return MatchProfile(id=pid, **base)  # type: ignore[arg-type]

    profiles = [
        w(1, offers={"export"}, wants={"finance"}),
        w(2, offers={"finance"}, wants={"export"}),
        w(3, sector="tech"),
        w(4, sector="tech"),
    ]
    rules = Rules(forbidden={(3, 4), (1, 4), (2, 3)})
    best_total = assign(profiles, rules, REFERENCE, sides=sides)
    assert [s.ids for s in best_total.pairs] == [frozenset({1, 2})]
    # C and D could each have met A or B, who got a better overall match.
    assert {u.key for u in best_total.unpaired} == {UnpairedKey.BETTER_MATCH_ELSEWHERE}
    count_first = Rules(**{**rules.__dict__, "maximise_count_first": True})
    most_pairs = assign(profiles, count_first, REFERENCE, sides=sides)
    assert {s.ids for s in most_pairs.pairs} == {frozenset({1, 3}), frozenset({2, 4})}
    assert most_pairs.total < best_total.total


@pytest.mark.parametrize("sided", [False, True])
def test_locked_pairs_are_kept_and_the_rest_is_optimal(sided: bool) -> None:
    for seed in range(30):
        rng = random.Random(3000 + seed)
        profiles = random_cohort(rng, rng.randint(4, 12))
        ids = [p.id for p in profiles]
        locked = tuple(rng.sample(ids, 2))
        rules = random_rules(rng, ids)
        rules = Rules(
            **{
                **rules.__dict__,
                "locked": {locked},
                "forbidden": rules.forbidden - {frozenset(locked)},
            }
        )
        sides = None
        if sided:
            left = {locked[0], *rng.sample(ids, len(ids) // 2)} - {locked[1]}
            sides = (left, set(ids) - left)
        result = assign(profiles, rules, REFERENCE, sides=sides)
        check_valid(result, profiles, rules)
        assert result.pairs[0].ids == frozenset(locked) and result.pairs[0].locked
        assert sum(p.locked for p in result.pairs) == 1
        rest = [p for p in profiles if p.id not in locked]
        _count, total = brute_force(rest, rules, sides, False)
        assert result.total == pytest.approx(result.pairs[0].total + total, abs=1e-9)


def test_a_locked_pair_may_override_hard_constraints_but_says_so() -> None:
    profiles = random_cohort(random.Random(5), 6)
    a, b = profiles[0], profiles[1]
    a = MatchProfile(**{**a.__dict__, "languages": frozenset({"es"})})
    b = MatchProfile(**{**b.__dict__, "languages": frozenset({"fr"})})
    profiles[:2] = [a, b]
    result = assign(profiles, Rules(locked={(a.id, b.id)}), REFERENCE)
    locked = result.pairs[0]
    assert locked.locked and RefusalKey.NO_COMMON_LANGUAGE in locked.overridden


def test_forbidden_pairs_are_never_proposed() -> None:
    profiles = generate_profiles(120, 3, reference=REFERENCE)
    first = assign(profiles, Rules(), REFERENCE)
    forbid = {tuple(s.ids) for s in first.pairs}
    second = assign(profiles, Rules(forbidden=forbid), REFERENCE)
    assert not {s.ids for s in second.pairs} & {frozenset(p) for p in forbid}
    assert second.total <= first.total


def test_unpaired_women_hear_the_main_obstacle() -> None:
    rng = random.Random(9)
    profiles = random_cohort(rng, 6)
    loner = MatchProfile(
        **{**profiles[0].__dict__, "id": 99, "first_name": "Ana", "languages": frozenset({"ay"})}
    )
    result = assign([*profiles, loner], Rules(), REFERENCE)
    why = next(u for u in result.unpaired if u.profile.id == 99)
    assert why.key is UnpairedKey.NO_COMPATIBLE_PARTNER
    assert why.obstacle is RefusalKey.NO_COMMON_LANGUAGE
    assert why.message.params["obstacle"] == {"$msg": {"id": "no language in common", "params": {}}}
    alone = assign([loner], Rules(), REFERENCE)
    assert alone.unpaired[0].obstacle is RefusalKey.SAME_PERSON


def test_pruned_candidates_still_give_a_valid_and_full_enough_matching() -> None:
    profiles = generate_profiles(150, 11, reference=REFERENCE)
    rules = Rules(candidates_per_person=2)
    result = assign(profiles, rules, REFERENCE)
    check_valid(result, profiles, rules)
    check_unpaired_reasons(result, profiles, rules)
    full = assign(profiles, Rules(), REFERENCE)
    assert result.total <= full.total + 1e-9
    assert greedy_assign(profiles, Rules(), REFERENCE).total <= full.total + 1e-9


def test_sides_must_split_the_cohort() -> None:
    profiles = random_cohort(random.Random(1), 4)
    with pytest.raises(ValueError):
        assign(profiles, Rules(), REFERENCE, sides=({1, 2}, {2, 3, 4}))
    with pytest.raises(ValueError):
        assign(profiles, Rules(), REFERENCE, sides=({1}, {2, 3}))
    with pytest.raises(ValueError):
        assign(profiles, Rules(locked={(1, 77)}), REFERENCE)
    with pytest.raises(ValueError):
        assign(profiles, Rules(locked={(1, 2), (2, 3)}), REFERENCE)
    with pytest.raises(ValueError):
        assign([*profiles, profiles[0]], Rules(), REFERENCE)
