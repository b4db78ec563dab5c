"""Pacing sends: a steady rate per channel and a minimum gap per address."""

from __future__ import annotations

import asyncio
import threading
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
            # A busy event loop wakes late: the key's next slot follows the real start, or the
            # next message to this address could go out closer than its gap allows.
            if self.key_interval:
                started = self._monotonic() + self.key_interval
                self._next_for[key] = max(self._next_for.get(key, 0.0), started)

    def pause(self, seconds: float) -> None:
        """Nothing goes out for `seconds` (the platform asked us to slow down)."""
        self._next = max(self._next, self._monotonic() + seconds)

    def _forget_old(self, now: float) -> None:
        self._next_for = {key: at for key, at in self._next_for.items() if at > now}


class SenderLimiter:
    """A token bucket per sender: a flood from one address is slowed, everyone else is not.

    Each (channel, address) may send `burst` messages at once and `per_minute` a minute after
    that, generous for a person typing and tapping. `take` answers how many seconds to wait
    (0 when the message may go in); webhooks answer 429 with that Retry-After, so the platform
    delivers the message again later and nothing is lost. Buckets are per process: behind a
    load balancer each worker allows this much, which still stops a flood.
    """

    def __init__(
        self,
        *,
        burst: float = 10,
        per_minute: float = 30,
        monotonic: Callable[[], float] = time.monotonic,
        max_keys: int = 50_000,
    ) -> None:
        self.burst = float(burst)
        self.rate = per_minute / 60.0
        self._monotonic = monotonic
        self.max_keys = max_keys
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # key → (tokens, at)

    def take(self, channel: str, address: str) -> float:
        """Spend one token for this sender; 0.0 if allowed, else seconds until one is free."""
        now = self._monotonic()
        key = (channel, address)
        tokens, at = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > self.max_keys:
                self._forget_full(now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate if self.rate > 0 else 60.0

    def _forget_full(self, now: float) -> None:
        """Drop the buckets that have refilled: they behave exactly like a new one."""
        self._buckets = {
            key: (tokens, at)
            for key, (tokens, at) in self._buckets.items()
            if tokens + (now - at) * self.rate < self.burst
        }


class Spacer:
    """At least `1/rate` seconds between the moments calls really start, across threads.

    A `Pacer` books a slot when a send is scheduled; a synchronous client then waits for a worker
    thread, so one call can start late and the next on time, closer than the platform allows.
    The spacer is checked in the worker thread, right before the request goes out.
    """

    def __init__(self, rate: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._last = float("-inf")

    def wait(self) -> None:
        with self._lock:
            delay = self._last + self.interval - self._monotonic()
            if delay > 0:
                time.sleep(delay)
            self._last = self._monotonic()
