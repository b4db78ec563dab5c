"""The scoring formulas of `flows.matching.score` for whole blocks of pairs at once, with numpy.

A cohort is encoded once as arrays (`ProfileArrays`); `Scorer.block` then scores rows × cols of
it by broadcasting. It performs the same float operations in the same order as `score_pair`, so
both give identical totals; the tests hold them to it. Only `flows.matching.assign` needs this
module: the bot's processes load numpy when a cohort is matched, not at start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from flows.matching.profile import HOURS_PER_WEEK, MatchProfile, profile_hours
from flows.matching.score import (
    SATURATION,
    SECTOR_SHARE,
    SIZE_SHARE,
    SIZE_SPAN,
    STAGE_SHARE,
    STAGE_SPAN,
    PairingMode,
    PairSet,
    RefusalKey,
    Rules,
    country_modes,
)
from flows.vocabulary import (
    COUNTRIES,
    NORTH,
    SECTORS,
    SIZES,
    SKILLS,
    SOUTH,
    SPOKEN_LANGUAGES,
    STAGES,
)

# --- Arrays for scoring whole cohorts at once -------------------------------------------------

COUNTRY_CODES: tuple[str, ...] = tuple(COUNTRIES)
_SKILL_INDEX = {key: i for i, key in enumerate(SKILLS)}
_LANGUAGE_INDEX = {key: i for i, key in enumerate(SPOKEN_LANGUAGES)}
_COUNTRY_INDEX = {key: i for i, key in enumerate(COUNTRY_CODES)}
_SECTOR_INDEX = {key: i for i, key in enumerate(SECTORS)}
_STAGE_INDEX = {key: i for i, key in enumerate(STAGES)}
_SIZE_INDEX = {key: i for i, key in enumerate(SIZES)}


@dataclass(frozen=True, eq=False)
class ProfileArrays:
    """A cohort as numpy arrays, row i = profiles[i].

    Sets become 0/1 float32 matrices so that intersection sizes for every pair are one matrix
    product (exact: the counts are small integers).
    """

    profiles: tuple[MatchProfile, ...]
    offers: np.ndarray  # (n, skills)
    wants: np.ndarray  # (n, skills)
    wants_count: np.ndarray  # (n,)
    languages: np.ndarray  # (n, languages)
    hours: np.ndarray  # (n, 168)
    country: np.ndarray  # (n,) index into COUNTRY_CODES
    ties: np.ndarray  # (n, countries) bool: a Canadian's diaspora ties
    sector: np.ndarray
    stage: np.ndarray
    size: np.ndarray

    @classmethod
    def encode(cls, profiles: Iterable[MatchProfile], reference: datetime) -> ProfileArrays:
        people = tuple(profiles)
        n = len(people)
        offers = np.zeros((n, len(SKILLS)), np.float32)
        wants = np.zeros((n, len(SKILLS)), np.float32)
        languages = np.zeros((n, len(SPOKEN_LANGUAGES)), np.float32)
        ties = np.zeros((n, len(COUNTRY_CODES)), bool)
        masks = bytearray()
        for i, p in enumerate(people):
            offers[i, [_SKILL_INDEX[k] for k in p.offers]] = 1
            wants[i, [_SKILL_INDEX[k] for k in p.wants]] = 1
            languages[i, [_LANGUAGE_INDEX[k] for k in p.languages]] = 1
            if p.country in NORTH:
                ties[i, [_COUNTRY_INDEX[c] for c in p.diaspora_ties if c in SOUTH]] = True
            masks += profile_hours(p, reference).to_bytes(HOURS_PER_WEEK // 8, "little")
        bits = np.unpackbits(np.frombuffer(bytes(masks), np.uint8), bitorder="little")
        return cls(
            profiles=people,
            offers=offers,
            wants=wants,
            wants_count=wants.sum(axis=1),
            languages=languages,
            hours=bits.reshape(n, HOURS_PER_WEEK).astype(np.float32),
            country=np.array([_COUNTRY_INDEX[p.country] for p in people], np.int64),
            ties=ties,
            sector=np.array([_SECTOR_INDEX[p.sector] for p in people], np.int64),
            stage=np.array([_STAGE_INDEX[p.stage] for p in people], np.int64),
            size=np.array([_SIZE_INDEX[p.size] for p in people], np.int64),
        )

    def __len__(self) -> int:
        return len(self.profiles)


# --- Whole blocks of pairs at once -------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """Scores of rows × cols: `total` is meaningful only where `allowed`."""

    total: np.ndarray  # float64 (r, c)
    allowed: np.ndarray  # bool (r, c)
    refused_by: dict[RefusalKey, np.ndarray] | None = None  # per constraint, when asked


class Scorer:
    """Scores blocks of pairs of one encoded cohort with numpy broadcasting."""

    def __init__(self, arrays: ProfileArrays, rules: Rules) -> None:
        self.arrays = arrays
        self.rules = rules
        # Which country pairs are allowed by the modes that depend on countries alone.
        self.country_allowed = np.array(
            [
                [bool(country_modes(x, y) & rules.modes) for y in COUNTRY_CODES]
                for x in COUNTRY_CODES
            ],
            bool,
        )
        self.diaspora_allowed = PairingMode.DIASPORA in rules.modes
        index = {p.id: i for i, p in enumerate(arrays.profiles)}
        self.index = index
        self.forbidden = _pair_indices(rules.forbidden, index)
        self.previous = _pair_indices(rules.previous, index)

    def block(self, rows: np.ndarray, cols: np.ndarray, *, detail: bool = False) -> Block:
        """Score every (row, col) pair; rows and cols are indices into the encoded cohort."""
        x, rules, w = self.arrays, self.rules, self.rules.weights
        gain_col = _gain(x.offers[rows] @ x.wants[cols].T, x.wants_count[cols][None, :])
        gain_row = _gain(x.wants[rows] @ x.offers[cols].T, x.wants_count[rows][:, None])
        recip = np.minimum(gain_col, gain_row)
        del gain_col, gain_row

        stage_gap = np.abs(x.stage[rows][:, None] - x.stage[cols][None, :])
        size_gap = np.abs(x.size[rows][:, None] - x.size[cols][None, :])
        same_sector = (x.sector[rows][:, None] == x.sector[cols][None, :]).astype(np.float64)
        path = (
            SECTOR_SHARE * same_sector
            + STAGE_SHARE * (1 - stage_gap / STAGE_SPAN)
            + SIZE_SHARE * (1 - size_gap / SIZE_SPAN)
        )
        del stage_gap, size_gap, same_sector

        ctry_r, ctry_c = x.country[rows], x.country[cols]
        tie = x.ties[rows][:, ctry_c] | x.ties[cols][:, ctry_r].T
        common_wants = (x.wants[rows] @ x.wants[cols].T).astype(np.float64)
        goals = np.minimum(1.0, common_wants / SATURATION)
        total = (
            w.reciprocity * recip
            + w.path * path
            + w.diaspora * tie.astype(np.float64)
            + w.shared_goals * goals
        )
        del recip, path, goals, common_wants

        same = self._mask(rows, cols, _self_pairs(rows, cols))
        forbidden = self._mask(rows, cols, self.forbidden)
        previous = self._mask(rows, cols, self.previous)
        mode_ok = self.country_allowed[ctry_r][:, ctry_c]
        if self.diaspora_allowed:
            mode_ok |= tie
        language_ok = (x.languages[rows] @ x.languages[cols].T) > 0
        overlap_ok = (x.hours[rows] @ x.hours[cols].T) >= rules.min_overlap_hours
        allowed = ~same & ~forbidden & ~previous & mode_ok & language_ok & overlap_ok
        refused_by = None
        if detail:
            refused_by = {
                RefusalKey.SAME_PERSON: same,
                RefusalKey.FORBIDDEN: forbidden,
                RefusalKey.PREVIOUSLY_PAIRED: previous,
                RefusalKey.MODE_NOT_ALLOWED: ~mode_ok,
                RefusalKey.NO_COMMON_LANGUAGE: ~language_ok,
                RefusalKey.NOT_ENOUGH_OVERLAP: ~overlap_ok,
            }
        return Block(total, allowed, refused_by)

    def _mask(
        self, rows: np.ndarray, cols: np.ndarray, pairs: tuple[np.ndarray, np.ndarray]
    ) -> np.ndarray:
        """Mark the listed (i, j) index pairs, in either order, inside a rows × cols block."""
        mask = np.zeros((len(rows), len(cols)), bool)
        first, second = pairs
        if len(first) == 0:
            return mask
        n = len(self.arrays)
        row_at = np.full(n, -1, np.int64)
        col_at = np.full(n, -1, np.int64)
        row_at[rows] = np.arange(len(rows))
        col_at[cols] = np.arange(len(cols))
        for i, j in ((first, second), (second, first)):
            r, c = row_at[i], col_at[j]
            keep = (r >= 0) & (c >= 0)
            mask[r[keep], c[keep]] = True
        return mask


def _gain(count: np.ndarray, wants_count: np.ndarray) -> np.ndarray:
    """Vector form of `gain`: count of wanted skills offered, over min(SATURATION, wants)."""
    cap = np.minimum(SATURATION, wants_count).astype(np.float64)
    share = np.minimum(1.0, count.astype(np.float64) / np.maximum(cap, 1.0))
    return np.where(cap > 0, share, 0.0)


def _pair_indices(pairs: PairSet, index: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of ids as two index arrays, skipping people who are not in the cohort."""
    found = [tuple(index[p] for p in pair) for pair in pairs if all(p in index for p in pair)]
    first = np.array([f for f, _s in found], np.int64)
    second = np.array([s for _f, s in found], np.int64)
    return first, second


def _self_pairs(rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    both = np.intersect1d(rows, cols)
    return both, both
