"""Spacing platform calls: the spacer keeps the real start of each request apart."""

import asyncio

from bot import ratelimit
from bot.ratelimit import Pacer, Spacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_calls_that_start_late_do_not_let_the_next_one_start_too_early(monkeypatch):
    clock = FakeTime()
    monkeypatch.setattr(ratelimit.time, "sleep", clock.sleep)
    spacer = Spacer(rate=1.0, monotonic=clock.monotonic)
    starts = []
    for delay in (0.0, 0.7, 0.0, 0.0):  # the second call waited 0.7 s for a worker thread
        clock.now += delay
        spacer.wait()
        starts.append(clock.now)
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    assert all(gap >= 1.0 for gap in gaps), gaps
    assert abs(clock.slept[0] - 0.3) < 1e-9


def test_no_wait_when_calls_are_far_apart(monkeypatch):
    clock = FakeTime()
    monkeypatch.setattr(ratelimit.time, "sleep", clock.sleep)
    spacer = Spacer(rate=25.0, monotonic=clock.monotonic)
    spacer.wait()
    clock.now += 1.0
    spacer.wait()
    assert clock.slept == []


def test_a_late_wake_pushes_back_the_next_slot_of_that_address(monkeypatch):
    clock = FakeTime()

    lateness = [0.3]  # the event loop was busy once: that wake came 0.3 s late

    async def late_sleep(seconds: float) -> None:
        clock.now += seconds + (lateness.pop() if lateness else 0.0)

    monkeypatch.setattr(ratelimit.asyncio, "sleep", late_sleep)
    pacer = Pacer(rate=100.0, per_key_rate=1.0, monotonic=clock.monotonic)
    starts = []
    for _ in range(4):
        asyncio.run(pacer.wait("chat"))
        starts.append(clock.now)
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    assert all(gap >= 1.0 for gap in gaps), gaps
    assert pacer.book("other") <= 0.01 + 1e-9  # other addresses wait only for the overall rate
