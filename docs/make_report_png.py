"""Make docs/report.png: `entrepairs seed-demo` women, matched with `entrepairs match --publish`,
then ten weeks of invented programme life (acceptances, sessions, check-ins, pulses, surveys, one
announcement, one woman who erased her data), the HTML report, and a headless Chromium screenshot
of it.

    python docs/make_report_png.py [--out docs/report.png] [--html /tmp/report.html]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import select  # noqa: E402

from bot.report_html import render_html  # noqa: E402
from flows import broadcasts, reports  # noqa: E402
from flows.config import FlowConfig  # noqa: E402
from flows.coordination import Actor  # noqa: E402
from storage import checkins, participants  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.meetings import Meeting  # noqa: E402
from storage.models import OutboundMessage, OutboxStatus, Participant  # noqa: E402
from storage.pairs import Pair, PairStatus  # noqa: E402

COHORT = "Demo 2026"


def entrepairs(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def live(db: Database, now: datetime, rng: random.Random) -> None:
    """Ten weeks of programme life for the published pairs."""
    with db.session() as s:
        pairs = list(s.exec(select(Pair).where(Pair.status == PairStatus.INTRODUCED)))
        for index, pair in enumerate(pairs):
            start = now - timedelta(days=72)
            pair.introduced_at = start
            if index % 9 == 8:
                pair.status = PairStatus.DECLINED
                continue
            pair.status, pair.active_at = PairStatus.ACTIVE, start + timedelta(days=2)
            pair.a_response = pair.b_response = "accepted"
            sessions = rng.choice([0, 1, 2, 3, 4, 5, 6, 6, 7, 8])
            for number in range(sessions):
                when = pair.active_at + timedelta(days=6 + 9 * number + rng.randint(0, 3))
                if when > now:
                    break
                meeting = Meeting(
                    pair_id=pair.id or 0,
                    proposer_id=pair.a_id,
                    proposer_zone="UTC",
                    options=[when.isoformat()],
                    local_options=[],
                    status="held",
                    start_at=when,
                    sequence=number + 1,
                    proposed_at=when - timedelta(days=3),
                    created_at=when - timedelta(days=3),
                    updated_at=when,
                )
                s.add(meeting)
                s.flush()
                for member in pair.members():
                    s.add(
                        checkins.CheckIn(
                            participant_id=member,
                            pair_id=pair.id,
                            meeting_id=meeting.id,
                            asked_at=when,
                            happened="yes",
                            usefulness=rng.choices([2, 3, 4, 5], [1, 3, 6, 5])[0],
                            completed_at=when,
                        )
                    )
            if index % 7 == 3:
                s.add(
                    checkins.Pulse(
                        participant_id=pair.a_id,
                        pair_id=pair.id or 0,
                        asked_at=now,
                        rating=2,
                        answered_at=now,
                    )
                )
            for member in pair.members():
                base = {o: rng.randint(1, 3) for o in checkins.OUTCOMES}
                rounds = [("baseline", base, start + timedelta(days=3))]
                if sessions >= 2:
                    rounds.append(
                        (
                            "end",
                            {o: min(5, v + rng.choice([0, 1, 1, 2])) for o, v in base.items()},
                            now - timedelta(days=2),
                        )
                    )
                for wave, values, at in rounds:
                    round_ = checkins.start_round(
                        s,
                        participant_id=member,
                        wave=wave,
                        cohort_id=pair.cohort_id,
                        pair_id=pair.id,
                        now=at,
                    )
                    for outcome, value in values.items():
                        checkins.record_answer(s, round_, outcome, value, now=at)
        # One woman of a declined pair erased her data: the report counts her apart, hidden.
        declined = next((p for p in pairs if p.status == PairStatus.DECLINED), None)
        if declined is not None:
            gone = s.get(Participant, declined.a_id)
            if gone is not None:
                participants.erase(s, gone, now=now)
        problem_pair = next((p for p in pairs if p.status == PairStatus.ACTIVE), None)
        if problem_pair is not None:
            checkins.record_problem(
                s,
                participant_id=problem_pair.a_id,
                source="report",
                now=now,
                pair_id=problem_pair.id,
            )
        # Undelivered introductions of the demo are not part of the picture.
        for row in s.exec(select(OutboundMessage)):
            s.delete(row)
    config = FlowConfig(quiet_start=0, quiet_end=0)
    operator = Actor.operator("demo")
    with db.session() as s:
        draft = broadcasts.draft(
            s,
            config,
            operator,
            audience=broadcasts.Audience(),
            texts={"es": "Feria el sábado", "fr": "Foire samedi", "en": "Fair on Saturday"},
            now=now - timedelta(days=5),
        )
        broadcasts.send(s, config, operator, draft, now=now - timedelta(days=5))
    with db.session() as s:
        statuses = (
            [OutboxStatus.READ] * 5
            + [OutboxStatus.DELIVERED] * 3
            + [OutboxStatus.SENT, OutboxStatus.HELD, OutboxStatus.FAILED]
        )
        for row in s.exec(select(OutboundMessage).where(OutboundMessage.broadcast_id == draft.id)):
            row.status = rng.choice(statuses)
            row.error_code = "30003" if row.status == OutboxStatus.FAILED else None
            s.add(row)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "report.png")
    parser.add_argument("--html", type=Path, default=None)
    parser.add_argument("--participants", type=int, default=120)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="report-demo-"))
    url = f"sqlite:///{folder / 'demo.db'}"
    entrepairs(url, "seed-demo", "--participants", str(args.participants), "--cohort", COHORT)
    entrepairs(url, "match", COHORT, "--publish", "--csv", str(folder / "match.csv"))
    db = Database(url)
    now = datetime.now(UTC)
    live(db, now, random.Random(7))
    with db.session() as s:
        report = reports.build(s, now=now, cohort=COHORT)
    db.dispose()
    page = args.html or folder / "report.html"
    page.write_text(render_html(report, "en"), encoding="utf-8")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("install Chromium: apt-get update && apt-get install -y chromium")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1000,3000",
            f"--screenshot={args.out}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
    )
    sys.stdout.write(f"wrote {args.out} (and {page})\n")


if __name__ == "__main__":
    main()
