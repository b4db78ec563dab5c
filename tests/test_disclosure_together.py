"""The funnel and the outcomes read together (flows/disclosure.py, `hidden_together`), and the
averages beside the outcomes' counts (`hidden_apart(..., averages=True)`): for random
programmes, no hidden count of either table can be worked out from everything both show,
checked by a search over every value a reader could put in the hidden cells."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from flows.disclosure import SMALL, hidden_apart, hidden_cells, hidden_together, small, withheld

Funnel = list[list[int]]


Cell = tuple[str, int, int]  # ("funnel", row, step) or ("answer", row, outcome)


def other_reading(
    funnel: Funnel,
    funnel_hidden: set[tuple[int, int]],
    answers: list[list[int]],
    answers_hidden: set[tuple[int, int]],
    key: Cell,
    through: int = 1,
) -> bool:
    """Whether whole numbers in the hidden cells fit everything the reader knows, with `key`
    other than its true count. She knows: every shown count; each step's total; along a row
    no step above the one before, the first 1 at least (a row is there for a woman); which of
    an outcome's rows are 0 ("—"), so a hidden one is 1 at least; an outcome's total when it
    is 5 or more (as the report shows it); and that a row's answers to each outcome are among
    the women of its step `through` - 1 (invited: 1; the report's "Both accepted": 4, the
    baseline survey comes with a pair's start). `answers` has the funnel's rows, a column per
    outcome."""
    steps, outcomes = len(funnel[0]), len(answers[0])
    most = sum(row[0] for row in funnel)
    true = {("funnel", r, c): n for r, row in enumerate(funnel) for c, n in enumerate(row)}
    true |= {("answer", r, o): n for r, row in enumerate(answers) for o, n in enumerate(row)}
    hidden = {("funnel", *cell) for cell in funnel_hidden} | {
        ("answer", *cell) for cell in answers_hidden
    }
    # The key's values first, then the funnel's and the answers' column by column: a column's
    # last cell has one value left, an answer no more than its row's women.
    cells = sorted(hidden, key=lambda cell: (cell != key, cell[0] != "funnel", cell[2], cell[1]))
    values = {cell: n for cell, n in true.items() if cell not in hidden}

    def adds_up(placed: list[int | None], total: int, least: int = 0) -> bool:
        """Whether the placed counts can still add up to `total`, each other one `least` at
        least."""
        known = [n for n in placed if n is not None]
        left = total - sum(known)
        return left >= least * (len(placed) - len(known)) and (len(known) < len(placed) or not left)

    def fits() -> bool:
        for c in range(steps):
            column = [values.get(("funnel", r, c)) for r in range(len(funnel))]
            if not adds_up(column, sum(row[c] for row in funnel), int(c == 0)):
                return False
        for r in range(len(funnel)):
            line = [values.get(("funnel", r, c)) for c in range(steps)]
            if line[0] is not None and line[0] < 1:
                return False
            shown = [n for n in line if n is not None]
            if any(a < b for a, b in zip(shown, shown[1:], strict=False)):
                return False
            invited = values.get(("funnel", r, through - 1))
            for o in range(outcomes):
                n = values.get(("answer", r, o))
                if n is not None and invited is not None and n > invited:
                    return False
        for o in range(outcomes):
            total = sum(row[o] for row in answers)
            column = [values.get(("answer", r, o)) for r in range(len(funnel))]
            if total >= SMALL and not adds_up(column, total, 1):  # hidden: 1 at least
                return False
        return True

    def bound(cell: Cell) -> int:
        """The most a hidden cell can hold: its step's total; an answer, the outcome's total
        (else the programme's invited) and its row's women, once placed."""
        if cell[0] == "funnel":
            return sum(row[cell[2]] for row in funnel)
        total = sum(row[cell[2]] for row in answers)
        among = values.get(("funnel", cell[1], through - 1), most)
        return min(total if total >= SMALL else most, among)

    def search(index: int) -> bool:
        if index == len(cells):
            return values[key] != true[key]
        cell = cells[index]
        for value in range(1 if cell[0] == "answer" else 0, bound(cell) + 1):
            if cell == key and value == true[key]:
                continue
            values[cell] = value
            if fits() and search(index + 1):
                return True
        values.pop(cell, None)  # no value fitted (an answer bounded by a row of none)
        return False

    return search(0)


@st.composite
def programmes(draw: st.DrawFn) -> tuple[Funnel, list[list[int]], int]:
    """A funnel by row (a row's steps never above the one before), one or two outcomes' women
    by row, and the step they are among (`through` - 1): each at most that step's women. The
    first step only: there the reader's reasoning is one flow, worked out exactly; beyond it
    (the report's "Both accepted") each row's shown answers are a floor under its hidden
    counts, which leaves some programmes where several rows' hidden answers together tell a
    count (README)."""
    rows = draw(st.integers(2, 3))
    steps = draw(st.integers(1, 3))
    funnel = []
    for _row in range(rows):
        row = [draw(st.integers(1, 9))]
        for _step in range(steps - 1):
            row.append(draw(st.integers(0, row[-1])))
        funnel.append(row)
    outcomes = draw(st.integers(1, 2))
    through = 1
    answers = [[draw(st.integers(0, row[through - 1])) for _o in range(outcomes)] for row in funnel]
    return funnel, answers, through


@settings(max_examples=300, deadline=None)
@given(programmes())
# Bolivia invited 11 and Senegal 1 (both hidden): Bolivia's 11 answers, shown, leave Senegal 1.
@example(([[11], [1]], [[11], [0]], 1))
# The same with Canada's 20 beside: Canada's invited is hidden too.
@example(([[11], [20], [1]], [[11], [15], [0]], 1))
# One Bolivian and seven Canadians invited, one accepted; Bolivia's answer (hidden, but not
# "—") says she was the one.
@example(([[1, 1], [7, 0]], [[1], [0]], 2))
def test_no_hidden_count_can_be_worked_out_from_the_funnel_and_the_outcomes_together(
    programme: tuple[Funnel, list[list[int]], int],
) -> None:
    """As the report asks (`flows.reports.build`): the funnel's hidden cells alone, each
    outcome's apart (with their averages), then both read together; None is the outcomes not
    shown by row. A funnel withheld by row takes the outcomes with it (tests/test_reports.py)."""
    funnel, answers, through = programme
    if withheld(funnel, funnel=True):
        return
    totals = [sum(row[o] for row in answers) >= SMALL for o in range(len(answers[0]))]
    apart = hidden_apart(answers, totals=totals, averages=True)
    if apart is None:
        return
    funnel_alone = hidden_cells(funnel, funnel=True)
    rows = list(range(len(funnel)))
    found = hidden_together(
        funnel, funnel_alone, answers, apart, rows=rows, totals=totals, through=through
    )
    if found is None:
        return
    funnel_hidden, answers_hidden = found
    assert funnel_alone <= funnel_hidden and apart <= answers_hidden
    assert {(r, c) for r, row in enumerate(funnel) for c, n in enumerate(row) if small(n)} <= (
        funnel_hidden
    )
    assert {(r, o) for r, row in enumerate(answers) for o, n in enumerate(row) if small(n)} <= (
        answers_hidden
    )
    assert all(answers[r][o] for r, o in answers_hidden)  # a hidden 0 would hide nothing
    for r, c in funnel_hidden:
        key = ("funnel", r, c)
        assert other_reading(funnel, funnel_hidden, answers, answers_hidden, key, through), (
            found,
            key,
        )
    for r, o in answers_hidden:
        key = ("answer", r, o)
        assert other_reading(funnel, funnel_hidden, answers, answers_hidden, key, through), (
            found,
            key,
        )


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


def test_an_outcome_answered_in_a_row_tells_that_row_reached_both_accepted() -> None:
    """One Bolivian and seven Canadians invited, one of them in a pair both accepted: the
    funnel hides all four counts. The baseline survey comes with a pair's start, so Bolivia's
    answer, hidden but not "—", says the one who accepted was Bolivian. The funnel alone, and
    read with the outcome as invited women only, would not see it; read through "Both
    accepted", nothing left to hide helps, and the outcome is not shown by row."""
    funnel, answers = [[1, 1], [7, 0]], [[1], [0]]
    assert hidden_cells(funnel, funnel=True) == {(0, 0), (0, 1), (1, 0), (1, 1)}
    every = {(0, 0), (0, 1), (1, 0), (1, 1)}
    alone = hidden_together(funnel, every, answers, {(0, 0)}, rows=[0, 1], totals=[False])
    assert alone == (every, {(0, 0)})
    assert not other_reading(funnel, every, answers, {(0, 0)}, ("funnel", 0, 1), through=2)
    assert (
        hidden_together(funnel, every, answers, {(0, 0)}, rows=[0, 1], totals=[False], through=2)
        is None
    )
