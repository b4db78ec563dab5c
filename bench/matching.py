"""Time matching on a synthetic cohort and compare it with a greedy baseline; prints one JSON line.

python bench/matching.py --participants 2000 --mode two-sided --seed 1
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows.matching import PairingMode, Rules, generate_profiles  # noqa: E402
from flows.matching.assign import assign, greedy_assign  # noqa: E402

# A week without a daylight-saving change anywhere in the programme's countries.
REFERENCE = datetime(2025, 5, 5, 12, tzinfo=UTC)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, required=True)
    parser.add_argument("--mode", choices=("two-sided", "single-pool"), default="two-sided")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count-first", action="store_true", help="maximise pairs first")
    args = parser.parse_args(argv)

    profiles = generate_profiles(args.participants, args.seed, reference=REFERENCE)
    if args.mode == "two-sided":
        # Canada with Bolivia and Senegal: two-sided by country.
        rules = Rules(modes={PairingMode.NORTH_SOUTH}, maximise_count_first=args.count_first)
    else:
        rules = Rules(modes=set(PairingMode), maximise_count_first=args.count_first)

    started = time.perf_counter()
    result = assign(profiles, rules, REFERENCE)
    seconds_total = time.perf_counter() - started
    greedy = greedy_assign(profiles, rules, REFERENCE)

    print(
        json.dumps(
            {
                "participants": args.participants,
                "mode": args.mode,
                "seed": args.seed,
                "count_first": args.count_first,
                "seconds_score": round(result.seconds_score, 3),
                "seconds_assign": round(result.seconds_assign, 3),
                "seconds_total": round(seconds_total, 3),
                "pairs": len(result.pairs),
                "total_score": round(result.total, 4),
                "share_paired": round(2 * len(result.pairs) / max(1, len(profiles)), 4),
                "greedy_pairs": len(greedy.pairs),
                "greedy_total": round(greedy.total, 4),
                "ratio_to_greedy": round(result.total / greedy.total, 4) if greedy.total else None,
            }
        )
    )


if __name__ == "__main__":
    main()
