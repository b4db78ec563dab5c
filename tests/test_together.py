"""Group commit (bot/together.py): who is written with whom, and who hears of a failure."""

from __future__ import annotations

import asyncio

import pytest

from bot.together import Together


def test_callers_during_a_write_go_together_in_the_next_one_and_each_gets_its_result() -> None:
    groups: list[list[int]] = []

    async def write(items: list[int]) -> list[int | BaseException]:
        groups.append(items)
        await asyncio.sleep(0.01)
        return [ValueError(item) if item == 13 else item * 2 for item in items]

    async def main() -> list[object]:
        together: Together[int, int] = Together(write)
        first = asyncio.ensure_future(together(1))
        await asyncio.sleep(0)  # the first write is under way
        rest = [together(n) for n in (2, 13, 4)]
        return await asyncio.gather(first, *rest, return_exceptions=True)

    results = asyncio.run(main())
    assert groups == [[1], [2, 13, 4]]
    assert results[:2] == [2, 4] and results[3] == 8
    assert isinstance(results[2], ValueError)  # only its own caller hears of it


def test_a_write_that_raises_or_answers_short_fails_its_whole_group_and_the_next_goes_on() -> None:
    async def main() -> None:
        calls = 0

        async def write(items: list[str]) -> list[str | BaseException]:
            nonlocal calls
            calls += 1
            if calls == 1:
                raise ConnectionError("database away")
            if calls == 2:
                return items[:1]  # one answer for two items
            return items

        together: Together[str, str] = Together(write, linger=0.01)
        first = await asyncio.gather(together("a"), together("b"), return_exceptions=True)
        assert all(isinstance(result, ConnectionError) for result in first)
        second = await asyncio.gather(together("c"), together("d"), return_exceptions=True)
        assert all(isinstance(result, RuntimeError) for result in second)
        assert await together("e") == "e"

    asyncio.run(main())


def test_linger_lets_callers_that_come_right_after_join_the_first_group() -> None:
    groups: list[list[int]] = []

    async def write(items: list[int]) -> list[int | BaseException]:
        groups.append(items)
        return list(items)

    async def main() -> None:
        together: Together[int, int] = Together(write, linger=0.05)
        first = asyncio.ensure_future(together(1))
        await asyncio.sleep(0.01)
        assert await together(2) == 2
        assert await first == 1

    asyncio.run(main())
    assert groups == [[1, 2]]


def test_linger_also_lets_the_callers_after_a_write_join_the_next_group() -> None:
    """A burst's tail is not written a caller at a time once the first group is under way."""
    groups: list[list[int]] = []

    async def write(items: list[int]) -> list[int | BaseException]:
        groups.append(items)
        await asyncio.sleep(0.02)
        return list(items)

    async def main() -> None:
        together: Together[int, int] = Together(write, linger=0.1)
        first = asyncio.ensure_future(together(1))
        await asyncio.sleep(0.11)  # the first group is being written
        second = asyncio.ensure_future(together(2))
        await asyncio.sleep(0.03)  # written; 2 waits for others
        assert await asyncio.gather(first, second, together(3)) == [1, 2, 3]

    asyncio.run(main())
    assert groups == [[1], [2, 3]]


@pytest.mark.parametrize("linger", [0.0, 0.01])
def test_a_cancelled_caller_does_not_stop_the_others(linger: float) -> None:
    async def write(items: list[int]) -> list[int | BaseException]:
        await asyncio.sleep(0.02)
        return list(items)

    async def main() -> None:
        together: Together[int, int] = Together(write, linger=linger)
        gone = asyncio.ensure_future(together(1))
        kept = asyncio.ensure_future(together(2))
        await asyncio.sleep(0.005)
        gone.cancel()
        assert await kept == 2

    asyncio.run(main())
