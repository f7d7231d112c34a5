"""robots.txt per RFC 9309: what a host lets our user-agent token fetch, cached per origin.

How an answer becomes rules (`from_response`, `unreachable`):

- 2xx: parsed with protego (longest match wins, Allow beats Disallow on a tie, `*` and `$`
  patterns, groups by product token); kept for `robots_ttl` (24 h);
- 4xx except 429 ("unavailable", RFC 9309 2.3.1.3), and more than 5 redirects: allow all,
  kept for `robots_ttl`;
- 429, 5xx, a network error or a timeout ("unreachable", 2.3.1.4): disallow all, kept only
  `robots_error_ttl` (1 h) and then asked again. 429 counts as unreachable (as Google
  does): a server too busy to serve robots.txt is too busy to crawl.

The cache lives in the process (each replica asks once a day per origin). Concurrent
fetches for one origin wait for one robots.txt request, not one each. The token is matched
case-insensitively against `User-agent:` lines; `Crawl-delay` of our group is exposed so the
politeness gate can honour it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from protego import Protego

from monitor.fetch.politeness import Clock


@dataclass(frozen=True, slots=True)
class Rules:
    """One origin's robots.txt as it applies to us, and until when it holds."""

    origin: str
    expires_at: float
    parser: Protego | None = None  # None: `allow_all` decides for every path
    allow_all: bool = True
    problem: str | None = None  # why everything is disallowed, when robots.txt was unreachable

    def allows(self, url: str, token: str) -> bool:
        if self.parser is None:
            return self.allow_all
        return self.parser.can_fetch(url, token)

    def crawl_delay(self, token: str) -> float | None:
        return self.parser.crawl_delay(token) if self.parser is not None else None


def from_response(origin: str, status: int, body: bytes, *, now: float, ttl: float,
                  error_ttl: float) -> Rules:  # fmt: skip
    """Rules from the final answer to GET origin/robots.txt (after up to 5 redirects)."""
    if 200 <= status < 300:
        text = body.decode("utf-8", errors="replace").lstrip("\ufeff")
        return Rules(origin, now + ttl, Protego.parse(text))
    if status == 429 or status >= 500:
        return unreachable(origin, f"HTTP {status}", now=now, error_ttl=error_ttl)
    return Rules(origin, now + ttl)  # 3xx left over after 5 redirects, or 4xx: unavailable


def unreachable(origin: str, why: str, *, now: float, error_ttl: float) -> Rules:
    return Rules(origin, now + error_ttl, allow_all=False, problem=why)


class RobotsCache:
    """Rules per origin (`scheme://host:port`), fetched once per expiry."""

    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock
        self._rules: dict[str, Rules] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def rules(self, origin: str, load: Callable[[], Awaitable[Rules]]) -> Rules:
        """The cached rules for `origin`, calling `load` when they are missing or expired."""
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            rules = self._rules.get(origin)
            if rules is None or rules.expires_at <= self._clock():
                rules = await load()
                self._rules[origin] = rules
            return rules
