"""robots.txt on a real loopback server: disallow, unreachable, unavailable, Crawl-delay."""

from __future__ import annotations

import itertools

import pytest

from monitor import domain, fetch
from monitor.errors import RobotsDisallowedError, UnreachableError
from tests.integration.fetch.loopback import Reply, Server, opener

ROBOTS = b"User-agent: monitor\nDisallow: /private\n\nUser-agent: *\nDisallow: /\n"


async def test_a_disallowed_url_is_refused_by_name_and_robots_is_fetched_once(
    server: Server,
) -> None:
    server.routes["/robots.txt"] = Reply(body=ROBOTS)
    server.routes["/public"] = Reply(body=b"hello")
    async with opener("127.0.0.1") as fetcher:
        response = await fetch.fetch(fetcher, domain.Request(f"{server.url}/public"))
        assert response.content == b"hello"
        with pytest.raises(RobotsDisallowedError) as caught:
            await fetch.fetch(fetcher, domain.Request(f"{server.url}/private/page"))
        await fetch.fetch(fetcher, domain.Request(f"{server.url}/public"))
    assert "disallowed by robots.txt of 127.0.0.1 for user-agent monitor" in str(caught.value)
    assert server.hits("/private/page") == []
    assert len(server.hits("/robots.txt")) == 1


async def test_the_token_is_configurable(server: Server) -> None:
    server.routes["/robots.txt"] = Reply(body=ROBOTS)  # `*` may fetch nothing
    server.routes["/public"] = Reply(body=b"hello")
    async with opener("127.0.0.1", robots_agent="otherbot") as fetcher:
        with pytest.raises(RobotsDisallowedError, match="for user-agent otherbot"):
            await fetch.fetch(fetcher, domain.Request(f"{server.url}/public"))


async def test_robots_5xx_disallows_the_whole_host(server: Server) -> None:
    server.routes["/robots.txt"] = Reply(503)
    server.routes["/page"] = Reply(body=b"hello")
    async with opener("127.0.0.1") as fetcher:
        with pytest.raises(RobotsDisallowedError, match=r"could not be fetched \(HTTP 503"):
            await fetch.fetch(fetcher, domain.Request(f"{server.url}/page"))
    assert server.hits("/page") == []


async def test_a_host_that_refuses_connections_is_named_unreachable_not_robots(
    make_server,
) -> None:
    # robots.txt could not be read either, but blaming it would send the user the wrong
    # way: the host cannot be reached at all, and that is retried, not cached as "disallow".
    server: Server = await make_server()
    url = f"{server.url}/page"
    await server.stop()  # nothing listens on the port any more
    async with opener("127.0.0.1") as fetcher:
        with pytest.raises(UnreachableError, match=r"cannot connect to 127\.0\.0\.1:\d+: "
                           "Connection refused") as caught:  # fmt: skip
            await fetch.fetch(fetcher, domain.Request(url))
    assert caught.value.url == url
    assert "robots" not in str(caught.value)


async def test_robots_404_allows_everything(server: Server) -> None:
    server.routes["/page"] = Reply(body=b"hello")
    async with opener("127.0.0.1") as fetcher:
        response = await fetch.fetch(fetcher, domain.Request(f"{server.url}/page"))
    assert response.content == b"hello"
    assert len(server.hits("/robots.txt")) == 1


async def test_crawl_delay_spaces_requests_when_larger_than_the_configured_delay(
    server: Server,
) -> None:
    server.routes["/robots.txt"] = Reply(body=b"User-agent: *\nCrawl-delay: 0.3\n")
    server.routes["/page"] = Reply(body=b"hello")
    async with opener("127.0.0.1") as fetcher:
        for _ in range(3):
            await fetch.fetch(fetcher, domain.Request(f"{server.url}/page"))
    starts = [s.at for s in server.hits("/page")]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.28, gaps
