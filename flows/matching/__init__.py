"""Reciprocal matching: who can be paired, how well, and the best pairs for a whole cohort.

Pure functions over `MatchProfile` values: no database, no transport. Reasons and explanations
are `Msg` values, rendered later in each reader's language.

This package re-exports only what needs no numpy, because the bot imports it at start (through
`flows.matching.service`). The solver (`assign`, `greedy_assign`, `Assignment`, `Unpaired`) is in
`flows.matching.assign` and the numpy scoring (`ProfileArrays`, `Scorer`) in
`flows.matching.blocks`: import them from there, where a cohort is matched.
"""

from flows.matching.profile import (
    MatchProfile,
    hours_of,
    overlap_hours,
    profile_hours,
    utc_week_hours,
    week_start,
)
from flows.matching.score import (
    OBSTACLES,
    PROGRAMME_MODES,
    PairingMode,
    PairScore,
    Refusal,
    RefusalKey,
    Rules,
    Weights,
    has_diaspora_tie,
    pair_modes,
    pair_score,
    refusals,
    score_pair,
)
from flows.matching.synthetic import generate_people, generate_profiles, to_profile

__all__ = [
    "OBSTACLES",
    "PROGRAMME_MODES",
    "MatchProfile",
    "PairScore",
    "PairingMode",
    "Refusal",
    "RefusalKey",
    "Rules",
    "Weights",
    "generate_people",
    "generate_profiles",
    "has_diaspora_tie",
    "hours_of",
    "overlap_hours",
    "pair_modes",
    "pair_score",
    "profile_hours",
    "refusals",
    "score_pair",
    "to_profile",
    "utc_week_hours",
    "week_start",
]
