"""Scoring the session-time parser on tests/data/session_times.json (shared by test and bench)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flows.timeparse import parse_times, to_wall

CORPUS = Path(__file__).resolve().parent.parent / "data" / "session_times.json"


@dataclass
class Score:
    """How one language fared: understood among the times to read, and any wrong reading."""

    total: int = 0
    to_read: int = 0
    understood: int = 0
    refused_rightly: int = 0
    wrong: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.understood / self.to_read if self.to_read else 1.0


def load() -> dict:
    return json.loads(CORPUS.read_text(encoding="utf-8"))


def reading(text: str, timezone: str, now: datetime) -> str | None:
    """The one wall-clock time read from `text` ("2026-12-03 10:00"), or None."""
    found = parse_times(text, timezone=timezone, now=now)
    if not found or len(found) != 1:
        return None
    return f"{to_wall(found[0], timezone):%Y-%m-%d %H:%M}"


def evaluate(corpus: dict | None = None) -> dict[str, Score]:
    corpus = corpus or load()
    now = datetime.fromisoformat(corpus["now"])
    scores: dict[str, Score] = {}
    for language, cases in corpus["cases"].items():
        score = scores.setdefault(language, Score())
        for text, expected in cases:
            got = reading(text, corpus["zones"][language], now)
            score.total += 1
            score.to_read += expected is not None
            if got is not None and got != expected:
                score.wrong.append((text, expected, got))
            elif got is None and expected is not None:
                score.missed.append(text)
            elif got is not None:
                score.understood += 1
            else:
                score.refused_rightly += 1
    return scores
