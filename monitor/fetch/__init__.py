"""The only package that speaks HTTP: one shared client, and every host's state beside it.

    async with fetch.open_fetcher(contact=…, allow_hosts=…, robots_agent=…, policies=…) as f:
        response = await fetch.fetch(f, request, etag=…, last_modified=…)

`fetch` turns a Request into a Response or raises FetchError (or one of its subclasses:
RobotsDisallowedError, BlockedAddressError, UnreachableError, TooLargeError). It obeys
robots.txt (RFC 9309) and each host's politeness budget shared by all sources on it, sends
the validators of the last response so an unchanged page costs a 304 and no parsing,
follows at most 5 checked redirects over http(s) only, connects only to public addresses
(or those in `MONITOR_ALLOW_HOSTS`), bounds every exchange by a deadline and every body by a cap on
decoded bytes, and retries only what may succeed later.

Modules, one idea each:
    client      Fetcher: hops, retries, robots and politeness put together
    limits      Limits: timeouts, deadline, caps, retry and robots timings
    addresses   which IPs are public; the allow list
    transport   httpx transport that connects only to checked addresses (no DNS rebinding)
    body        streaming decode (gzip, deflate, br) under the cap
    robots      robots.txt rules and their cache
    politeness  per-host concurrency, delay, Retry-After pauses, error slow-down
"""

from __future__ import annotations

from collections.abc import Mapping

from monitor import domain
from monitor.fetch.client import (
    DEFAULT_ROBOTS_AGENT,
    Clocks,
    Fetcher,
    create_client,
    open_fetcher,
    retryable,
    user_agent,
)
from monitor.fetch.limits import Limits

__all__ = [
    "DEFAULT_ROBOTS_AGENT",
    "Clocks",
    "Fetcher",
    "Limits",
    "create_client",
    "fetch",
    "open_fetcher",
    "retryable",
    "user_agent",
]


async def fetch(
    fetcher: Fetcher,
    request: domain.Request,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> domain.Response:
    """GET `request.url` through `fetcher`. See `Fetcher.fetch`."""
    return await fetcher.fetch(request, etag=etag, last_modified=last_modified, headers=headers)
