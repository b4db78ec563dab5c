"""The settings flows depend on, handed in by the runtime (flows never read the environment)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True)
class FlowConfig:
    default_language: str = "en"
    # After this long without a word from her, an answer that does not fit is met with a
    # "welcome back" and the question again, rather than a bare "I did not understand".
    idle_after: timedelta = timedelta(hours=48)
    quiet_start: int = 21
    quiet_end: int = 8
    coordinators: frozenset[str] = field(default_factory=frozenset)
