"""Which answers are tried again (timeouts, connection errors, 408, 429, 5xx) and which
never are (every other 4xx)."""

from __future__ import annotations

import pytest

from monitor import domain, fetch
from monitor.errors import FetchError
from tests.integration.fetch.loopback import Reply, Server, opener


@pytest.mark.parametrize(
    ("status", "attempts"),
    [(500, 3), (502, 3), (503, 3), (408, 3), (429, 3), (404, 1), (403, 1), (410, 1), (400, 1)],
)
async def test_only_transient_statuses_are_retried(
    server: Server, status: int, attempts: int
) -> None:
    server.routes["/page"] = Reply(status)
    async with opener("127.0.0.1") as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetch.fetch(fetcher, domain.Request(f"{server.url}/page"))
    assert caught.value.status == status
    assert f"HTTP {status}" in str(caught.value)
    assert len(server.hits("/page")) == attempts


async def test_a_retry_that_succeeds_returns_the_page(server: Server) -> None:
    answers = iter([Reply(502), Reply(body=b"ok")])
    server.routes["/page"] = lambda seen: next(answers)
    async with opener("127.0.0.1") as fetcher:
        response = await fetch.fetch(fetcher, domain.Request(f"{server.url}/page"))
    assert response.content == b"ok"


async def test_timeouts_are_retried(server: Server) -> None:
    server.routes["/slow"] = Reply(body=b"late", hold=0.5)
    limits = fetch.Limits(deadline=0.2, attempts=2, backoff_base=0.01)
    async with opener("127.0.0.1", limits=limits) as fetcher:
        with pytest.raises(FetchError, match=r"deadline \(2 attempts\)"):
            await fetch.fetch(fetcher, domain.Request(f"{server.url}/slow"))
    assert len(server.hits("/slow")) == 2


async def test_a_read_timeout_names_the_limit_and_its_value(server: Server) -> None:
    server.routes["/drip"] = Reply(body=b"x" * 10, drip=0.5)
    limits = fetch.Limits(read_timeout=0.2, deadline=5.0, attempts=1)
    async with opener("127.0.0.1", limits=limits) as fetcher:
        with pytest.raises(FetchError, match=r"no data for 0\.2 s while reading"):
            await fetch.fetch(fetcher, domain.Request(f"{server.url}/drip"))


async def test_an_oversized_header_is_not_retried(server: Server) -> None:
    """The server breaks HTTP (a header over the client's limit): it will again."""
    server.routes["/huge"] = Reply(body=b"ok", headers={"X-Filler": "a" * (8 * 1024 * 1024)})
    async with opener("127.0.0.1") as fetcher:
        with pytest.raises(FetchError, match="the server broke HTTP"):
            await fetch.fetch(fetcher, domain.Request(f"{server.url}/huge"))
    assert len(server.hits("/huge")) == 1
