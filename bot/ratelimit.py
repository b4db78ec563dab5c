"""Pacing sends: a steady rate per channel and a minimum gap per address."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class Pacer:
    """Spaces calls at most `rate` per second overall and `per_key_rate` per key.

    Slots are booked in advance, so concurrent callers queue fairly instead of bursting; a
    platform's "retry after N seconds" pushes every slot back with `pause`.
    """

    def __init__(
        self,
        rate: float,
        per_key_rate: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.key_interval = 1.0 / per_key_rate if per_key_rate else 0.0
        self._monotonic = monotonic
        self._next = 0.0
        self._next_for: dict[str, float] = {}

    def book(self, key: str) -> float:
        """Reserve the next free slot for `key`; returns how long to wait for it."""
        now = self._monotonic()
        slot = max(now, self._next, self._next_for.get(key, 0.0))
        self._next = slot + self.interval
        if self.key_interval:
            self._next_for[key] = slot + self.key_interval
            if len(self._next_for) > 10_000:
                self._forget_old(now)
        return slot - now

    async def wait(self, key: str) -> None:
        delay = self.book(key)
        if delay > 0:
            await asyncio.sleep(delay)

    def pause(self, seconds: float) -> None:
        """Nothing goes out for `seconds` (the platform asked us to slow down)."""
        self._next = max(self._next, self._monotonic() + seconds)

    def _forget_old(self, now: float) -> None:
        self._next_for = {key: at for key, at in self._next_for.items() if at > now}
