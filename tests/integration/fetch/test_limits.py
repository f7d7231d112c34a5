"""Hard limits against hostile servers: drip feeds, bombs, huge bodies, redirect tricks."""

from __future__ import annotations

import gzip
import time
import zlib
from functools import partial

import brotli
import pytest

from monitor import domain, fetch
from monitor.errors import BlockedAddressError, FetchError, TooLargeError
from tests.integration.fetch.loopback import LIMITS, Reply, Server, opener

ZEROS = b"\0" * (50 * 1024 * 1024)  # 50 MB of zeros: a few dozen KB compressed
BROTLI = partial(brotli.compress, quality=4)  # the default quality 11 takes seconds


async def test_a_drip_feed_is_cut_at_the_deadline(server: Server) -> None:
    # One byte a second never trips the 2 s read timeout; the deadline stops it.
    server.routes["/drip"] = Reply(body=b"x" * 100, drip=1.0)
    limits = fetch.Limits(read_timeout=2.0, deadline=0.5, attempts=1)
    started = time.monotonic()
    async with opener("127.0.0.1", limits=limits) as fetcher:
        with pytest.raises(FetchError, match=r"within the 0\.5 s deadline"):
            await fetch.fetch(fetcher, domain.Request(f"{server.url}/drip"))
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [("gzip", gzip.compress), ("br", BROTLI), ("deflate", zlib.compress)],
)
async def test_a_compression_bomb_stops_at_the_cap(server: Server, encoding, compress) -> None:
    bomb = compress(ZEROS)
    assert len(bomb) < LIMITS.max_body_bytes  # only the decoded size is over the cap
    server.routes["/bomb"] = Reply(body=bomb, headers={"Content-Encoding": encoding})
    async with opener("127.0.0.1") as fetcher:
        with pytest.raises(TooLargeError, match="over the cap of 1048576 bytes"):
            await fetch.fetch(fetcher, domain.Request(f"{server.url}/bomb"))


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [("gzip", gzip.compress), ("br", BROTLI), ("deflate", zlib.compress), ("identity", bytes)],
)  # fmt: skip
async def test_compressed_bodies_are_decoded(server: Server, encoding, compress) -> None:
    text = "Grüße aus dem Forum. ".encode() * 1000
    server.routes["/page"] = Reply(body=compress(text), headers={"Content-Encoding": encoding})
    async with opener("127.0.0.1") as fetcher:
        response = await fetch.fetch(fetcher, domain.Request(f"{server.url}/page"))
    assert response.content == text
    assert "content-encoding" not in response.headers
    assert server.hits("/page")[0].headers["accept-encoding"] == "gzip, deflate, br"


async def test_an_oversized_content_length_is_refused_before_reading(server: Server) -> None:
    # Declares 5 GB, then sends nothing: reading would hang until the deadline.
    server.routes["/huge"] = Reply(content_length=5 * 1024**3, hold=0)
    limits = fetch.Limits(deadline=5.0, max_body_bytes=1024, attempts=1)
    started = time.monotonic()
    async with opener("127.0.0.1", limits=limits) as fetcher:
        with pytest.raises(TooLargeError, match="5368709120 bytes is over the cap"):
            await fetch.fetch(fetcher, domain.Request(f"{server.url}/huge"))
    assert time.monotonic() - started < 4.0  # refused up front, not after the 5 s deadline


async def test_a_redirect_loop_stops_after_five_hops(server: Server) -> None:
    server.routes["/a"] = Reply(302, headers={"Location": "/b"})
    server.routes["/b"] = Reply(302, headers={"Location": f"{server.url}/a"})
    async with opener("127.0.0.1") as fetcher:
        with pytest.raises(FetchError, match="more than 5 redirects"):
            await fetch.fetch(fetcher, domain.Request(f"{server.url}/a"))
    assert len(server.hits("/a")) + len(server.hits("/b")) == 6  # the first request + 5 hops


async def test_redirects_are_followed_and_the_final_url_reported(server: Server) -> None:
    server.routes["/old"] = Reply(301, headers={"Location": "/new?x=1"})
    server.routes["/new"] = Reply(body=b"moved here")
    async with opener("127.0.0.1") as fetcher:
        response = await fetch.fetch(fetcher, domain.Request(f"{server.url}/old"))
    assert (response.url, response.content) == (f"{server.url}/new?x=1", b"moved here")


async def test_a_redirect_to_a_port_that_is_not_allowed_is_refused(make_server) -> None:
    allowed: Server = await make_server()
    other: Server = await make_server()
    other.routes["/secret"] = Reply(body=b"internal")
    allowed.routes["/go"] = Reply(302, headers={"Location": f"{other.url}/secret"})
    async with opener(f"127.0.0.1:{allowed.port}") as fetcher:
        with pytest.raises(BlockedAddressError, match=f"loopback address, port {other.port}"):
            await fetch.fetch(fetcher, domain.Request(f"{allowed.url}/go"))
    assert other.seen == []
    async with opener("127.0.0.1") as fetcher:  # without a port: every port of the host
        response = await fetch.fetch(fetcher, domain.Request(f"{allowed.url}/go"))
    assert response.content == b"internal"


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://x/"])
async def test_a_redirect_to_another_scheme_is_refused(server: Server, target: str) -> None:
    server.routes["/go"] = Reply(302, headers={"Location": target})
    async with opener("127.0.0.1") as fetcher:
        with pytest.raises(FetchError, match="redirected to not an http"):
            await fetch.fetch(fetcher, domain.Request(f"{server.url}/go"))


async def test_credentials_are_not_sent_to_another_host_after_a_redirect(make_server) -> None:
    first: Server = await make_server()
    second: Server = await make_server()
    second.routes["/landing"] = Reply(body=b"ok")
    first.routes["/go"] = Reply(302, headers={"Location": "/same"})
    first.routes["/same"] = Reply(
        302, headers={"Location": f"http://localhost:{second.port}/landing"}
    )
    secrets = {"Authorization": "Bearer s3cret", "Cookie": "session=1", "X-Keep": "yes"}
    async with opener("127.0.0.1", "localhost") as fetcher:
        await fetch.fetch(fetcher, domain.Request(f"{first.url}/go"), headers=secrets)
    same = first.hits("/same")[0].headers
    assert (same["authorization"], same["cookie"]) == ("Bearer s3cret", "session=1")
    landed = second.hits("/landing")[0].headers
    assert "authorization" not in landed
    assert "cookie" not in landed
    assert landed["x-keep"] == "yes"
