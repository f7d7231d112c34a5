"""How a crawl holds its source: one claim, kept alive while the crawl runs, or given up.

Every number of it is here, derived from one (`Timing.lease`, `LEASE` by default):

- `LEASE`: a claim lasts this long unless renewed, so a replica that dies mid-crawl
  (SIGKILL, power) blocks its source for at most this long.
- `HEARTBEAT`: the claim is renewed this often while the crawl runs, also while one page
  is in flight (a slow redirect chain, a slow robots.txt, the wait for the host's slot).
- `FETCH_DEADLINE`: one fetch, everything included, ends by then (`fetch.Limits.total`);
  a page slower than that is a failed page, not a crawl that hangs on to its source.

A renewal names the claim's token (`store.sources.renew`): when another worker took the
source over, or the database stayed unreachable until the claim may have run out, the
crawl is stopped at once and stores nothing (`LeaseLost`); the other worker's crawl is
the one that counts. So two crawls of one source never store side by side.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from types import TracebackType

from monitor.errors import LeaseLost

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Timing:
    """The lease and what follows from it (tests shrink the lease, not each number)."""

    lease: timedelta = LEASE

    @property
    def heartbeat(self) -> timedelta:
        return self.lease / 4

    @property
    def fetch_deadline(self) -> timedelta:
        return self.lease * 2


HEARTBEAT = Timing().heartbeat
FETCH_DEADLINE = Timing().fetch_deadline


class Held:
    """`async with Held(renew, what=…):` renews the claim every heartbeat while the block
    runs; if a renewal says the claim is gone (`renew` returns False), or none succeeded
    for the lease minus one beat, the block is cancelled and LeaseLost raised from it."""

    def __init__(
        self,
        renew: Callable[[], Awaitable[bool]],
        *,
        what: str,
        timing: Timing = Timing(),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.renew, self.what, self.clock = renew, what, clock
        self.every = timing.heartbeat.total_seconds()
        self.lease = timing.lease.total_seconds()
        self.lost: str | None = None
        self._beating: asyncio.Task[None] | None = None
        self._holder: asyncio.Task[object] | None = None

    async def __aenter__(self) -> Held:
        self._holder = asyncio.current_task()
        self._beating = asyncio.create_task(self._beat())
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        assert self._beating is not None
        self._beating.cancel()
        await asyncio.gather(self._beating, return_exceptions=True)
        if self.lost is not None:
            if isinstance(error, asyncio.CancelledError) and self._holder is not None:
                self._holder.uncancel()  # our own cancel, not a shutdown: say why instead
            raise LeaseLost(f"{self.what}: {self.lost}") from None

    async def _beat(self) -> None:
        renewed_at = self.clock()
        while True:
            await asyncio.sleep(self.every)
            try:
                held = await self.renew()
            except Exception as error:  # the database, for a moment: try on the next beat
                if self.clock() - renewed_at < self.lease - self.every:
                    log.warning("could not renew the crawl lease of %s: %s", self.what, error)
                    continue
                self._lose(f"the lease could not be renewed for {self.lease:g} s ({error})")
                return
            if not held:
                self._lose("another worker took the source over (its lease had run out)")
                return
            renewed_at = self.clock()

    def _lose(self, why: str) -> None:
        self.lost = why
        if self._holder is not None:
            self._holder.cancel()
