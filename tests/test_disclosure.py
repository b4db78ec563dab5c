"""Complementary suppression (flows/disclosure.py): for random counts, no hidden count can be
worked out from the shown ones and the totals, checked by a search that tries every value a
reader could put in the hidden cells, not by the bounds the module itself reasons with."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

from hypothesis import example, given, settings
from hypothesis import strategies as st

from flows.disclosure import SMALL, hidden_apart, hidden_cells, small, withheld, worked_out

Cells = dict[Hashable, int]


def another_reading(
    counts: Cells,
    hidden: set[Hashable],
    key: Hashable,
    groups: Sequence[Sequence[Hashable]] = (),
    chains: Sequence[Sequence[Hashable]] = (),
    also: Callable[[Cells], bool] = lambda _values: True,
) -> bool:
    """Whether some whole numbers ≥ 0 in the hidden cells agree with every shown cell, every
    total and every chain (and `also`), with `key` other than its true count."""
    cells = [cell for cell in counts if cell in hidden]
    most = sum(counts.values())
    values: Cells = {cell: n for cell, n in counts.items() if cell not in hidden}

    def fits() -> bool:
        for group in groups:
            placed = [values[cell] for cell in group if cell in values]
            total = sum(counts[cell] for cell in group)
            if sum(placed) > total or (len(placed) == len(group) and sum(placed) != total):
                return False
        return all(
            values[after] <= values[before]
            for chain in chains
            for before, after in zip(chain, chain[1:], strict=False)
            if before in values and after in values
        )

    def search(index: int) -> bool:
        if index == len(cells):
            return values[key] != counts[key] and also(values)
        for value in range(most + 1):
            values[cells[index]] = value
            if fits() and search(index + 1):
                return True
        del values[cells[index]]
        return False

    return search(0)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 14), min_size=1, max_size=6))
def test_no_hidden_count_of_a_row_can_be_worked_out_from_its_total(numbers: list[int]) -> None:
    """One group adding up to a shown total (total 12, yes 9, no 3: both hidden). The reader
    is even told that some hidden count is under 5."""
    counts: Cells = {(row, 0): n for row, n in enumerate(numbers)}
    group = list(counts)
    if withheld([[n] for n in numbers]):
        # One row is its total: a small one is told whatever is hidden, so no row is shown.
        assert len(group) == 1 and small(numbers[0])
        return
    hidden = hidden_cells([[n] for n in numbers])
    assert {cell for cell, n in counts.items() if small(n)} <= hidden
    assert len(hidden) != 1

    def one_small(values: Cells) -> bool:
        return any(0 < values[cell] < SMALL for cell in hidden)

    for key in hidden:
        assert another_reading(counts, hidden, key, [group], also=one_small), (counts, hidden, key)


def test_the_example_total_twelve_nine_and_three() -> None:
    assert worked_out([[9], [3]], {(1, 0)}) == [(1, 0)]
    assert hidden_cells([[9], [3]]) == {(0, 0), (1, 0)}
    # The next-smallest, not any: 20 stays shown.
    assert hidden_cells([[20], [6], [3]]) == {(1, 0), (2, 0)}
    # A total not shown tells nothing: the small count alone is hidden.
    assert hidden_cells([[9], [3]], totals=[False]) == {(1, 0)}


def test_a_funnels_steps_tell_what_its_columns_alone_would_not() -> None:
    """Bolivia onboarded 6 and accepted 6: a hidden "matched" between them is 6, and Canada's
    3 matched follows from the total. Hiding the next-smallest of the column is not enough."""
    table = [[6, 6, 6, 6], [7, 7, 3, 0]]
    assert worked_out(table, {(0, 2), (1, 2)}, funnel=True) == [(0, 2), (1, 2)]
    hidden = hidden_cells(table, funnel=True)
    assert {(0, 2), (1, 2)} < hidden and worked_out(table, hidden, funnel=True) == []


@st.composite
def funnels(draw: st.DrawFn) -> list[list[int]]:
    """A funnel by country: each row a country, each step at most the one before."""
    rows = draw(st.integers(2, 3))
    steps = draw(st.integers(2, 4))
    table = []
    for _row in range(rows):
        first = draw(st.integers(1, 9))  # a country has a row when it has a woman
        row = [first]
        for _step in range(steps - 1):
            row.append(draw(st.integers(0, row[-1])))
        table.append(row)
    return table


@settings(max_examples=200, deadline=None)
@given(funnels())
# Invited 2 in two countries (each is 1), and three countries of one woman each: the totals and
# the rows alone tell every count, whatever is hidden.
@example([[1, 1], [1, 0]])
@example([[1, 1, 0], [1, 1, 1], [1, 0, 0]])
def test_no_hidden_count_of_a_funnel_can_be_worked_out_from_totals_and_steps(
    table: list[list[int]],
) -> None:
    """Each step's countries add up to the step's total (shown), along a country's row no step
    has more women than the one before, and a country has a row when it has a woman: a reader
    may use all three. Where they alone tell a small count, the table is withheld (its totals
    alone are shown), and only there."""
    counts: Cells = {(r, step): n for r, line in enumerate(table) for step, n in enumerate(line)}
    steps = range(len(table[0]))
    columns = [[(row, step) for row in range(len(table))] for step in steps]
    rows = [[(row, step) for step in steps] for row in range(len(table))]

    def each_row_a_woman(values: Cells) -> bool:
        return all(values[line[0]] >= 1 for line in rows)

    def told(key: Hashable, hidden: set[Hashable]) -> bool:
        return not another_reading(counts, hidden, key, columns, rows, each_row_a_woman)

    if withheld(table, funnel=True):
        assert any(small(n) and told(key, set(counts)) for key, n in counts.items()), table
        return
    hidden = hidden_cells(table, funnel=True)
    assert {cell for cell, n in counts.items() if small(n)} <= hidden
    # A step no woman reached is 0 in every country: hiding one of its cells would hide nothing.
    assert all(sum(counts[cell] for cell in column) for column in columns if hidden & {*column})
    for key in hidden:
        assert not told(key, hidden), (table, hidden, key)


def test_one_small_row_costs_the_next_smallest_row_not_the_whole_table() -> None:
    """One woman who erased her data (invited, onboarded, matched, then declined) among three
    countries of 35 to 44: her three counts and Bolivia's three beside them are hidden, the rest
    of the table stays readable."""
    table = [
        [35, 35, 35, 32, 32, 28],
        [44, 44, 44, 39, 29, 23],
        [41, 41, 41, 37, 35, 31],
        [1, 1, 1, 0, 0, 0],
    ]
    hidden = hidden_cells(table, funnel=True)
    assert hidden == {(0, 0), (0, 1), (0, 2), (3, 0), (3, 1), (3, 2)}
    assert worked_out(table, hidden, funnel=True) == []


def test_a_countrys_row_tells_it_has_one_woman_at_least() -> None:
    """Senegal 1 and one erased woman, both hidden beside Bolivia 6 and Canada 7: hidden 2
    between two rows that each have a woman is 1 and 1, so one more count is hidden."""
    table = [[6, 6], [7, 7], [1, 1], [1, 1]]
    small_ones = {(2, 0), (2, 1), (3, 0), (3, 1)}
    assert worked_out(table, small_ones, funnel=True) == sorted(small_ones)
    hidden = hidden_cells(table, funnel=True)
    assert small_ones < hidden and worked_out(table, hidden, funnel=True) == []


def test_the_same_figures_are_worked_out_once_and_each_caller_gets_its_own_set() -> None:
    """The console's dashboard builds the report on every load: a table seen before is not
    worked out again, and a caller changing the set it got changes nobody else's."""
    from flows.disclosure import _hidden_cells

    table = [[6, 6, 6, 5], [7, 6, 6, 5], [2, 2, 0, 0]]
    _hidden_cells.cache_clear()
    first = hidden_cells(table, funnel=True)
    expected = set(first)
    first.add((9, 9))
    again = hidden_cells([list(row) for row in table], funnel=True)
    assert again == expected and again is not first
    assert _hidden_cells.cache_info().hits == 1


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=1, max_size=6))
# Five countries of one woman each, their total shown: each is 1 whatever is hidden.
@example([1, 1, 1, 1, 1])
@example([6, 1, 1, 0])
def test_no_hidden_count_can_be_worked_out_by_a_reader_who_tells_0_from_hidden(
    numbers: list[int],
) -> None:
    """An outcome's women by country: "—" where nobody answered, so the reader knows which
    counts are 0 and that every other one is 1 at least (its country's row has a woman). Where
    that alone tells a small count, the table is withheld, and only there."""
    counts: Cells = {(row, 0): n for row, n in enumerate(numbers)}
    group = list(counts)

    def zeros_known(values: Cells) -> bool:
        return all((values[cell] > 0) == (n > 0) for cell, n in counts.items())

    def told(key: Hashable, hidden: set[Hashable]) -> bool:
        return not another_reading(counts, hidden, key, [group], also=zeros_known)

    hidden = hidden_apart([[n] for n in numbers])
    if hidden is None:
        assert any(small(n) and told(key, set(counts)) for key, n in counts.items()), numbers
        return
    assert {cell for cell, n in counts.items() if small(n)} <= hidden
    assert all(counts[cell] for cell in hidden)  # a hidden 0 would hide nothing
    for key in hidden:
        assert not told(key, hidden), (numbers, hidden, key)


@settings(max_examples=150, deadline=None)
@given(funnels(), st.data())
@example([[6, 6], [9, 5]], None)
def test_a_count_hidden_as_if_small_cannot_be_worked_out_either(
    table: list[list[int]], data: st.DataObject | None
) -> None:
    """A cohort's count whose complement in the programme is small is hidden as if small
    (`also`): hidden, and no more to be worked out than a small one (Bolivia 6, Canada 9: with
    Bolivia's 6 hidden alone, it would be the total less Canada's)."""
    counts: Cells = {(r, step): n for r, line in enumerate(table) for step, n in enumerate(line)}
    also = {(0, 0)} if data is None else data.draw(st.sets(st.sampled_from(sorted(counts))))
    steps = range(len(table[0]))
    columns = [[(row, step) for row in range(len(table))] for step in steps]
    rows = [[(row, step) for step in steps] for row in range(len(table))]

    def each_row_a_woman(values: Cells) -> bool:
        return all(values[line[0]] >= 1 for line in rows)

    def told(key: Hashable, hidden: set[Hashable]) -> bool:
        return not another_reading(counts, hidden, key, columns, rows, each_row_a_woman)

    if withheld(table, funnel=True, also=also):
        secret = {cell for cell in also if counts[cell]}
        assert any(
            (small(n) or key in secret) and told(key, set(counts)) for key, n in counts.items()
        )
        return
    hidden = hidden_cells(table, funnel=True, also=also)
    assert {cell for cell in also if counts[cell]} <= hidden
    for key in hidden:
        assert not told(key, hidden), (table, also, hidden, key)
