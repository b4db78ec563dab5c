"""Optimal pairs for a whole cohort, and why each woman left out was left out.

Two-sided cohorts (Canada on one side, Bolivia and Senegal on the other) are an assignment
problem: `scipy.optimize.linear_sum_assignment` on the dense score matrix. Single-pool cohorts
(anyone may pair with anyone the rules allow) are a maximum-weight matching on a general graph:
each woman keeps her best `candidates_per_person` compatible candidates, and the matching on the
union of those edges is solved exactly as a small integer programme with HiGHS
(`scipy.optimize.milp`). The pure-Python blossom algorithm in networkx took 40 s on 2,000 women;
HiGHS solves the same graph in about a second, and its LP relaxation is almost always integral.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from flows.matching.blocks import ProfileArrays, Scorer
from flows.matching.profile import MatchProfile
from flows.matching.score import (
    OBSTACLES,
    PairingMode,
    PairScore,
    RefusalKey,
    Rules,
    pair_score,
)
from flows.messages import Msg, _, nested
from flows.vocabulary import NORTH, SOUTH

if TYPE_CHECKING:
    from scipy.optimize import LinearConstraint

# scipy is imported where a cohort is matched, not when this module is: the bot's processes that
# only take webhooks and send messages never load it (+65-75 MB and 0.4 s at start). This module
# itself (numpy, about 13 MB) is imported only by `service.run` and the matching tools.

# Score cells per numpy block: big enough to amortise Python overhead, small enough that the
# dozen temporaries of one block stay within a few hundred MB.
BLOCK_CELLS = 1_000_000


class UnpairedKey(StrEnum):
    NO_COMPATIBLE_PARTNER = "no_compatible_partner"
    BETTER_MATCH_ELSEWHERE = "better_match_elsewhere"


@dataclass(frozen=True)
class Unpaired:
    """A woman left without a partner this round, and why."""

    profile: MatchProfile
    key: UnpairedKey
    message: Msg
    obstacle: RefusalKey | None = None  # the commonest hard constraint, when none was compatible


@dataclass(frozen=True)
class Assignment:
    """The proposed pairs (locked ones first, then best first) and who is left out."""

    pairs: tuple[PairScore, ...]
    total: float
    unpaired: tuple[Unpaired, ...]
    two_sided: bool
    seconds_score: float = 0.0
    seconds_assign: float = 0.0


Sides = tuple[Collection[int], Collection[int]]


def assign(
    profiles: Sequence[MatchProfile],
    rules: Rules,
    reference: datetime,
    *,
    sides: Sides | None = None,
) -> Assignment:
    """Pair the cohort to maximise total compatibility (or the number of pairs first).

    `sides` makes the cohort two-sided (pairs only across); a cohort whose only mode is
    north_south is two-sided by country without it.
    """
    started = time.perf_counter()
    cohort = _Cohort(profiles, rules, reference, sides)
    if cohort.two_sided:
        rows, cols = cohort.side_rows, cohort.side_cols
        total, allowed = cohort.dense(rows, cols)
        scored = time.perf_counter()
        chosen = _solve_bipartite(total, allowed, rules.maximise_count_first)
        pairs = [(rows[r], cols[c]) for r, c in chosen]
    else:
        everyone = np.arange(len(cohort.arrays))
        first, second, weight = cohort.candidates(everyone, rules.candidates_per_person)
        scored = time.perf_counter()
        picked = _solve_general(len(everyone), first, second, weight, rules.maximise_count_first)
        pairs = [(first[e], second[e]) for e in picked]
    pairs += cohort.fill_in(pairs)
    return cohort.result(pairs, time_score=scored - started, started=started)


def greedy_assign(
    profiles: Sequence[MatchProfile],
    rules: Rules,
    reference: datetime,
    *,
    sides: Sides | None = None,
) -> Assignment:
    """Baseline: repeatedly take the best remaining allowed pair (no optimisation)."""
    started = time.perf_counter()
    cohort = _Cohort(profiles, rules, reference, sides)
    n = len(cohort.arrays)
    if cohort.two_sided:
        rows, cols = cohort.side_rows, cohort.side_cols
    else:
        rows = cols = np.arange(n)
    firsts, seconds, weights = [], [], []
    for chunk in _chunks(rows, len(cols)):
        block = cohort.scorer.block(chunk, cols)
        allowed = block.allowed
        if not cohort.two_sided:
            allowed &= chunk[:, None] < cols[None, :]  # each unordered pair once
        r, c = np.nonzero(allowed)
        firsts.append(chunk[r])
        seconds.append(cols[c])
        weights.append(block.total[r, c])
    first, second, weight = (
        np.concatenate(a) if a else np.zeros(0) for a in (firsts, seconds, weights)
    )
    scored = time.perf_counter()
    order = np.argsort(-weight, kind="stable")
    used = np.zeros(n, bool)
    pairs: list[tuple[int, int]] = []
    # Walk the sorted edges in slices, dropping in bulk those whose ends are already taken, so
    # the Python loop only sees edges that may still be chosen.
    step = 4096
    for start in range(0, len(order), step):
        part = order[start : start + step]
        part = part[~used[first[part]] & ~used[second[part]]]
        for e in part:
            i, j = first[e], second[e]
            if not used[i] and not used[j]:
                used[i] = used[j] = True
                pairs.append((int(i), int(j)))
        if used.all():
            break
    return cohort.result(pairs, time_score=scored - started, started=started)


class _Cohort:
    """One matching run: locked pairs set aside, the rest of the pool encoded for scoring."""

    def __init__(
        self,
        profiles: Sequence[MatchProfile],
        rules: Rules,
        reference: datetime,
        sides: Sides | None,
    ) -> None:
        self.rules, self.reference = rules, reference
        by_id: dict[int, MatchProfile] = {}
        for p in profiles:
            if p.id in by_id:
                raise ValueError(f"profile {p.id} appears twice")
            by_id[p.id] = p
        locked_ids: set[int] = set()
        for pair in rules.locked:
            if not pair <= by_id.keys():
                raise ValueError(f"locked pair {sorted(pair)} names someone not in the cohort")
            if pair & locked_ids:
                raise ValueError(f"locked pair {sorted(pair)} shares a person with another")
            locked_ids |= pair
        self.locked = [
            pair_score(*(by_id[i] for i in sorted(pair)), rules, reference, locked=True)
            for pair in sorted(rules.locked, key=sorted)
        ]
        pool = [p for p in profiles if p.id not in locked_ids]
        self.arrays = ProfileArrays.encode(pool, reference)
        self.scorer = Scorer(self.arrays, rules)

        if sides is None and rules.modes == {PairingMode.NORTH_SOUTH}:
            # North-South only: Canada on one side, Bolivia and Senegal on the other. Anyone
            # else is on neither side and will be listed as unpaired, with the reason.
            sides = (
                [p.id for p in pool if p.country in NORTH],
                [p.id for p in pool if p.country in SOUTH],
            )
        elif sides is not None:
            left, right = set(sides[0]), set(sides[1])
            if left & right or (left | right) != by_id.keys():
                raise ValueError("sides must split the cohort into two disjoint groups")
        self.two_sided = sides is not None
        self.side_rows = self.side_cols = np.zeros(0, np.int64)
        if sides is not None:
            left, right = set(sides[0]), set(sides[1])
            ids = [p.id for p in pool]
            self.side_rows = np.array([i for i, pid in enumerate(ids) if pid in left], np.int64)
            self.side_cols = np.array([i for i, pid in enumerate(ids) if pid in right], np.int64)

    def dense(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The full score matrix of rows × cols and where it is allowed."""
        total = np.zeros((len(rows), len(cols)))
        allowed = np.zeros((len(rows), len(cols)), bool)
        at = 0
        for chunk in _chunks(rows, len(cols)):
            block = self.scorer.block(chunk, cols)
            total[at : at + len(chunk)] = block.total
            allowed[at : at + len(chunk)] = block.allowed
            at += len(chunk)
        return total, allowed

    def candidates(self, people: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Edges (i < j, score) of the union of each woman's k best compatible candidates."""
        codes, weights = [], []
        n = len(self.arrays)
        for chunk in _chunks(people, len(people)):
            block = self.scorer.block(chunk, people)
            masked = np.where(block.allowed, block.total, -np.inf)
            if k < len(people):
                top = np.argpartition(-masked, k - 1, axis=1)[:, :k]
            else:
                top = np.broadcast_to(np.arange(len(people)), masked.shape)
            r = np.repeat(np.arange(len(chunk)), top.shape[1])
            c = top.ravel()
            keep = block.allowed[r, c]
            r, c = r[keep], c[keep]
            i, j = chunk[r], people[c]
            codes.append(np.minimum(i, j) * n + np.maximum(i, j))
            weights.append(block.total[r, c])
        if not codes:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        code, first_seen = np.unique(np.concatenate(codes), return_index=True)
        return code // n, code % n, np.concatenate(weights)[first_seen]

    def fill_in(self, pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Greedily pair women left out who are still compatible with each other.

        Scores are never negative, so this never lowers the total; it catches zero-score pairs
        an optimiser is indifferent to and edges lost to candidate pruning.
        """
        taken = {int(i) for pair in pairs for i in pair}
        free = np.array([i for i in range(len(self.arrays)) if i not in taken], np.int64)
        if self.two_sided:
            rows = np.intersect1d(self.side_rows, free)
            cols = np.intersect1d(self.side_cols, free)
        else:
            rows = cols = free
        if len(rows) == 0 or len(cols) == 0:
            return []
        total, allowed = self.dense(rows, cols)
        r, c = np.nonzero(allowed)
        added: list[tuple[int, int]] = []
        used: set[int] = set()
        for e in np.argsort(-total[r, c], kind="stable"):
            i, j = int(rows[r[e]]), int(cols[c[e]])
            if i != j and i not in used and j not in used:
                used |= {i, j}
                added.append((i, j))
        return added

    def result(
        self, pairs: list[tuple[int, int]], *, time_score: float, started: float
    ) -> Assignment:
        people = self.arrays.profiles
        scored = [pair_score(people[i], people[j], self.rules, self.reference) for i, j in pairs]
        scored.sort(key=lambda s: (-s.total, s.a.id, s.b.id))
        all_pairs = self.locked + scored
        taken = {int(i) for pair in pairs for i in pair}
        unpaired = self._unpaired([i for i in range(len(people)) if i not in taken])
        return Assignment(
            pairs=tuple(all_pairs),
            total=sum(s.total for s in all_pairs),
            unpaired=tuple(unpaired),
            two_sided=self.two_sided,
            seconds_score=time_score,
            seconds_assign=time.perf_counter() - started - time_score,
        )

    def _unpaired(self, left_out: list[int]) -> list[Unpaired]:
        """Why each left-out woman is left out, judged against everyone she could have met."""
        everyone = np.arange(len(self.arrays))
        groups: list[tuple[np.ndarray, np.ndarray]] = []
        if self.two_sided:
            on_left = np.intersect1d(left_out, self.side_rows)
            on_right = np.intersect1d(left_out, self.side_cols)
            neither = np.setdiff1d(left_out, np.union1d(on_left, on_right))
            groups = [(on_left, self.side_cols), (on_right, self.side_rows), (neither, everyone)]
        else:
            groups = [(np.array(left_out, np.int64), everyone)]
        found: dict[int, Unpaired] = {}
        for rows, cols in groups:
            for chunk in _chunks(rows, len(cols)):
                block = self.scorer.block(chunk, cols, detail=True)
                assert block.refused_by is not None
                others = ~block.refused_by[RefusalKey.SAME_PERSON]
                compatible = block.allowed.any(axis=1)
                counts = {
                    key: (mask & others).sum(axis=1)
                    for key, mask in block.refused_by.items()
                    if key is not RefusalKey.SAME_PERSON
                }
                has_others = others.any(axis=1)
                for r, i in enumerate(chunk):
                    found[int(i)] = self._why(
                        int(i), bool(compatible[r]), bool(has_others[r]), counts, r
                    )
        return [found[i] for i in sorted(left_out, key=lambda i: self.arrays.profiles[i].id)]

    def _why(
        self,
        i: int,
        compatible: bool,
        has_others: bool,
        counts: dict[RefusalKey, np.ndarray],
        r: int,
    ) -> Unpaired:
        profile = self.arrays.profiles[i]
        if compatible:
            return Unpaired(
                profile,
                UnpairedKey.BETTER_MATCH_ELSEWHERE,
                _(
                    "{name} was not paired: each woman she could be paired with got a better "
                    "overall match.",
                    name=profile.first_name,
                ),
            )
        # On a tie, the constraint checked first (RefusalKey order) is named.
        obstacle = (
            max(counts, key=lambda key: int(counts[key][r]))
            if has_others
            else RefusalKey.SAME_PERSON
        )
        return Unpaired(
            profile,
            UnpairedKey.NO_COMPATIBLE_PARTNER,
            _(
                "{name} has no compatible partner this round; the main obstacle is: {obstacle}.",
                name=profile.first_name,
                obstacle=nested(OBSTACLES[obstacle]),
            ),
            obstacle,
        )


def _chunks(rows: np.ndarray, width: int) -> Iterator[np.ndarray]:
    step = max(1, BLOCK_CELLS // max(1, width))
    for start in range(0, len(rows), step):
        yield rows[start : start + step]


def _solve_bipartite(
    total: np.ndarray, allowed: np.ndarray, count_first: bool
) -> list[tuple[int, int]]:
    """Best assignment of rows to columns; refused cells are never kept."""
    if total.size == 0:
        return []
    # A refused cell is worth 0, the same as leaving both women unpaired (every score is >= 0),
    # so the optimum over full assignments is the optimum over partial ones. With count_first,
    # each allowed cell also earns a bonus larger than any possible sum of scores, so one more
    # pair always beats any gain in score.
    bonus = float(min(total.shape)) * max(float(total.max()), 0.0) + 1.0 if count_first else 0.0
    value = np.where(allowed, total + bonus, 0.0)
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(value, maximize=True)
    keep = allowed[rows, cols]
    return list(zip(rows[keep].tolist(), cols[keep].tolist(), strict=True))


def _solve_general(
    n: int, first: np.ndarray, second: np.ndarray, weight: np.ndarray, count_first: bool
) -> list[int]:
    """Indices of the edges of a maximum-weight matching (count first if asked)."""
    m = len(first)
    if m == 0:
        return []
    from scipy.optimize import LinearConstraint
    from scipy.sparse import coo_array

    edges = np.arange(m)
    incidence = coo_array(
        (np.ones(2 * m), (np.concatenate([first, second]), np.concatenate([edges, edges]))),
        shape=(n, m),
    ).tocsr()
    constraints = [LinearConstraint(incidence, 0, 1)]
    if count_first:
        # Lexicographic: find the largest number of pairs, then the best total among matchings
        # that size. Two exact solves avoid a big-M objective and its rounding.
        most = _milp(-np.ones(m), constraints)
        count = int(round(float(most.sum())))
        constraints.append(LinearConstraint(np.ones((1, m)), count, m))
    chosen = _milp(-weight, constraints)
    picked = np.flatnonzero(chosen)
    return picked.tolist()


def _milp(cost: np.ndarray, constraints: list[LinearConstraint]) -> np.ndarray:
    from scipy.optimize import milp

    result = milp(
        cost,
        constraints=constraints,
        integrality=np.ones(len(cost)),
        bounds=(0, 1),
        options={"mip_rel_gap": 0.0},
    )
    if result.x is None:
        raise RuntimeError(f"matching solver failed: {result.message}")
    return result.x > 0.5
