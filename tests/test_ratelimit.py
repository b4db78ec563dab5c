"""Spacing platform calls: the spacer keeps the real start of each request apart."""

from bot import ratelimit
from bot.ratelimit import Spacer


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
