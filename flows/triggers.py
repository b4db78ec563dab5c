"""What a due nudge does, by purpose. Features register their handler here.

The dispatcher (flows/nudges.py) stays small: it claims due nudges and calls the handler for
each one's purpose. A handler queues messages (through `flows.proactive`) and returns True, or
returns False when the nudge is no longer meaningful and should be dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from flows.config import FlowConfig
from storage.nudges import Nudge


@dataclass
class Firing:
    """Everything a handler needs to act on one due nudge."""

    session: Session
    nudge: Nudge
    now: datetime
    config: FlowConfig


Handler = Callable[[Firing], bool]
_HANDLERS: dict[str, Handler] = {}


def handles(purpose: str) -> Callable[[Handler], Handler]:
    """Decorator: `@handles("checkin")` makes the function fire nudges of that purpose."""

    def register(handler: Handler) -> Handler:
        _HANDLERS[purpose] = handler
        return handler

    return register


def handler_for(purpose: str) -> Handler | None:
    return _HANDLERS.get(purpose)


def purposes() -> list[str]:
    return sorted(_HANDLERS)
