"""How robots.txt answers become rules (RFC 9309), and how long they are kept."""

from __future__ import annotations

import pytest

from monitor.fetch import robots

ORIGIN = "https://forum.example:443"
TEXT = b"""User-agent: monitor
Disallow: /private
Allow: /private/open$
Crawl-delay: 4

User-agent: *
Disallow: /
"""


def _rules(status: int, body: bytes = b"") -> robots.Rules:
    return robots.from_response(ORIGIN, status, body, now=100.0, ttl=1000.0, error_ttl=10.0)


def test_a_2xx_is_parsed_for_our_token_with_longest_match() -> None:
    rules = _rules(200, TEXT)
    assert rules.allows("https://forum.example/threads/1", "monitor")
    assert not rules.allows("https://forum.example/private/x", "monitor")
    assert rules.allows("https://forum.example/private/open", "monitor")
    assert not rules.allows("https://forum.example/threads/1", "otherbot")
    assert rules.allows("https://forum.example/threads/1", "Monitor")  # case-insensitive
    assert rules.crawl_delay("monitor") == 4.0
    assert rules.expires_at == 1100.0


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 301])
def test_unavailable_allows_everything_for_the_full_period(status: int) -> None:
    rules = _rules(status)
    assert rules.allows("https://forum.example/anything", "monitor")
    assert (rules.expires_at, rules.problem) == (1100.0, None)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_unreachable_disallows_everything_for_a_short_period(status: int) -> None:
    rules = _rules(status)
    assert not rules.allows("https://forum.example/", "monitor")
    assert (rules.expires_at, rules.problem) == (110.0, f"HTTP {status}")


async def test_the_cache_loads_once_per_period() -> None:
    now = [0.0]
    cache = robots.RobotsCache(clock=lambda: now[0])
    loads = []

    async def load() -> robots.Rules:
        loads.append(now[0])
        return robots.from_response(ORIGIN, 200, TEXT, now=now[0], ttl=60.0, error_ttl=5.0)

    await cache.rules(ORIGIN, load)
    now[0] = 59.0
    await cache.rules(ORIGIN, load)
    now[0] = 60.0
    await cache.rules(ORIGIN, load)
    assert loads == [0.0, 60.0]
