"""Virtual time for the fetch layer: `monotonic`, `now` and `sleep` that never wait.

`FakeTime.run(*coroutines)` runs them concurrently; whenever every task is blocked, time
jumps to the earliest sleeper's wake-up. So a test of "1 s between requests" takes
microseconds, and the order of events is exactly what real time would give.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor import fetch

EPOCH = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> datetime:
        return EPOCH + timedelta(seconds=self.now)

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), future))
        await future

    def clocks(self, jitter: float = 0.5) -> fetch.Clocks:
        return fetch.Clocks(
            monotonic=self.monotonic, now=self.wall, sleep=self.sleep, jitter=lambda: jitter
        )

    async def run(self, *coroutines: Coroutine[Any, Any, Any]) -> list[Any]:
        tasks = [asyncio.ensure_future(c) for c in coroutines]
        while not all(t.done() for t in tasks):
            for _ in range(50):  # let every task run until it blocks
                await asyncio.sleep(0)
            if self._sleepers and not all(t.done() for t in tasks):
                wake, _, future = heapq.heappop(self._sleepers)
                self.now = max(self.now, wake)
                future.set_result(None)
        return [t.result() for t in tasks]
