"""Per-host politeness judged by the server's own clock: shared limits, Retry-After, and
hosts that never wait on each other."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from monitor import domain, fetch
from monitor.config.host_policy import HostPolicy
from monitor.errors import FetchError
from tests.integration.fetch.loopback import LIMITS, Reply, Server, opener


async def test_two_sources_on_one_host_share_its_concurrency_and_delay(server: Server) -> None:
    server.routes["/forum"] = Reply(body=b"forum", hold=0.4)
    server.routes["/reviews"] = Reply(body=b"reviews", hold=0.4)
    policy = {"127.0.0.1": HostPolicy(concurrency=2, delay=0.3)}

    async def source(path: str) -> None:  # one source's crawl: three pages, one by one
        for page in range(3):
            await fetch.fetch(fetcher, domain.Request(f"{server.url}{path}?page={page}"))

    async with opener("127.0.0.1", policies=policy) as fetcher:
        await asyncio.gather(source("/forum"), source("/reviews"))
    starts = sorted(s.at for s in server.seen)  # robots.txt included: it counts too
    assert len(starts) == 7
    # Arrival times jitter on a busy machine; without the delay the gaps would be ~0.
    assert min(b - a for a, b in itertools.pairwise(starts)) >= 0.2
    assert server.max_in_flight == 2


async def test_retry_after_pauses_the_host(server: Server) -> None:
    answers = iter([Reply(429, headers={"Retry-After": "1"}), Reply(body=b"ok")])
    server.routes["/busy"] = lambda seen: next(answers)
    async with opener("127.0.0.1") as fetcher:
        response = await fetch.fetch(fetcher, domain.Request(f"{server.url}/busy"))
    assert response.content == b"ok"
    first, second = (s.at for s in server.hits("/busy"))
    assert second - first >= 0.95  # the backoff alone would be 0.05 s at most


async def test_a_long_retry_after_fails_fast_instead_of_holding_the_worker(
    server: Server,
) -> None:
    server.routes["/busy"] = Reply(503, headers={"Retry-After": "600"})
    server.routes["/other"] = Reply(body=b"ok")
    started = time.monotonic()
    async with opener("127.0.0.1") as fetcher:
        with pytest.raises(FetchError, match="asked to pause"):
            await fetch.fetch(fetcher, domain.Request(f"{server.url}/busy"))
        with pytest.raises(FetchError, match="asked to pause"):  # the whole host is paused
            await fetch.fetch(fetcher, domain.Request(f"{server.url}/other"))
    assert time.monotonic() - started < 30  # not the 600 s the server asked for
    assert len(server.hits("/busy")) == 1
    assert server.hits("/other") == []


async def test_a_slow_host_does_not_delay_another(make_server) -> None:
    slow: Server = await make_server()
    fast: Server = await make_server()
    slow.routes["/slow"] = Reply(body=b"late", hold=1.2)
    fast.routes["/fast"] = Reply(body=b"quick")
    policies = {"127.0.0.1": HostPolicy(concurrency=1, delay=0), "localhost": HostPolicy(delay=0)}
    async with opener("127.0.0.1", "localhost", policies=policies) as fetcher:
        hanging = asyncio.create_task(fetch.fetch(fetcher, domain.Request(f"{slow.url}/slow")))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        quick = await fetch.fetch(fetcher, domain.Request(f"http://localhost:{fast.port}/fast"))
        took = time.monotonic() - started
        await hanging
    assert quick.content == b"quick"
    assert took < 1.0  # it did not wait for the slow host (1.2 s)


async def test_limits_fixture_is_fast() -> None:
    assert LIMITS.backoff(3, 0.99) <= 0.05
