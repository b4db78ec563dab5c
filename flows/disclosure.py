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
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence

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
) -> set[Cell]:
    """The cells of `table` (rows of counts) to hide: every small one, then as many more as it
    takes that no hidden one can be worked out.

    `totals[column]`: whether that column's total is shown beside the table (all are, unless
    said). `funnel`: each row is a funnel, no step above the one before it, starting from one
    woman at least (a country's row is there because she is), and the reader knows it.
    """
    grid = [list(row) for row in table]
    columns = len(grid[0]) if grid else 0
    shown_totals = list(totals) if totals is not None else [True] * columns
    hidden = {(r, c) for r, row in enumerate(grid) for c, n in enumerate(row) if small(n)}
    while True:
        extra = _alone_in_column(grid, hidden, shown_totals)
        if extra is None:
            extra = _next_to_hide(grid, hidden, shown_totals, funnel)
        if extra is None:
            return hidden
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
        steps = _Funnel(grid, hidden)
        if steps.possible():
            return steps.fixed

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
    tell from the true one, so a hidden count is known exactly when no flow fits with that edge
    one below or one above its true count.
    """

    def __init__(self, grid: list[list[int]], hidden: set[Cell]) -> None:
        self.grid, self.hidden = grid, hidden
        self.rows, self.columns = len(grid), len(grid[0]) if grid else 0
        totals = [sum(row[c] for row in grid) for c in range(self.columns)] + [0]
        self.stops = [totals[c] - totals[c + 1] for c in range(self.columns)]
        self.most = totals[0]

    def possible(self, cell: Cell | None = None, low: int = 0, high: int | None = None) -> bool:
        """Whether a flow fits (with `cell`'s count between `low` and `high`)."""
        if any(stop < 0 for stop in self.stops):
            return False  # the totals themselves are not a funnel: no flow fits
        edges: list[tuple[object, object, int, int]] = []
        for r in range(self.rows):
            for c in range(self.columns):
                into = "source" if c == 0 else (r, c - 1)
                count = self.grid[r][c]
                # A row is there for a country with women: its first step has one at least.
                least, most = (int(c == 0), self.most) if (r, c) in self.hidden else (count, count)
                if (r, c) == cell:
                    least, most = max(least, low), min(most, self.most if high is None else high)
                edges.append((into, (r, c), least, most))
                edges.append(((r, c), ("stop", c), 0, self.most))
        for c, stop in enumerate(self.stops):
            edges.append((("stop", c), "sink", stop, stop))
        return _feasible(edges)

    def fixed(self, cell: Cell) -> bool:
        """Whether the reader can work out this hidden count."""
        count = _count(self.grid, cell)
        below = count > 0 and self.possible(cell, high=count - 1)
        return not below and not self.possible(cell, low=count + 1)


def _feasible(edges: list[tuple[object, object, int, int]]) -> bool:
    """Whether some flow from "source" to "sink" keeps every edge within its (least, most): each
    least is sent on ahead (a supply where the edge ends, a demand where it starts), and a
    maximum flow must meet every supply."""
    capacity: dict[object, dict[object, int]] = defaultdict(lambda: defaultdict(int))
    balance: dict[object, int] = defaultdict(int)
    for start, end, least, most in edges:
        if least > most:
            return False
        capacity[start][end] += most - least
        capacity[end][start] += 0
        balance[end] += least
        balance[start] -= least
    capacity["sink"]["source"] += sum(most for _s, _e, _l, most in edges)
    capacity["source"]["sink"] += 0
    for node, amount in list(balance.items()):
        if amount > 0:
            capacity["in"][node] += amount
            capacity[node]["in"] += 0
        elif amount < 0:
            capacity[node]["out"] += -amount
            capacity["out"][node] += 0
    needed = sum(amount for amount in balance.values() if amount > 0)
    return _max_flow(capacity, "in", "out") == needed


def _max_flow(capacity: dict[object, dict[object, int]], source: object, sink: object) -> int:
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
