"""A whole forum crawl, end to end, against fetching the same pages and nothing more.

    .venv/bin/python bench/crawl.py [--threads 30] [--posts 30] [--rounds 5]

A subprocess (`bench/_board.py`, so its CPU is not ours) serves a phpBB board on
127.0.0.1: `--threads` threads of `--posts` posts, ten to a page (91 pages by default).
In this process, alternating, `--rounds` times each:

- ours: through the real code path: sources.yaml parsed, `open_service` on a new SQLite
  file (migrated by Alembic), and `pipeline.poll_source` crawling the board once as a new
  source: every list and thread page fetched (robots.txt, politeness, caps), parsed,
  matched against three brands and stored (documents, mentions, seen items, stories,
  memory) in one transaction;
- bare: the same pages fetched with a bare `httpx.AsyncClient`, four at a time (the
  crawl's host policy), the bodies read and nothing else: the least any crawler pays.

CPU is this process's (`time.process_time`, aiosqlite's thread included) for the crawl
alone. The machine may be shared, so the best round counts. Prints CPU per crawl and per
page for both and their ratio. Exits 1 when a crawl fails.

The version of this benchmark that came with it also crawled with each hand-written fast
path then in the code swapped for the standard function it stood in for (urljoin, w3lib's
canonicalize_url, urlsplit, str.split, two selector lists, folded words): none moved a
whole crawl beyond the noise (0.91-1.13x of as built, the sign changing between runs), so
the standard functions are back and the fast paths are gone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import _board
import _subprocess
import httpx

from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.crawl import pipeline
from monitor.service.parts import open_service
from monitor.telemetry import logs


def config_text(port: int) -> str:
    return f"""\
settings:
  contact: bench@example.org
  backfill: 1d
brands:
  - name: Müller Medical
    query: '"Müller Medical"'
  - name: Vaude
    query: Vaude
  - name: Deuter
    query: Deuter -Deutschland
hosts:
  127.0.0.1: {{concurrency: 4, delay: 0}}
sources:
  - type: forum
    name: board
    url: 'http://127.0.0.1:{port}/viewforum.php?f=4'
    preset: phpbb
    language: de
    max_list_pages: 1
    max_threads: 500
    max_pages_per_thread: 100
"""


@contextmanager
def board_server(threads: int, posts: int) -> Iterator[tuple[int, int]]:
    """The loopback board in a subprocess; yields its port and how many pages it has."""
    with _subprocess.server(
        _board.__file__, "--threads", str(threads), "--posts", str(posts)
    ) as ready:
        yield int(ready[0]), int(ready[1])


async def crawl_once(port: int, folder: Path) -> tuple[float, int, str | None]:
    """One crawl of the board as a new source on a new database: CPU s, mentions, error."""
    cpu, _, mentions, error = await timed_crawl(port, folder)
    return cpu, mentions, error


async def timed_crawl(port: int, folder: Path) -> tuple[float, float, int, str | None]:
    """`crawl_once`, with the crawl's wall-clock seconds after its CPU seconds."""
    config = sources_yaml.parse(config_text(port))
    settings = Settings(data_dir=folder, http_port=0, allow_hosts=("127.0.0.1",))
    async with open_service(settings, config) as service:
        cpu, wall = time.process_time(), time.perf_counter()
        result = await pipeline.poll_source(service.crawler, config.sources[0], now=_board.NOW)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu, wall, len(result.new_mentions), result.error


async def bare_once(urls: list[str]) -> float:
    """The same pages with a bare client, four at a time as the crawl's host policy allows."""
    gate = asyncio.Semaphore(4)
    async with httpx.AsyncClient(timeout=60) as client:

        async def one(url: str) -> None:
            async with gate:
                response = await client.get(url)
                response.raise_for_status()
                _ = response.content

        cpu = time.process_time()
        await asyncio.gather(*(one(url) for url in urls))
        return time.process_time() - cpu


async def run(arguments: argparse.Namespace) -> int:
    ours: list[float] = []
    bare: list[float] = []
    paths = list(_board.board(arguments.threads, arguments.posts).pages())
    with (
        board_server(arguments.threads, arguments.posts) as (port, pages),
        tempfile.TemporaryDirectory() as root,
        open(os.devnull, "w", encoding="utf-8") as devnull,  # noqa: ASYNC230
    ):
        urls = [f"http://127.0.0.1:{port}{path}" for path in paths]
        logs.configure("WARNING", devnull)
        await crawl_once(port, Path(root) / "warm-up")  # every module loaded, caches warm
        mentions = 0
        for number in range(arguments.rounds):
            cpu, mentions, error = await crawl_once(port, Path(root) / str(number))
            if error:
                print(f"the crawl failed: {error}", file=sys.stderr)
                return 1
            ours.append(cpu)
            bare.append(await bare_once(urls))
    print(f"{arguments.threads} threads x {arguments.posts} posts: {pages} pages, "
          f"{mentions} mentions; best of {arguments.rounds} rounds\n")  # fmt: skip
    print("| crawl | CPU per crawl (best) | per page | median per crawl |")
    print("|---|---:|---:|---:|")
    for name, timings in (("monitor: fetch, parse, match, store", ours),
                          ("bare httpx GETs", bare)):  # fmt: skip
        best = min(timings)
        print(f"| {name} | {best * 1000:.0f} ms | {best / pages * 1000:.2f} ms | "
              f"{statistics.median(timings) * 1000:.0f} ms |")  # fmt: skip
    print(f"\nmonitor / bare: {min(ours) / min(bare):.1f}x")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=30)
    parser.add_argument("--posts", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
