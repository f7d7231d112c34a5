"""Each host's shared budget: requests in flight, spacing of starts, pauses and slow-downs.

One `HostGate` per host name, shared by every source on it (and by its robots.txt):

- at most `concurrency` requests in flight;
- request starts at least `delay` apart, where delay is the larger of the configured
  delay and robots.txt's Crawl-delay (capped), doubled per consecutive error (timeouts,
  connection errors, 408, 429, 5xx) up to `max_error_delay`, back to normal on a success;
- a 429 or 503 with Retry-After pauses the host until then (capped). A slot that would
  wait on a pause longer than `max_wait` fails at once with `HostPaused`, so a crawl does
  not sit on its lease for an hour.

Hosts never wait on each other: there is no global lock. Time is injected (`clock`, a
monotonic seconds function, and `sleep`), so unit tests run on a fake clock.
"""

from __future__ import annotations

import asyncio
import email.utils
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from monitor.config.host_policy import HostPolicy, host_key

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class HostPaused(Exception):  # internal signal, turned into a FetchError
    def __init__(self, host: str, seconds: float) -> None:
        self.host = host
        self.seconds = seconds
        super().__init__(f"{host} asked to pause for {seconds:.0f} s more (Retry-After)")


def retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max((when - now).total_seconds(), 0.0)


@dataclass
class HostGate:
    """The live state of one host. Mutated only by `Politeness`, on one event loop."""

    policy: HostPolicy
    semaphore: asyncio.Semaphore
    next_start_at: float = 0.0
    paused_until: float = 0.0
    errors: int = 0
    crawl_delay: float = 0.0
    in_flight: int = field(default=0)


class Politeness:
    """Every host's gate. See the module docstring."""

    def __init__(
        self,
        policies: Mapping[str, HostPolicy] | None = None,
        *,
        default: HostPolicy | None = None,
        clock: Clock,
        sleep: Sleep,
        max_error_delay: float = 60.0,
        max_crawl_delay: float = 60.0,
        max_wait: float = 60.0,
    ) -> None:
        self._policies = {host_key(host): p for host, p in (policies or {}).items()}
        self._default = default or HostPolicy()
        self._clock = clock
        self._sleep = sleep
        self._max_error_delay = max_error_delay
        self._max_crawl_delay = max_crawl_delay
        self._max_wait = max_wait
        self._gates: dict[str, HostGate] = {}

    def gate(self, host: str) -> HostGate:
        key = host_key(host)
        gate = self._gates.get(key)
        if gate is None:
            policy = self._policies.get(key, self._default)
            gate = HostGate(policy, asyncio.Semaphore(policy.concurrency))
            self._gates[key] = gate
        return gate

    def delay(self, host: str) -> float:
        """The least time between two request starts on `host`, as things stand."""
        gate = self.gate(host)
        base = max(gate.policy.delay, gate.crawl_delay)
        if not gate.errors:
            return base
        slowed = max(base, 0.5) * 2.0 ** min(gate.errors, 16)
        return max(base, min(slowed, self._max_error_delay))

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Hold one of `host`'s request slots, started no sooner than the host allows."""
        gate = self.gate(host)
        async with gate.semaphore:
            while True:
                now = self._clock()
                if gate.paused_until - now > self._max_wait:
                    raise HostPaused(host, gate.paused_until - now)
                start = max(now, gate.next_start_at, gate.paused_until)
                # Reserve the start before sleeping, so concurrent waiters queue behind it.
                gate.next_start_at = start + self.delay(host)
                if start > now:
                    await self._sleep(start - now)
                if gate.paused_until <= self._clock():
                    break  # no pause arrived while we slept
            gate.in_flight += 1
            try:
                yield
            finally:
                gate.in_flight -= 1

    def succeeded(self, host: str) -> None:
        self.gate(host).errors = 0

    def failed(self, host: str) -> None:
        self.gate(host).errors += 1

    def pause(self, host: str, seconds: float) -> None:
        """Retry-After: no request to `host` starts for `seconds` (already capped)."""
        gate = self.gate(host)
        gate.paused_until = max(gate.paused_until, self._clock() + seconds)

    def set_crawl_delay(self, host: str, seconds: float | None) -> None:
        self.gate(host).crawl_delay = min(seconds or 0.0, self._max_crawl_delay)
