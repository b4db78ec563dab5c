"""Reciprocal matching: who can be paired, how well, and the best pairs for a whole cohort.

Pure functions over `MatchProfile` values: no database, no transport. Reasons and explanations
are `Msg` values, rendered later in each reader's language.
"""

from flows.matching.assign import (
    Assignment,
    Sides,
    Unpaired,
    UnpairedKey,
    assign,
    greedy_assign,
)
from flows.matching.profile import (
    MatchProfile,
    ProfileArrays,
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
    Scorer,
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
    "Assignment",
    "MatchProfile",
    "PairScore",
    "PairingMode",
    "ProfileArrays",
    "Refusal",
    "RefusalKey",
    "Rules",
    "Scorer",
    "Sides",
    "Unpaired",
    "UnpairedKey",
    "Weights",
    "assign",
    "generate_people",
    "generate_profiles",
    "greedy_assign",
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
