"""Which counts of a table may be shown, so that no woman can be singled out.

A count from 1 to 4 could point at one woman: it is hidden (primary suppression). Hiding it alone
is not enough when the reader also sees the column's total: total 12, "yes" 9, "no" hidden gives
"no" = 3. So while a hidden count can still be worked out, the smallest other count of its column
is hidden too (complementary suppression), and so on until none can be.

In a funnel a reader knows more: along a row no step has more women than the one before. With
"onboarded 6" and "accepted 6" shown, a hidden "matched" is 6, and the small count it was hidden
to protect follows from the total. So once no column hides a single count, the question "can
this hidden count be worked out?" is answered exactly, as a flow problem (`_Funnel`), and a
hidden count that can be gets a neighbour of its row or column hidden too.

The reader is taken to know every count shown, every total shown, the order of a funnel's steps
(and that a country has a row only when it has a woman) and that counts are whole numbers from
0 up. Every hidden count is shown the same way, so she
cannot tell a small count from one hidden to protect it (which would tell her its range).

A table whose columns are read apart (an outcome's women by country: "—" for nobody, a count
or the mark) tells its reader which counts are 0, so each column's other counts are read as a
funnel of one step (`hidden_apart`).

Two tables that count the same women are read together (`hidden_together`): an outcome's
women of a country are among the women it invited, so a shown "Bolivia 11" answers is a floor
under Bolivia's hidden invited count, and a shown invited count a ceiling over a hidden answer
count. The funnel and each outcome are then one flow problem (`_Linked`). Beside each count of
an outcome stands its women's average, so its hidden counts must hold 5 women at least
(`hidden_apart(..., averages=True)`): their average is the total's less the shown ones'.

Sometimes what she knows before any count is shown already tells a small one: invited 2 in two
countries, each country's row has a woman, so each is 1; one row alone is its totals. No hiding
helps then, so such a table is `withheld`: not shown by row at all, its totals alone.

A count that is not small may still need hiding: a cohort's, when the whole programme's report
beside it has 1 to 4 women more (7 less 6). Such cells are given as `also`: hidden and protected
as a small one is.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from copy import copy
from functools import lru_cache

SMALL = 5  # counts from 1 to SMALL - 1 are hidden

Cell = tuple[int, int]  # (row, column)


def small(count: int) -> bool:
    """Whether a count could point at one woman: 1 to 4 (0 points at nobody)."""
    return 0 < count < SMALL


def hidden_cells(
    table: Sequence[Sequence[int]],
    *,
    totals: Sequence[bool] | None = None,
    funnel: bool = False,
    also: Iterable[Cell] = (),
) -> set[Cell]:
    """The cells of `table` (rows of counts) to hide: every small one, then as many more as it
    takes that no hidden one can be worked out (unless the table is `withheld`: then no hiding
    helps).

    `totals[column]`: whether that column's total is shown beside the table (all are, unless
    said). `funnel`: each row is a funnel, no step above the one before it, starting from one
    woman at least (a country's row is there because she is), and the reader knows it. `also`:
    cells hidden and protected as if small (a cohort's count whose complement in the programme
    is small: the whole report less it would tell that).
    """
    figures = tuple(tuple(row) for row in table)
    shown = tuple(totals) if totals is not None else (True,) * (len(figures[0]) if figures else 0)
    return set(_hidden_cells(figures, shown, funnel, frozenset(also)))


def withheld(
    table: Sequence[Sequence[int]],
    *,
    totals: Sequence[bool] | None = None,
    funnel: bool = False,
    also: Iterable[Cell] = (),
) -> bool:
    """Whether the table must not be shown by row at all: the totals and the list of rows alone
    already tell a small count (or one of `also`, see `hidden_cells`), so no hiding of cells can
    protect it (invited 2 in a funnel of two countries: each country's row has a woman, so each
    is 1; or one row, each count its column's total). Its totals alone are shown then."""
    grid = [list(row) for row in table]
    shown = list(totals) if totals is not None else [True] * (len(grid[0]) if grid else 0)
    every = {(r, c) for r, row in enumerate(grid) for c in range(len(row))}
    secret = {cell for cell in also if _count(grid, cell)}  # a 0 is 0 whatever the programme's
    told = _worked_out(grid, every, shown, funnel)
    return any(small(_count(grid, cell)) or cell in secret for cell in told)


def hidden_apart(
    table: Sequence[Sequence[int]],
    *,
    totals: Sequence[bool] | None = None,
    averages: bool = False,
    also: Iterable[Cell] = (),
) -> set[Cell] | None:
    """The cells to hide of a table whose columns are read apart (an outcome's women by
    country), or None when it must be withheld (see `withheld`).

    Its reader tells a count of 0 from a hidden one (nobody is shown as such) and knows that a
    row is there because it has a woman somewhere, so she may well know each other count is 1
    at least: each column's counts above 0 are read as a funnel of one step.

    `averages`: each shown count comes with its women's average, and the column's total with
    theirs, so the hidden women's average is the total's less the shown ones': while the hidden
    counts of a column add up to 1 to 4 women, its smallest shown count is hidden too.
    `also`: as `hidden_cells`'.
    """
    grid = [list(row) for row in table]
    shown = list(totals) if totals is not None else [True] * (len(grid[0]) if grid else 0)
    secret = set(also)
    hidden: set[Cell] = set()
    for c, total in enumerate(shown):
        lines = [r for r, row in enumerate(grid) if row[c]]
        column = [[grid[r][c]] for r in lines]
        forced = [(i, 0) for i, r in enumerate(lines) if (r, c) in secret]
        if withheld(column, totals=[total], funnel=True, also=forced):
            return None
        found = hidden_cells(column, totals=[total], funnel=True, also=forced)
        mine = {(lines[r], c) for r, _c in found}
        rest = _by_size(grid, ((r, c) for r in lines if (r, c) not in mine))
        while averages and total and rest and small(sum(_count(grid, cell) for cell in mine)):
            mine.add(rest.pop(0))
        hidden |= mine
    return hidden


def hidden_together(
    funnel: Sequence[Sequence[int]],
    funnel_hidden: set[Cell],
    answers: Sequence[Sequence[int]],
    answers_hidden: set[Cell],
    *,
    rows: Sequence[int | None],
    totals: Sequence[bool],
    through: int = 1,
) -> tuple[set[Cell], set[Cell]] | None:
    """The funnel's hidden cells and the outcomes' (`answers`: each outcome's women by row,
    read apart), read together; or None when the outcomes must not be shown by row at all.

    The women who answered an outcome in a row are among the women that row invited
    (`rows[i]`: the funnel's row of the outcomes' row i, None for none): an outcome's "Bolivia
    11" tells that Bolivia invited 11 at least, and a hidden one is at most what Bolivia
    invited. So each outcome is checked with the funnel as one flow problem (`_Linked`), and
    while a hidden count of either can be worked out, a shown count of that outcome is hidden
    (the smallest whose hiding stops it first), else one of the funnel's row or column. When
    none is left to hide, the outcomes are withheld by row and the funnel is as it was: it
    was safe alone. `funnel_hidden` holds every cell of a funnel withheld by country.

    `through`: the answers are among the women of the first `through` steps (the report's
    outcomes: through "Both accepted", since the baseline survey comes with a pair's start).
    Beyond the first step this is read as a floor under each row's hidden counts of those
    steps (a shown count, else 1 where the row's answers are hidden but not "—"), which the
    flow can carry; several rows' hidden answers read together can still tell more there
    (README), where the first step alone is worked out exactly.
    """
    found = _hidden_together(
        tuple(tuple(row) for row in funnel),
        frozenset(funnel_hidden),
        tuple(tuple(row) for row in answers),
        frozenset(answers_hidden),
        tuple(rows),
        tuple(totals),
        through,
    )
    return None if found is None else (set(found[0]), set(found[1]))


@lru_cache(maxsize=256)
def _hidden_together(
    funnel: tuple[tuple[int, ...], ...],
    funnel_hidden: frozenset[Cell],
    answers: tuple[tuple[int, ...], ...],
    answers_hidden: frozenset[Cell],
    rows: tuple[int | None, ...],
    totals: tuple[bool, ...],
    through: int,
) -> tuple[frozenset[Cell], frozenset[Cell]] | None:
    grid = [list(row) for row in funnel]
    hidden, secret = set(funnel_hidden), set(answers_hidden)

    def floors() -> list[int]:
        """What every outcome shows of each funnel row: a shown count, else 1 where hidden."""
        least = [0] * len(grid)
        for i, line in enumerate(answers):
            for c, n in enumerate(line):
                r = rows[i]
                if r is not None and n:
                    least[r] = max(least[r], 1 if (i, c) in secret else n)
        return least

    again = True
    while again:  # a cell the funnel hides for one outcome is hidden for the others too
        again = False
        for c, total in enumerate(totals):
            column = [row[c] for row in answers]
            while True:
                secrets = {r for r, _c in secret if _c == c}
                link = _Linked(grid, hidden, column, secrets, list(rows), total, floors(), through)
                extra = link.next_to_hide()
                if extra is None:
                    break
                if extra == "withheld":
                    return None
                if extra[0] == "answer":
                    secret.add((extra[1], c))
                else:
                    hidden.add((extra[1], extra[2]))
                    again = True
    return frozenset(hidden), frozenset(secret)


# The same figures give the same answer: the console's dashboard builds the report on every load.
@lru_cache(maxsize=256)
def _hidden_cells(
    table: tuple[tuple[int, ...], ...],
    totals: tuple[bool, ...],
    funnel: bool,
    also: frozenset[Cell],
) -> frozenset[Cell]:
    grid = [list(row) for row in table]
    shown_totals = list(totals)
    hidden = {(r, c) for r, row in enumerate(grid) for c, n in enumerate(row) if small(n)}
    hidden |= {(r, c) for r, c in also if grid[r][c]}  # a 0 is 0 whatever the programme's
    while True:
        extra = _alone_in_column(grid, hidden, shown_totals)
        if extra is None:
            extra = _next_to_hide(grid, hidden, shown_totals, funnel)
        if extra is None:
            return frozenset(hidden)
        hidden.add(extra)


def _alone_in_column(grid: list[list[int]], hidden: set[Cell], totals: list[bool]) -> Cell | None:
    """The next-smallest shown cell of a column whose total is shown and which hides one cell
    only (that one is its total minus the others), or None."""
    for c, shown in enumerate(totals):
        column = [(r, c) for r in range(len(grid))]
        if not shown or not sum(_count(grid, cell) for cell in column):
            continue
        if len([cell for cell in column if cell in hidden]) == 1:
            rest = _by_size(grid, [cell for cell in column if cell not in hidden])
            if rest:
                return rest[0]
    return None


def _count(grid: list[list[int]], cell: Cell) -> int:
    return grid[cell[0]][cell[1]]


def _by_size(grid: list[list[int]], cells: Iterable[Cell]) -> list[Cell]:
    """Smallest first, then in the table's order."""
    return sorted(cells, key=lambda cell: (_count(grid, cell), cell))


def worked_out(
    table: Sequence[Sequence[int]],
    hidden: set[Cell],
    *,
    totals: Sequence[bool] | None = None,
    funnel: bool = False,
) -> list[Cell]:
    """The hidden cells whose count a reader can work out from what is shown."""
    grid = [list(row) for row in table]
    shown_totals = list(totals) if totals is not None else [True] * (len(grid[0]) if grid else 0)
    return _worked_out(grid, hidden, shown_totals, funnel)


def _worked_out(
    grid: list[list[int]], hidden: set[Cell], totals: list[bool], funnel: bool
) -> list[Cell]:
    known = _knower(grid, hidden, totals, funnel)
    return [cell for cell in sorted(hidden) if known(cell)]


def _knower(
    grid: list[list[int]], hidden: set[Cell], totals: list[bool], funnel: bool
) -> Callable[[Cell], bool]:
    """Whether a reader can work out a hidden cell, given the cells hidden."""
    if funnel and all(totals):
        known = _Funnel(grid, hidden).knower()
        if known is not None:
            return known

    def alone(cell: Cell) -> bool:
        # Each column on its own: a hidden count is known when it is its column's only one (or
        # the column's hidden counts add up to 0).
        c = cell[1]
        others = [(r, c) for r in range(len(grid)) if (r, c) in hidden and (r, c) != cell]
        return totals[c] and (not others or not sum(_count(grid, one) for one in [cell, *others]))

    return alone


def _next_to_hide(
    grid: list[list[int]], hidden: set[Cell], totals: list[bool], funnel: bool
) -> Cell | None:
    """The shown cell to hide next, or None when no hidden cell can be worked out (or none that
    hiding another could protect).

    For a hidden cell that can be worked out: the smallest shown cell of its column (or, in a
    funnel, of its row) whose hiding stops that, else the smallest of its column, else of its
    row. A cell of a column whose total is 0 is 0 whatever is hidden: hiding it protects nothing.
    """
    rows, columns = len(grid), len(totals)
    empty = {c for c in range(columns) if totals[c] and not sum(row[c] for row in grid)}

    def shown(cells: list[Cell]) -> list[Cell]:
        return _by_size(
            grid, (cell for cell in cells if cell not in hidden and cell[1] not in empty)
        )

    # The small counts first: a larger one is mostly known only through them.
    known = sorted(
        _worked_out(grid, hidden, totals, funnel), key=lambda cell: not small(_count(grid, cell))
    )
    for r, c in known:
        if c in empty:
            continue
        in_column = shown([(other, c) for other in range(rows)])
        in_row = shown([(r, other) for other in range(columns)]) if funnel else []
        for cell in _by_size(grid, {*in_column, *in_row}):
            if not _knower(grid, hidden | {cell}, totals, funnel)((r, c)):
                return cell
        if in_column or in_row:
            return (in_column or in_row)[0]
    return None


class _Funnel:
    """What a reader can know of a funnel's hidden counts, as a flow of women.

    Each woman of a row walks its steps from the first and stops at one: the count of step c of
    row r is the flow on the edge into node (r, c), and the women who stop there go on to node
    "stop c", which passes on exactly the step's total minus the next step's. A shown count fixes
    its edge; a hidden one may carry anything. Every flow that fits is a table the reader cannot
    tell from the true one, so a hidden count is known exactly when every flow that fits carries
    its true count.

    One flow that fits is found once (the true table itself, else a maximum flow's); any other
    differs from it by cycles of its residual graph. So an edge's count can grow exactly when the
    edge can carry more and its end leads back to its start by other edges, and shrink when it
    can carry less and its start leads to its end by other edges: a search through a small graph
    for each hidden count, where asking "one more? one less?" of a maximum flow costs two.
    """

    def __init__(self, grid: list[list[int]], hidden: set[Cell]) -> None:
        self.grid, self.hidden = grid, hidden
        self.columns = len(grid[0]) if grid else 0
        totals = [sum(row[c] for row in grid) for c in range(self.columns)] + [0]
        self.stops = [totals[c] - totals[c + 1] for c in range(self.columns)]
        self.most = totals[0]

    def _start(self, cell: Cell) -> object:
        """The node a cell's edge comes from."""
        return _into(cell)

    def _least(self, cell: Cell) -> int:
        """The least a hidden cell may hold: a row is there for a woman, so its first step has
        one at least."""
        return int(cell[1] == 0)

    def _edges(self) -> list[_Edge]:
        """Every edge with its bounds and its count in the true table."""
        edges: list[_Edge] = []
        for r, row in enumerate(self.grid):
            for c, count in enumerate(row):
                into = self._start((r, c))
                # A row is there for a country with women: its first step has one at least.
                hidden = (r, c) in self.hidden
                least, most = (self._least((r, c)), self.most) if hidden else (count, count)
                after = row[c + 1] if c + 1 < self.columns else 0
                edges.append((into, (r, c), least, most, count))
                edges.append(((r, c), ("stop", c), 0, self.most, count - after))
        for c, stop in enumerate(self.stops):
            edges.append((("stop", c), "sink", stop, stop, stop))
        edges.append(("sink", "source", 0, self.most, self.most))
        return edges

    def knower(self) -> Callable[[Cell], bool] | None:
        """Whether the reader can work out a hidden count, or None when no flow fits (the totals
        themselves are not a funnel)."""
        if any(stop < 0 for stop in self.stops):
            return None
        residual = _residual(self._edges())
        if residual is None:
            return None

        def known(cell: Cell) -> bool:
            return _fixed(residual, self._start(cell), cell, self._least(cell), self._count(cell))

        return known

    def _count(self, cell: Cell) -> int:
        return _count(self.grid, cell)


def _fixed(residual: Graph, start: object, end: object, least: int, count: int) -> bool:
    """Whether every flow that fits carries `count` on the hidden edge from `start` to `end`."""
    carried = least + residual[end].get(start, 0)
    if carried != count:
        return False  # a flow that fits carries another count
    more = residual[start].get(end, 0) > 0 and _reaches(residual, end, start)
    return not more and not (carried > least and _reaches(residual, start, end))


def _into(cell: Cell) -> object:
    """The node a cell's edge comes from: the step before it in its row, or the source."""
    return "source" if cell[1] == 0 else (cell[0], cell[1] - 1)


# An edge of a flow problem: start, end, least, most, and its count in the true table.
_Edge = tuple[object, object, int, int, int]
Graph = dict[object, dict[object, int]]


def _residual(edges: list[_Edge]) -> Graph | None:
    """The residual capacities around a flow that keeps every edge within its (least, most):
    the true table's counts when they do (a funnel always does), else a maximum flow's, or None
    when no flow fits."""
    if all(least <= count <= most for _s, _e, least, most, count in edges):
        residual: Graph = defaultdict(dict)
        for start, end, least, most, count in edges:
            residual[start][end] = most - count
            residual[end][start] = count - least
        return residual
    return _feasible(edges)


def _feasible(edges: list[_Edge]) -> Graph | None:
    """The residual capacities of some flow keeping every edge within its (least, most), or None
    when none does: each least is sent on ahead (a supply where the edge ends, a demand where it
    starts), and a maximum flow must meet every supply. Its nodes "in" and "out" lie on no cycle
    once it does (every edge out of "in" and into "out" is full)."""
    capacity: Graph = defaultdict(lambda: defaultdict(int))
    balance: dict[object, int] = defaultdict(int)
    for start, end, least, most, _count in edges:
        if least > most:
            return None
        capacity[start][end] += most - least
        capacity[end][start] += 0
        balance[end] += least
        balance[start] -= least
    for node, amount in list(balance.items()):
        if amount > 0:
            capacity["in"][node] += amount
            capacity[node]["in"] += 0
        elif amount < 0:
            capacity[node]["out"] += -amount
            capacity["out"][node] += 0
    needed = sum(amount for amount in balance.values() if amount > 0)
    return capacity if _max_flow(capacity, "in", "out") == needed else None


def _max_flow(capacity: Graph, source: object, sink: object) -> int:
    """Edmonds–Karp: shortest augmenting paths on the residual capacities (changed in place)."""
    total = 0
    while True:
        parent: dict[object, object] = {source: source}
        queue = deque([source])
        while queue and sink not in parent:
            node = queue.popleft()
            for other, left in capacity[node].items():
                if left > 0 and other not in parent:
                    parent[other] = node
                    queue.append(other)
        if sink not in parent:
            return total
        path, node = [], sink
        while node != source:
            path.append((parent[node], node))
            node = parent[node]
        push = min(capacity[a][b] for a, b in path)
        for a, b in path:
            capacity[a][b] -= push
            capacity[b][a] += push
        total += push


def _reaches(graph: Graph, start: object, goal: object) -> bool:
    """Whether `goal` can be reached from `start` along edges with capacity left, not by the edge
    between the two themselves (going back along the edge one came by moves nothing)."""
    seen, queue = {start}, deque([start])
    while queue:
        node = queue.popleft()
        for other, left in graph[node].items():
            if left > 0 and other not in seen and (node, other) != (start, goal):
                if other == goal:
                    return True
                seen.add(other)
                queue.append(other)
    return False


class _Linked(_Funnel):
    """The funnel and one outcome's women by row, as one flow: the women who answered in row
    r come from the source through the node "answered" (carrying the outcome's total, when it
    is shown) and join the row's other women before its first step, so row r's answers are
    at most the women it invited. An outcome's row with no funnel row (or more answers than
    women invited, which no reader would guess) goes from "answered" back to the sink alone.
    """

    def __init__(
        self,
        grid: list[list[int]],
        hidden: set[Cell],
        answered: list[int],
        secret: set[int],
        rows: list[int | None],
        total: bool,
        floors: list[int],
        through: int,
    ) -> None:
        super().__init__(grid, hidden)
        self.answered, self.secret, self.total = answered, secret, total
        self.ends: list[object] = []
        joined = [0] * len(grid)
        for i, (n, r) in enumerate(zip(answered, rows, strict=True)):
            if r is not None and joined[r] + n <= grid[r][0]:
                joined[r] += n
                self.ends.append(("pre", r))
            else:
                self.ends.append(("alone", i))
        self.joined = joined
        self.most += sum(answered)
        # Each row's women of its first `through` steps include what the outcomes show of it.
        self.floors, self.through = floors, through

    def _least(self, cell: Cell) -> int:
        """One at least in a row's first step, and what the outcomes show of the row in its
        first `through` steps (never above the true count: answers of women who never got so
        far, which a reader could not expect, tell her nothing)."""
        r, c = cell
        floor = min(self.floors[r], self.grid[r][c]) if c < self.through else 0
        return max(int(c == 0), floor)

    def _start(self, cell: Cell) -> object:
        return ("pre", cell[0]) if cell[1] == 0 else _into(cell)

    def _edges(self) -> list[_Edge]:
        edges = super()._edges()
        most, total = self.most, sum(self.answered)
        edges.append(("source", "answered", *((total, total) if self.total else (0, most)), total))
        for r, row in enumerate(self.grid):
            edges.append(("source", ("pre", r), 0, most, row[0] - self.joined[r]))
        for i, (n, end) in enumerate(zip(self.answered, self.ends, strict=True)):
            # A hidden count is 1 at least: "—" shows a row where nobody answered.
            least, top = (1, most) if i in self.secret else (n, n)
            edges.append(("answered", end, least, top, n))
            if end == ("alone", i):
                edges.append((end, "sink", 0, most, n))
        return edges

    def told(self) -> list[tuple[object, ...]] | None:
        """The hidden counts a reader can work out, ("answer", row) and ("funnel", row, column),
        or None when the figures are no funnel (her reasoning does not hold then)."""
        residual = None if any(stop < 0 for stop in self.stops) else _residual(self._edges())
        if residual is None:
            return None
        answers = [
            ("answer", i)
            for i in sorted(self.secret)
            if _fixed(residual, "answered", self.ends[i], 1, self.answered[i])
        ]
        return answers + [
            ("funnel", *cell)
            for cell in sorted(self.hidden)
            if _fixed(residual, self._start(cell), cell, self._least(cell), self._count(cell))
        ]

    def next_to_hide(self) -> tuple[object, ...] | str | None:
        """("answer", row) or ("funnel", row, column) to hide next, "withheld" when no cell is
        left whose hiding could help, or None when no hidden count can be worked out.

        For a count that can be worked out: the smallest shown count of the outcome whose
        hiding stops it, else the smallest of the funnel's column or row it lies in (for an
        outcome's count: its row's, and the first step's); else the smallest of all these."""
        told = self.told() or []
        columns = len(self.grid[0]) if self.grid else 0
        empty = {c for c in range(columns) if not sum(row[c] for row in self.grid)}
        answers = [("answer", i) for _n, i in sorted((n, i) for i, n in enumerate(self.answered))]
        answers = [
            item for item in answers if self.answered[item[1]] and item[1] not in self.secret
        ]
        for item in told:
            if item[0] == "answer":
                end = self.ends[item[1]]
                r, c = (end[1] if isinstance(end, tuple) and end[0] == "pre" else None), 0
            else:
                r, c = item[1], item[2]
            near = {(line, c) for line in range(len(self.grid))}
            near |= {(r, step) for step in range(columns)} if r is not None else set()
            cells = [cell for cell in near if cell not in self.hidden and cell[1] not in empty]
            candidates = answers + [("funnel", *cell) for cell in _by_size(self.grid, cells)]
            for candidate in candidates:
                if item not in (self._hiding(candidate).told() or []):
                    return candidate
            if candidates:
                return candidates[0]
        return "withheld" if told else None

    def _hiding(self, item: tuple[object, ...]) -> _Linked:
        """The same figures with one more count hidden."""
        link = copy(self)
        if item[0] == "answer":
            link.secret = {*self.secret, item[1]}  # type: ignore[arg-type]
        else:
            link.hidden = {*self.hidden, (item[1], item[2])}  # type: ignore[arg-type]
        return link
