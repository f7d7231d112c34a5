"""Fetcher on httpx.MockTransport and virtual time: retries, backoff, Retry-After, robots,
redirect checks. No sockets (the address guard lives in the transport these replace)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from monitor import domain, fetch
from monitor.config.host_policy import HostPolicy
from monitor.errors import FetchError, RobotsDisallowedError
from tests.unit.fetch.faketime import FakeTime

Handler = Callable[[httpx.Request], httpx.Response]


class _Stream(httpx.AsyncByteStream):
    """A body that arrives as a stream, as from a real server (bytes content is pre-read)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._data


def ok(data: bytes) -> httpx.Response:
    return httpx.Response(200, stream=_Stream(data))


LIMITS = fetch.Limits(backoff_base=1.0, backoff_cap=30.0, attempts=3)


def _fetcher(handler: Handler, time: FakeTime, **kwargs) -> fetch.Fetcher:
    def with_robots(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        return handler(request)

    client = fetch.create_client(
        contact="t@example.org", transport_=httpx.MockTransport(with_robots)
    )
    kwargs.setdefault("policies", {"site.example": HostPolicy(delay=0)})
    kwargs.setdefault("limits", LIMITS)
    return fetch.Fetcher(client, clocks=time.clocks(jitter=0.5), **kwargs)


async def test_backoff_is_exponential_with_jitter() -> None:
    time = FakeTime()
    fetcher = _fetcher(lambda r: httpx.Response(500), time)
    with pytest.raises(FetchError, match=r"HTTP 500 Internal Server Error \(3 attempts\)"):
        await time.run(fetch.fetch(fetcher, domain.Request("http://site.example/x")))
    backoffs = [s for s in time.slept if s in (1.5, 3.0)]
    assert backoffs == [1.5, 3.0]  # base 1 s then 2 s, each plus half again of jitter


async def test_a_retry_after_date_pauses_the_host_until_then() -> None:
    time = FakeTime()
    answers = iter([
        httpx.Response(503, headers={"Retry-After": "Mon, 05 Jan 2026 12:00:20 GMT"}),
        ok(b"ok"),
    ])  # fmt: skip
    starts: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        starts.append(time.now)
        return next(answers)

    fetcher = _fetcher(handler, time)
    [response] = await time.run(fetch.fetch(fetcher, domain.Request("http://site.example/x")))
    assert response.content == b"ok"
    assert starts == [0.0, 20.0]


async def test_a_4xx_is_not_retried() -> None:
    time = FakeTime()
    calls = []
    fetcher = _fetcher(lambda r: calls.append(r) or httpx.Response(404), time)
    with pytest.raises(FetchError, match=r"^http://site.example/x: HTTP 404 Not Found$"):
        await time.run(fetch.fetch(fetcher, domain.Request("http://site.example/x")))
    assert len(calls) == 1


async def test_robots_disallow_names_host_and_token() -> None:
    time = FakeTime()

    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("the page must not be requested")

    client = fetch.create_client(
        contact="t@example.org",
        transport_=httpx.MockTransport(
            lambda r: ok(b"User-agent: scout\nDisallow: /\n")
            if r.url.path == "/robots.txt" else handler(r)
        ),
    )  # fmt: skip
    fetcher = fetch.Fetcher(client, robots_agent="scout", clocks=time.clocks())
    with pytest.raises(RobotsDisallowedError) as caught:
        await time.run(fetch.fetch(fetcher, domain.Request("https://site.example/a")))
    assert caught.value.reason == "disallowed by robots.txt of site.example for user-agent scout"


@pytest.mark.parametrize("url", ["ftp://site.example/x", "file:///etc/passwd", "not a url"])
async def test_only_http_urls_are_fetched(url: str) -> None:
    time = FakeTime()
    fetcher = _fetcher(lambda r: httpx.Response(200), time)
    with pytest.raises(FetchError, match="http"):
        await time.run(fetch.fetch(fetcher, domain.Request(url)))


async def test_a_3xx_without_location_is_an_error() -> None:
    time = FakeTime()
    fetcher = _fetcher(lambda r: httpx.Response(302), time)
    with pytest.raises(FetchError, match="HTTP 302 Found"):
        await time.run(fetch.fetch(fetcher, domain.Request("http://site.example/x")))


async def test_the_user_agent_names_the_contact() -> None:
    time = FakeTime()
    seen: list[httpx.Request] = []
    fetcher = _fetcher(lambda r: seen.append(r) or ok(b"hi"), time)
    await time.run(fetch.fetch(fetcher, domain.Request("http://site.example/x")))
    assert "+mailto:t@example.org" in seen[0].headers["user-agent"]
    assert seen[0].headers["accept-encoding"] == "gzip, deflate, br"
