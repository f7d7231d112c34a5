"""Client CPU per page: the fetcher against stock httpx and aiohttp on the same pages.

    .venv/bin/python bench/client.py [--requests 2000] [--concurrency 48] [--kilobytes 100]

A subprocess (`bench/_pages.py`) serves one `--kilobytes` KB page on 4 loopback hosts.
In this process, interleaved, three rounds each, `--requests` GETs spread over the hosts,
`--concurrency` at once:

- fetcher: `monitor.fetch` as a crawl uses it (httpx on the project's aiohttp transport,
  address guard, robots.txt, politeness gates with the hosts' concurrency, caps, body
  decoding), its pool reused;
- httpx: a stock `httpx.AsyncClient` with as many connections, bodies read;
- aiohttp: an `aiohttp.ClientSession` with as many connections, bodies read.

Prints this process's CPU per page (medians) for each and the ratios; connections per
host slot are counted by tests/integration/test_connection_reuse.py, not here. Target:
0.5 ms per 100 KB page.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import _subprocess
import httpx

from monitor import domain, fetch
from monitor.config.host_policy import HostPolicy
from monitor.fetch.client import open_fetcher

ROUNDS = 3
HOSTS = 4


def urls(port: int, count: int) -> list[str]:
    return [f"http://127.0.0.{2 + i % HOSTS}:{port}/page/{i}" for i in range(count)]


async def _timed(run: Callable[[], Awaitable[None]]) -> float:
    started = time.process_time()
    await run()
    return time.process_time() - started


async def fetcher_round(targets: list[str], concurrency: int) -> float:
    per_host = min(16, max(1, concurrency // HOSTS))
    policies = {f"127.0.0.{2 + h}": HostPolicy(concurrency=per_host, delay=0)
                for h in range(HOSTS)}  # fmt: skip
    hosts = tuple(policies)
    async with open_fetcher(contact="bench@example.org", allow_hosts=hosts,
                            policies=policies) as fetcher:  # fmt: skip
        gate = asyncio.Semaphore(concurrency)

        async def one(url: str) -> None:
            async with gate:
                await fetch.fetch(fetcher, domain.Request(url))

        await asyncio.gather(*(one(url) for url in targets[:HOSTS]))  # robots.txt, connections

        async def run() -> None:
            await asyncio.gather(*(one(url) for url in targets))

        return await _timed(run)


async def httpx_round(targets: list[str], concurrency: int) -> float:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits) as client:
        gate = asyncio.Semaphore(concurrency)

        async def one(url: str) -> None:
            async with gate:
                response = await client.get(url)
                response.raise_for_status()

        await asyncio.gather(*(one(url) for url in targets[:HOSTS]))

        async def run() -> None:
            await asyncio.gather(*(one(url) for url in targets))

        return await _timed(run)


async def aiohttp_round(targets: list[str], concurrency: int) -> float:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        gate = asyncio.Semaphore(concurrency)

        async def one(url: str) -> None:
            async with gate, session.get(url) as response:
                await response.read()
                response.raise_for_status()

        await asyncio.gather(*(one(url) for url in targets[:HOSTS]))

        async def run() -> None:
            await asyncio.gather(*(one(url) for url in targets))

        return await _timed(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=48)
    parser.add_argument("--kilobytes", type=int, default=100)
    args = parser.parse_args()
    rounds: dict[str, list[float]] = {"fetcher": [], "httpx": [], "aiohttp": []}
    runs = {"fetcher": fetcher_round, "httpx": httpx_round, "aiohttp": aiohttp_round}
    with _subprocess.server(
        _pages_script(), "--hosts", str(HOSTS), "--kilobytes", str(args.kilobytes)
    ) as ready:
        targets = urls(int(ready[0]), args.requests)
        for _ in range(ROUNDS):
            for name, run in runs.items():
                cpu = asyncio.run(run(targets, args.concurrency))
                rounds[name].append(cpu / len(targets) * 1000)
    per_page = {name: statistics.median(values) for name, values in rounds.items()}
    print(f"{args.requests} GETs of a {args.kilobytes} KB page, {args.concurrency} at once, "
          f"{HOSTS} hosts; client CPU per page, medians of {ROUNDS} rounds:\n")  # fmt: skip
    print("| client | CPU per page | against the fetcher |")
    print("|---|---:|---:|")
    for name, value in per_page.items():
        print(f"| {name} | {value:.2f} ms | {value / per_page['fetcher']:.2f}x |")
    print("\ntarget: 0.5 ms per 100 KB page")


def _pages_script() -> str:
    return str(Path(__file__).with_name("_pages.py"))


if __name__ == "__main__":
    main()
