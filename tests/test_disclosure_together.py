"""The funnel and the outcomes read together (flows/disclosure.py, `hidden_together`), and the
averages beside the outcomes' counts (`hidden_apart(..., averages=True)`): for random
programmes, no hidden count of either table can be worked out from everything both show,
checked by a search over every value a reader could put in the hidden cells."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import example, given, settings
from hypothesis import strategies as st

from flows.disclosure import SMALL, hidden_apart, hidden_cells, hidden_together, small, withheld

Funnel = list[list[int]]


def other_reading(
    funnel: Funnel,
    funnel_hidden: set[tuple[int, int]],
    answers: list[int],
    answers_hidden: set[int],
    rows: Sequence[int | None],
    key: tuple[str, int, int],
) -> bool:
    """Whether whole numbers in the hidden cells fit everything the reader knows, with `key`
    other than its true count. She knows: every shown count; each step's total; along a row
    no step above the one before, the first 1 at least (a row is there for a woman); which of
    the outcome's rows are 0 ("—"), so a hidden one is 1 at least; the outcome's total when it
    is 5 or more (as the report shows it); and that a row's answers are among its invited."""
    steps = len(funnel[0])
    total_shown = sum(answers) >= SMALL
    most = sum(row[0] for row in funnel) + sum(answers)
    cells: list[tuple[str, int, int]] = [("funnel", r, c) for r, c in sorted(funnel_hidden)]
    cells += [("answer", i, 0) for i in sorted(answers_hidden)]
    cells.sort(key=lambda cell: cell != key)  # the key first: each of its other values is tried
    values: dict[tuple[str, int, int], int] = {}
    for r, row in enumerate(funnel):
        for c, n in enumerate(row):
            if (r, c) not in funnel_hidden:
                values[("funnel", r, c)] = n
    for i, n in enumerate(answers):
        if i not in answers_hidden:
            values[("answer", i, 0)] = n

    def fits() -> bool:
        for c in range(steps):
            placed = [values.get(("funnel", r, c)) for r in range(len(funnel))]
            total = sum(row[c] for row in funnel)
            known = [n for n in placed if n is not None]
            if sum(known) > total or (len(known) == len(placed) and sum(known) != total):
                return False
        for r in range(len(funnel)):
            line = [values.get(("funnel", r, c)) for c in range(steps)]
            if line[0] is not None and line[0] < 1:
                return False
            shown = [n for n in line if n is not None]
            if any(a < b for a, b in zip(shown, shown[1:], strict=False)):
                return False
        placed = [values.get(("answer", i, 0)) for i in range(len(answers))]
        known = [n for n in placed if n is not None]
        if total_shown and (
            sum(known) > sum(answers) or (len(known) == len(placed) and sum(known) != sum(answers))
        ):
            return False
        for i, n in enumerate(placed):
            invited = values.get(("funnel", rows[i], 0)) if rows[i] is not None else None
            if n is not None and invited is not None and n > invited:
                return False
        return True

    def search(index: int) -> bool:
        if index == len(cells):
            return values[key] != true[key]
        cell = cells[index]
        low = 1 if cell[0] == "answer" else 0
        for value in range(low, most + 1):
            if cell == key and value == true[key]:
                continue
            values[cell] = value
            if fits() and search(index + 1):
                return True
        del values[cell]
        return False

    true = {("funnel", r, c): n for r, row in enumerate(funnel) for c, n in enumerate(row)}
    true |= {("answer", i, 0): n for i, n in enumerate(answers)}
    return search(0)


@st.composite
def programmes(draw: st.DrawFn) -> tuple[Funnel, list[int]]:
    """A funnel by row (a row's steps never above the one before) and one outcome's women by
    row, each at most the women its row invited."""
    rows = draw(st.integers(2, 3))
    steps = draw(st.integers(1, 3))
    funnel = []
    for _row in range(rows):
        row = [draw(st.integers(1, 12))]
        for _step in range(steps - 1):
            row.append(draw(st.integers(0, row[-1])))
        funnel.append(row)
    answers = [draw(st.integers(0, row[0])) for row in funnel]
    return funnel, answers


def readable(funnel: Funnel, answers: list[int]) -> tuple[set, set[int]] | None:
    """What the report hides of both tables (as `flows.reports.build` asks), or None when the
    outcome is not shown by row; the funnel withheld is not this test's."""
    funnel_hidden = hidden_cells(funnel, funnel=True)
    apart = hidden_apart([[n] for n in answers], totals=[sum(answers) >= SMALL], averages=True)
    if apart is None:
        return None
    found = hidden_together(
        funnel,
        funnel_hidden,
        [[n] for n in answers],
        apart,
        rows=list(range(len(funnel))),
        totals=[sum(answers) >= SMALL],
    )
    return None if found is None else (found[0], {r for r, _c in found[1]})


@settings(max_examples=300, deadline=None)
@given(programmes())
# Bolivia invited 11 and Senegal 1 (both hidden): Bolivia's 11 answers, shown, leave Senegal 1.
@example(([[11], [1]], [11, 0]))
# The same with Canada's 20 beside: Bolivia's answers are hidden, and Canada's with them.
@example(([[11], [20], [1]], [11, 15, 0]))
def test_no_hidden_count_can_be_worked_out_from_the_funnel_and_an_outcome_together(
    programme: tuple[Funnel, list[int]],
) -> None:
    funnel, answers = programme
    if withheld(funnel, funnel=True):
        return  # not shown by country; the outcomes are not either (tests/test_reports.py)
    found = readable(funnel, answers)
    if found is None:
        return
    funnel_hidden, answers_hidden = found
    assert {(r, c) for r, row in enumerate(funnel) for c, n in enumerate(row) if small(n)} <= (
        funnel_hidden
    )
    assert {i for i, n in enumerate(answers) if small(n)} <= answers_hidden
    rows = list(range(len(funnel)))
    for r, c in funnel_hidden:
        key = ("funnel", r, c)
        assert other_reading(funnel, funnel_hidden, answers, answers_hidden, rows, key), found
    for i in answers_hidden:
        key = ("answer", i, 0)
        assert other_reading(funnel, funnel_hidden, answers, answers_hidden, rows, key), found


def test_an_outcomes_shown_count_no_longer_tells_the_funnels_hidden_one() -> None:
    """Bolivia invited 11, Canada 20, Senegal 1: the funnel hides Senegal's 1 and Bolivia's 11.
    All 11 Bolivians answered an outcome: shown, "Bolivia 11" says Bolivia invited 11 at least,
    so Senegal, which has a woman, invited 1. Hiding Bolivia's answers alone would not do (the
    outcome's total less Canada's 15), nor Canada's alone; Canada's 20 invited is hidden: from
    15 answers it is 15 at least, so Senegal's is 1 to 6."""
    funnel = [[11], [20], [1]]
    assert hidden_cells(funnel, funnel=True) == {(0, 0), (2, 0)}
    assert hidden_apart([[11], [15], [0]], averages=True) == set()  # what the report showed
    found = hidden_together(
        funnel, {(0, 0), (2, 0)}, [[11], [15], [0]], set(), rows=[0, 1, 2], totals=[True]
    )
    assert found == ({(0, 0), (1, 0), (2, 0)}, set())


def test_outcomes_that_tell_the_funnel_whatever_is_hidden_are_not_shown_by_row() -> None:
    """Bolivia invited 11 and Senegal 1; only Bolivians answered (11). Hidden or not, an
    outcome's total of 11, all Bolivian, tells Bolivia invited 11, so Senegal 1."""
    assert hidden_cells([[11], [1]], funnel=True) == {(0, 0), (1, 0)}
    together = hidden_together(
        [[11], [1]], {(0, 0), (1, 0)}, [[11], [0]], set(), rows=[0, 1], totals=[True]
    )
    assert together is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 14), min_size=1, max_size=6))
@example([6, 7, 2, 1])
def test_the_hidden_womens_average_is_over_five_women_at_least(numbers: list[int]) -> None:
    """Each shown count of an outcome comes with its women's average, and its total with the
    programme's: the hidden women's average is the programme's less the shown ones'. Bolivia
    6, Canada 7, Senegal 2 and one woman who erased her data: the two hidden would be the
    average of three women; Bolivia's is hidden too."""
    total = sum(numbers) >= SMALL
    hidden = hidden_apart([[n] for n in numbers], totals=[total], averages=True)
    if hidden is None or not total:
        return
    assert hidden >= (hidden_apart([[n] for n in numbers], totals=[total]) or set())
    women = sum(numbers[r] for r, _c in hidden)
    assert women == 0 or women >= SMALL, (numbers, hidden)
