"""The compatibility score on hand-made profiles: every hard constraint, every soft factor."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from flows.matching import (
    PROGRAMME_MODES,
    MatchProfile,
    PairingMode,
    PairScore,
    Refusal,
    RefusalKey,
    Rules,
    Weights,
    generate_people,
    generate_profiles,
    hours_of,
    overlap_hours,
    refusals,
    score_pair,
    utc_week_hours,
)
from flows.matching.blocks import ProfileArrays, Scorer
from flows.matching.score import SOLO_BOTH
from flows.messages import Msg, nested
from flows.vocabulary import SKILLS_IN_SENTENCE

WINTER = datetime(2025, 1, 15, 12, tzinfo=UTC)
SUMMER = datetime(2025, 7, 16, 12, tzinfo=UTC)


def woman(id: int, **fields: Any) -> MatchProfile:
    """A Bolivian baker by default; tests change only what they are about."""
    base: dict[str, Any] = {
        "first_name": f"W{id}",
        "country": "BO",
        "timezone": "America/La_Paz",
        "sector": "agrifood",
        "stage": "growing",
        "size": "small",
        "offers": frozenset(),
        "wants": frozenset(),
        "languages": frozenset({"es"}),
        "availability": frozenset({"wd_evening"}),
    }
    base.update(fields)
    return MatchProfile(id=id, **base)


def scored(a: MatchProfile, b: MatchProfile, rules: Rules | None = None) -> PairScore:
    result = score_pair(a, b, rules or Rules(), WINTER)
    assert isinstance(result, PairScore), result
    return result


def refused(a: MatchProfile, b: MatchProfile, rules: Rules | None = None) -> Refusal:
    result = score_pair(a, b, rules or Rules(), WINTER)
    assert isinstance(result, Refusal), result
    return result


# --- availability and time zones -----------------------------------------------------------------


def test_montreal_utc_hours_move_with_daylight_saving_time() -> None:
    winter = utc_week_hours({"wd_morning"}, "America/Toronto", WINTER)
    summer = utc_week_hours({"wd_morning"}, "America/Toronto", SUMMER)
    assert winter != summer
    # 8:00 in Montréal is 13:00 UTC in winter (UTC-5) and 12:00 UTC in summer (UTC-4).
    assert min(hours_of(winter)) == 13
    assert min(hours_of(summer)) == 12
    assert winter == summer << 1
    # Dakar keeps UTC all year.
    assert utc_week_hours({"sat"}, "Africa/Dakar", WINTER) == utc_week_hours(
        {"sat"}, "Africa/Dakar", SUMMER
    )


def test_hours_of_a_weekly_block_wrap_around_the_utc_week() -> None:
    # Sunday 9-13 in Vancouver is Sunday 17-21 UTC in winter; Friday evening 17-21 runs into
    # Saturday UTC; nothing falls off the week.
    sunday = hours_of(utc_week_hours({"sun"}, "America/Vancouver", WINTER))
    assert sunday == {6 * 24 + h for h in range(17, 21)}
    evening = hours_of(utc_week_hours({"wd_evening"}, "America/Vancouver", WINTER))
    assert len(evening) == 20 and 5 * 24 + 4 in evening


def test_overlap_counts_common_utc_hours() -> None:
    montreal = woman(1, country="CA", timezone="America/Toronto", availability={"wd_afternoon"})
    dakar = woman(2, country="SN", timezone="Africa/Dakar", availability={"wd_evening"})
    # Montréal 12-17 is 17-22 UTC in winter; Dakar 17-21 UTC: 4 hours on each of 5 weekdays.
    assert overlap_hours(montreal, dakar, WINTER) == 20
    assert overlap_hours(dakar, montreal, WINTER) == 20


# --- hard constraints ----------------------------------------------------------------------------


def test_same_person_is_refused() -> None:
    a = woman(1)
    result = refused(a, a)
    assert result.key is RefusalKey.SAME_PERSON
    assert result.message.params == {"a": "W1"}


def test_no_common_language_is_refused() -> None:
    result = refused(woman(1, languages={"es", "qu"}), woman(2, languages={"fr", "wo"}))
    assert result.key is RefusalKey.NO_COMMON_LANGUAGE
    assert result.message == Msg("{a} and {b} have no language in common.", {"a": "W1", "b": "W2"})
    # One shared language is enough.
    scored(woman(1, languages={"es", "qu"}), woman(2, languages={"fr", "qu"}))


def test_availability_overlap_below_the_minimum_is_refused() -> None:
    la_paz = woman(1, availability={"wd_morning"})  # 12-16 UTC
    dakar = woman(2, country="SN", timezone="Africa/Dakar", availability={"wd_evening"})
    dakar = replace(dakar, languages=frozenset({"es"}))
    result = refused(la_paz, dakar)
    assert result.key is RefusalKey.NOT_ENOUGH_OVERLAP
    assert result.message.n == 0 and result.message.params["needed"] == 1

    both_mornings = woman(3, availability={"wd_morning"})
    assert overlap_hours(la_paz, both_mornings, WINTER) == 20
    scored(la_paz, both_mornings, Rules(min_overlap_hours=20))
    result = refused(la_paz, both_mornings, Rules(min_overlap_hours=21))
    assert result.key is RefusalKey.NOT_ENOUGH_OVERLAP
    assert result.message.n == 20 and result.message.params["needed"] == 21


def test_pairing_modes() -> None:
    bo = woman(1)
    bo2 = woman(2)
    sn = woman(3, country="SN", timezone="America/La_Paz")
    ca = woman(4, country="CA", timezone="America/La_Paz")
    ca_tied = woman(5, country="CA", timezone="America/La_Paz", diaspora_ties={"BO"})
    other = woman(6, country="OTHER", timezone="America/La_Paz")

    def allowed(x: MatchProfile, y: MatchProfile, *modes: PairingMode) -> bool:
        return isinstance(score_pair(x, y, Rules(modes=set(modes)), WINTER), PairScore)

    ns, ss, nat, dia = (
        PairingMode.NORTH_SOUTH,
        PairingMode.SOUTH_SOUTH,
        PairingMode.NATIONAL,
        PairingMode.DIASPORA,
    )
    assert allowed(ca, bo, ns) and allowed(sn, ca, ns)
    assert not allowed(bo, sn, ns) and not allowed(bo, bo2, ns)
    assert allowed(bo, sn, ss) and not allowed(ca, bo, ss)
    assert allowed(bo, bo2, nat) and not allowed(bo, sn, nat)
    assert allowed(ca_tied, bo, dia) and not allowed(ca, bo, dia)
    assert not allowed(ca_tied, sn, dia)  # her ties are with Bolivia, not Senegal
    # "Any mix": a pair is allowed when any of its modes is.
    assert allowed(bo, sn, ns, ss) and allowed(ca, bo, ns, ss)
    # A woman from another country fits no mode of the programme's own...
    assert not allowed(other, bo, *PROGRAMME_MODES)
    # ...but an "open" cohort pairs any two women.
    assert allowed(other, bo, PairingMode.OPEN) and allowed(other, ca, PairingMode.OPEN)
    assert allowed(ca, ca_tied, PairingMode.OPEN) and allowed(bo, bo2, PairingMode.OPEN)
    assert Rules().modes == PROGRAMME_MODES  # "open" is never on by default

    result = refused(bo, sn, Rules(modes={ns}))
    assert result.key is RefusalKey.MODE_NOT_ALLOWED
    assert result.message.params["country_a"] == {"$msg": {"id": "Bolivia", "params": {}}}


def test_previous_and_forbidden_pairs_are_refused_in_either_order() -> None:
    a, b = woman(1), woman(2)
    assert refused(a, b, Rules(previous={(2, 1)})).key is RefusalKey.PREVIOUSLY_PAIRED
    assert refused(b, a, Rules(forbidden=[[1, 2]])).key is RefusalKey.FORBIDDEN
    both = refused(a, b, Rules(forbidden={(1, 2)}, previous={(1, 2)}))
    assert both.keys == (RefusalKey.FORBIDDEN, RefusalKey.PREVIOUSLY_PAIRED)
    scored(a, b, Rules(forbidden={(1, 3)}, previous={(2, 3)}))


def test_every_failed_constraint_is_listed_in_order() -> None:
    a = woman(1, languages={"es"}, availability={"wd_morning"})
    b = woman(2, country="SN", timezone="Africa/Dakar", languages={"fr"}, availability={"sun"})
    rules = Rules(modes={PairingMode.NORTH_SOUTH}, forbidden={(1, 2)})
    assert refusals(a, b, rules, WINTER) == (
        RefusalKey.FORBIDDEN,
        RefusalKey.MODE_NOT_ALLOWED,
        RefusalKey.NO_COMMON_LANGUAGE,
        RefusalKey.NOT_ENOUGH_OVERLAP,
    )


def test_rules_reject_contradictions() -> None:
    with pytest.raises(ValueError):
        Rules(locked={(1, 2)}, forbidden={(2, 1)})
    with pytest.raises(ValueError):
        Rules(modes=set())
    with pytest.raises(ValueError):
        Rules(forbidden={(1, 1)})
    with pytest.raises(ValueError):
        Weights(reciprocity=-1)
    with pytest.raises(ValueError):
        woman(1, offers={"juggling"})


# --- soft factors --------------------------------------------------------------------------------


def test_reciprocity_two_directions_beat_one() -> None:
    a = woman(1, offers={"export"}, wants={"finance"})
    b_both = woman(2, offers={"finance"}, wants={"export"})
    b_takes = woman(3, offers={"sales"}, wants={"export"})
    both, one_way = scored(a, b_both), scored(a, b_takes)
    assert both.reciprocity == 1.0
    assert one_way.reciprocity == 0.0
    assert both.total > one_way.total
    assert both.total - one_way.total == pytest.approx(Weights().reciprocity)


def test_reciprocity_is_the_weaker_direction() -> None:
    # a helps b with both things b wants; b helps a with one of the two a wants.
    a = woman(1, offers={"export", "sales"}, wants={"finance", "leadership"})
    b = woman(2, offers={"finance"}, wants={"export", "sales"})
    assert scored(a, b).reciprocity == 0.5
    assert scored(b, a).reciprocity == 0.5
    # Meeting two wants counts as fully met, even for a woman who wants four things.
    c = woman(3, offers={"finance", "leadership"}, wants={"export"})
    d = woman(4, offers={"export"}, wants={"finance", "leadership", "sales", "strategy"})
    assert scored(c, d).reciprocity == 1.0


def test_path_similarity() -> None:
    a = woman(1, sector="crafts", stage="idea", size="solo")
    assert scored(a, woman(2, sector="crafts", stage="idea", size="solo")).path == 1.0
    assert scored(a, woman(3, sector="tech", stage="idea", size="solo")).path == 0.5
    assert scored(a, woman(4, sector="tech", stage="established", size="large")).path == 0.0
    one_step = scored(a, woman(5, sector="crafts", stage="early", size="solo")).path
    assert 0.9 < one_step < 1.0


def test_diaspora_tie() -> None:
    bo = woman(1)
    tied = woman(2, country="CA", diaspora_ties={"BO"})
    untied = woman(3, country="CA")
    with_tie, without = scored(tied, bo), scored(untied, bo)
    assert with_tie.diaspora == 1.0 and without.diaspora == 0.0
    assert with_tie.total - without.total == pytest.approx(Weights().diaspora)
    assert scored(bo, tied).diaspora == 1.0  # either order
    assert scored(woman(4, country="CA", diaspora_ties={"SN"}), bo).diaspora == 0.0


def test_shared_goals() -> None:
    a = woman(1, wants={"export", "finance"})
    assert scored(a, woman(2, wants={"export", "finance", "sales"})).shared_goals == 1.0
    assert scored(a, woman(3, wants={"export"})).shared_goals == 0.5
    assert scored(a, woman(4, wants={"sales"})).shared_goals == 0.0


def test_weights_combine_the_factors() -> None:
    a = woman(1, offers={"export"}, wants={"finance", "sales"}, sector="tech")
    b = woman(2, offers={"finance"}, wants={"export", "sales"})
    for name in ("reciprocity", "path", "diaspora", "shared_goals"):
        only = Weights(**{n: (2.0 if n == name else 0.0) for n in Weights.__dataclass_fields__})
        result = scored(a, b, Rules(weights=only))
        assert result.total == pytest.approx(2.0 * result.factors()[name])
    default = scored(a, b)
    assert 0.0 <= default.total <= Weights().most


# --- reasons -------------------------------------------------------------------------------------


def test_reasons_name_both_directions_of_help() -> None:
    awa = woman(1, first_name="Awa", country="SN", offers={"export"}, wants={"digital_marketing"})
    carmen = woman(2, first_name="Carmen", offers={"digital_marketing"}, wants={"export"})
    pair = scored(awa, carmen)
    coordinator = pair.reasons()
    assert 1 <= len(coordinator) <= 3
    first = coordinator[0]
    assert first.msgid == "{a} can help {b} with {skills}; {b} can help {a} with {skills_back}."
    assert first.params["a"] == "Awa" and first.params["b"] == "Carmen"
    assert first.params["skills"]["$list"] == [nested(SKILLS_IN_SENTENCE["export"])]
    assert first.params["skills_back"]["$list"] == [nested(SKILLS_IN_SENTENCE["digital_marketing"])]
    # Carmen reads it from her side.
    mine = pair.reasons(for_reader=2)[0]
    assert mine.msgid.startswith("You can help {other}")
    assert mine.params["other"] == "Awa"
    assert (
        mine.params["skills"]["$list"][0]["$msg"]["id"]
        == SKILLS_IN_SENTENCE["digital_marketing"].msgid
    )
    with pytest.raises(ValueError):
        pair.reasons(for_reader=3)


def test_a_reason_names_at_most_two_skills() -> None:
    many = {"export", "finance", "sales", "strategy"}
    pair = scored(
        woman(1, offers=many, wants={"leadership"}), woman(2, offers={"leadership"}, wants=many)
    )
    skills = pair.reasons()[0].params["skills"]
    assert len(skills["$list"]) == 2 and skills["style"] == "unit"


def test_reasons_cover_one_way_help_path_diaspora_and_language() -> None:
    canadian = woman(
        1,
        first_name="Julie",
        country="CA",
        diaspora_ties={"BO"},
        offers={"finance"},
        wants={"sales"},
    )
    rosa = woman(2, first_name="Rosa", wants={"finance", "sales"})
    pair = scored(canadian, rosa)
    ids = [m.msgid for m in pair.reasons(limit=10)]
    assert "{a} can help {b} with {skills}." in ids
    assert "{name} has family {where}." in ids
    assert "{a} and {b} both want to learn about {skills}." in ids
    assert "{a} and {b} both work in the same sector: {sector}." in ids
    assert "{a} and {b} can both speak {languages}." in ids
    as_julie = [m.msgid for m in pair.reasons(for_reader=1, limit=10)]
    assert "You can help {other} with {skills}." in as_julie
    assert "You have family {where}." in as_julie
    as_rosa = [m.msgid for m in pair.reasons(for_reader=2, limit=10)]
    assert "{other} can help you with {skills}." in as_rosa
    assert "{name} has family {where}." in as_rosa
    # The strongest reason comes first and at most three are given by default.
    assert pair.reasons()[0].msgid == "{a} can help {b} with {skills}."
    assert len(pair.reasons()) == 3


# --- the vector form agrees with the scalar form -----------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_block_scores_equal_pair_scores(seed: int) -> None:
    rng = random.Random(seed)
    profiles = generate_profiles(60, seed, reference=WINTER)
    ids = [p.id for p in profiles]
    rules = Rules(
        modes=rng.sample(list(PairingMode), rng.randint(1, 4)),
        forbidden={tuple(rng.sample(ids, 2)) for _ in range(20)},
        previous={tuple(rng.sample(ids, 2)) for _ in range(20)},
        min_overlap_hours=rng.choice([1, 5, 10]),
    )
    arrays = ProfileArrays.encode(profiles, WINTER)
    everyone = np.arange(len(profiles))
    block = Scorer(arrays, rules).block(everyone, everyone, detail=True)
    assert block.refused_by is not None
    for i, a in enumerate(profiles):
        for j, b in enumerate(profiles):
            failed = refusals(a, b, rules, WINTER)
            assert bool(block.allowed[i, j]) == (not failed)
            if i == j:  # nothing else is worth checking about a woman and herself
                assert block.refused_by[RefusalKey.SAME_PERSON][i, j]
                continue
            for key, mask in block.refused_by.items():
                assert bool(mask[i, j]) == (key in failed), (key, a, b)
            if not failed:
                assert block.total[i, j] == scored(a, b, rules).total


def test_synthetic_people_are_deterministic_and_sensible() -> None:
    people = generate_people(400, seed=7)
    assert people == generate_people(400, seed=7)
    assert people != generate_people(400, seed=8)
    countries = [p["country"] for p in people]
    assert 0.3 < countries.count("CA") / 400 < 0.5
    for p in people:
        assert 2 <= len(p["offers"]) <= 4 and 2 <= len(p["wants"]) <= 4
        assert not set(p["offers"]) & set(p["wants"])
        assert 1 <= len(p["availability"]) <= 3
        assert {"BO": "es", "SN": "fr"}.get(p["country"], p["languages"][0]) in p["languages"]
        assert p["first_name"] and p["business_name"] and p["city"]
    tied = [p for p in people if p["diaspora_ties"]]
    assert tied and all(p["country"] == "CA" for p in tied)


def test_two_women_working_alone_are_not_said_to_be_the_same_size_just_me() -> None:
    alone = scored(woman(1, size="solo", stage="growing"), woman(2, size="solo", stage="early"))
    small = scored(woman(1, size="small", stage="growing"), woman(2, size="small", stage="early"))
    alone_ids = [m.msgid for m in alone.reasons(limit=10)]
    assert SOLO_BOTH.msgid in alone_ids
    assert "Both businesses are the same size: {size}." not in alone_ids
    assert "Both businesses are the same size: {size}." in [
        m.msgid for m in small.reasons(limit=10)
    ]
