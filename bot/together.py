"""Group commit: writes asked for while one is under way wait and go together in the next one.

One transaction for many callers costs about what one costs alone (on SQLite the commit and the
write lock dominate), and nobody waits longer than the write before theirs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

Write = Callable[[list[T]], Awaitable[list[R | BaseException]]]


class Together(Generic[T, R]):
    """`await together(item)` returns that item's result from the group it was written with.

    `write` receives the items in the order they were asked for and returns one result per item;
    an exception in that list fails only its own caller. When `write` itself raises, every caller
    of that group gets the error.
    """

    def __init__(self, write: Write[T, R], *, linger: float = 0.0) -> None:
        self._write = write
        # Seconds each group's first caller waits for others before it is written (0: at once).
        self._linger = linger
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def __call__(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._writer is None:
            self._writer = asyncio.ensure_future(self._write_all())
        return await future

    async def _write_all(self) -> None:
        try:
            while self._waiting:
                if self._linger:  # each group, not just the first: a burst's tail joins too
                    await asyncio.sleep(self._linger)
                group, self._waiting = self._waiting, []
                try:
                    results = await self._write([item for item, _ in group])
                    if len(results) != len(group):
                        raise RuntimeError("a group write must answer each item")
                except Exception as error:
                    results = [error] * len(group)
                for (_, future), result in zip(group, results, strict=True):
                    if future.done():  # its caller was cancelled
                        continue
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._writer = None
