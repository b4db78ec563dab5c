"""Score the session-time parser on tests/data/session_times.json and time it; prints one JSON.

python bench/timeparse.py [--rounds 20]

"understood" is the share of expressions with an expected time that are read exactly right;
"wrong" counts readings that differ from the expected one (including a time read where a refusal
was expected); "parses_per_s" runs every expression of the corpus `rounds` times.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows.timeparse import parse_times  # noqa: E402
from tests.support.timecorpus import evaluate, load  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    corpus = load()
    scores = evaluate(corpus)
    now = datetime.fromisoformat(corpus["now"])
    texts = [
        (text, corpus["zones"][language])
        for language, rows in corpus["cases"].items()
        for text, _expected in rows
    ]
    started = time.perf_counter()
    for _round in range(args.rounds):
        for text, zone in texts:
            parse_times(text, timezone=zone, now=now)
    elapsed = time.perf_counter() - started
    result = {
        "expressions": len(texts),
        "languages": {
            language: {
                "expressions": score.total,
                "with_a_time": score.to_read,
                "understood_pct": round(100 * score.rate, 1),
                "refused_rightly": score.refused_rightly,
                "wrong": len(score.wrong),
                "missed": score.missed,
            }
            for language, score in scores.items()
        },
        "wrong_total": sum(len(score.wrong) for score in scores.values()),
        "parses_per_s": round(len(texts) * args.rounds / elapsed),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
