"""Time the disclosure check (flows/disclosure.py) on the report's tables, before and after; prints
one JSON.

python bench/disclosure.py [--before 9c74299] [--tables 200] [--rounds 3]

"before" is `flows/disclosure.py` as it was at the git revision `--before` (by default the last
one that asked a maximum flow "one more? one less?" for every hidden count), loaded beside
today's; "after" is today's without its memo (every table worked out afresh), "memoised" today's
asked again for the same figures, as the console's dashboard does on every load, "withheld"
the question the report asks first (whether no hiding could protect the table), and "together"
the funnel read with nine outcomes' women by row (each row's between none and all its "Both
accepted", drawn with a fixed seed), as the report asks it once the funnel's hidden cells are
known. The tables: the funnels the tests build (flows/reports.py's six steps by country) and
`--tables` random funnels of 2 to 6 rows (countries, "Not given", "Erased her data") by six
steps, drawn with a fixed seed.
Times are per table, in milliseconds: the mean and the slowest. Both versions must hide the same
cells: a difference is counted in "differ" (the hypothesis tests say which one is right).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flows import disclosure  # noqa: E402

Table = list[list[int]]
ACCEPTED = 3  # "Both accepted": the outcomes' women are among its women

# The funnels by country the tests build (tests/test_disclosure.py, tests/test_reports.py).
KNOWN: list[Table] = [
    [
        [35, 35, 35, 32, 32, 28],
        [44, 44, 44, 39, 29, 23],
        [41, 41, 41, 37, 35, 31],
        [1, 1, 1, 0, 0, 0],
    ],
    [[6, 6, 6, 5, 1, 1], [7, 6, 6, 5, 1, 1], [2, 2, 0, 0, 0, 0]],
    [[6, 6, 6, 6], [7, 7, 3, 0]],
    [[6, 6], [7, 7], [1, 1], [1, 1]],
]


def random_funnels(count: int, seed: int = 7) -> list[Table]:
    """Funnels of six steps, each step at most the one before, every row one woman at least."""
    draw = random.Random(seed)
    tables = []
    for _table in range(count):
        rows = []
        for _row in range(draw.randint(2, 6)):
            row = [draw.choice([draw.randint(1, 9), draw.randint(1, 60)])]
            for _step in range(5):
                row.append(row[-1] - draw.randint(0, min(row[-1], draw.choice([2, 9]))))
            rows.append(row)
        tables.append(rows)
    return tables


def together(tables: list[Table], seed: int = 11) -> Callable[[Table], object]:
    """The funnel and nine outcomes read together (`disclosure.hidden_together`), afresh, their
    answers among each row's "Both accepted" (the fourth step) as in the report."""
    draw = random.Random(seed)
    answers = {
        id(table): [[draw.randint(0, row[ACCEPTED]) for _outcome in range(9)] for row in table]
        for table in tables
    }

    def check(table: Table) -> object:
        disclosure._hidden_together.cache_clear()
        rows = answers[id(table)]
        totals = [sum(row[c] for row in rows) >= disclosure.SMALL for c in range(9)]
        apart = disclosure.hidden_apart(rows, totals=totals, averages=True)
        if apart is None:
            return None
        hidden = disclosure.hidden_cells(table, funnel=True)
        rows_of = list(range(len(table)))
        return disclosure.hidden_together(
            table, hidden, rows, apart, rows=rows_of, totals=totals, through=ACCEPTED + 1
        )

    return check


def load_before(revision: str) -> ModuleType | None:
    """flows/disclosure.py at `revision`, or None when git cannot give it."""
    try:
        source = subprocess.run(
            ["git", "show", f"{revision}:flows/disclosure.py"],
            cwd=ROOT,
            capture_output=True,
            check=True,
            text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp()) / "disclosure_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("disclosure_before", path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timed(hide: Callable[[Table], set], tables: list[Table], rounds: int) -> dict[str, float]:
    """Milliseconds per table: the mean over every table and round, and the slowest."""
    times = []
    for _round in range(rounds):
        for table in tables:
            started = time.perf_counter()
            hide(table)
            times.append(1000 * (time.perf_counter() - started))
    return {"mean_ms": round(statistics.mean(times), 3), "max_ms": round(max(times), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", default="9c74299")
    parser.add_argument("--tables", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    tables = KNOWN + random_funnels(args.tables)

    def after(table: Table) -> set:
        disclosure._hidden_cells.cache_clear()
        return disclosure.hidden_cells(table, funnel=True)

    def memoised(table: Table) -> set:
        return disclosure.hidden_cells(table, funnel=True)

    result: dict[str, object] = {"tables": len(tables), "rounds": args.rounds}
    old = load_before(args.before)
    if old is not None:
        result["before"] = timed(lambda t: old.hidden_cells(t, funnel=True), tables, args.rounds)
        result["differ"] = sum(old.hidden_cells(t, funnel=True) != after(t) for t in tables)
    result["after"] = timed(after, tables, args.rounds)
    # Asked before hiding, since the report withholds the tables no hiding could protect.
    result["withheld"] = timed(lambda t: disclosure.withheld(t, funnel=True), tables, args.rounds)
    for table in tables:
        memoised(table)
    result["memoised"] = timed(memoised, tables, args.rounds)
    six = [table for table in tables if len(table[0]) > ACCEPTED]  # the report's six steps
    result["together"] = timed(together(six), six, args.rounds)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
