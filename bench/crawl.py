"""A whole forum crawl, end to end, and what each hand-written fast path buys in it.

    .venv/bin/python bench/crawl.py [--threads 30] [--posts 30] [--rounds 5]

A subprocess (`bench/_board.py`, so its CPU is not ours) serves a phpBB board on
127.0.0.1: `--threads` threads of `--posts` posts, ten to a page (91 pages by default).
In this process, through the real code path: sources.yaml parsed, `open_service` on a new
SQLite file (migrated by Alembic), and `pipeline.poll_source` crawling the board once as a
new source: every list and thread page fetched, parsed, matched against three brands and
stored, with the mentions, seen items, stories and memory, in one transaction.

Each round crawls the board once per variant, each on a database of its own, so every
variant does the same work:

- as built: the code as it is;
- one variant per hand-written routine that stands in for a standard or library
  function (`FAST_PATHS`): the same crawl with the standard function put back in its
  place, for the whole crawl.

CPU is this process's (`time.process_time`, aiosqlite's thread included) for the crawl
alone. The machine may be shared, so the best round counts. Prints, per variant, the
best CPU per crawl and per page and its ratio to "as built": a fast path is worth its
code when putting the standard function back makes the whole crawl measurably slower.
Exits 1 when a crawl fails or a variant stores different mentions.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import _board
from selectolax.lexbor import LexborNode

from monitor import text
from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.crawl import pipeline
from monitor.identity import fingerprint
from monitor.query import fold
from monitor.service.parts import open_service
from monitor.sources.reading import selectors
from monitor.telemetry import logs


def _marked_by_selectors(node: LexborNode) -> None:
    """`text.mark_lines` the plain way: two selector lists over the node."""
    for element in node.css(", ".join(text._INVISIBLE)):
        element.decompose()
    for element in node.css(text._BLOCKS):
        element.insert_before("\n")
        element.insert_after("\n")


# What the standard way of each fast path is: (module, attribute, the standard function).
FAST_PATHS: dict[str, list[tuple[Any, str, Callable[..., Any]]]] = {
    "selectors.join -> urljoin": [(selectors, "join", urljoin)],
    "fingerprint.canonical_url fast path -> w3lib": [
        (fingerprint, "canonical_url", fingerprint._canonical_general),
    ],
    "selectors.without_session fast path -> urlsplit": [
        (selectors, "without_session", selectors._without_session_general),
    ],
    "selectors._tidy -> text.tidy": [(selectors, "_tidy", text.tidy)],
    "selectors._one_line -> split and join": [
        (selectors, "_one_line", lambda written: " ".join(written.split())),
    ],
    "selectors._fragment -> urlsplit": [
        (selectors, "_fragment", lambda url: urlsplit(url).fragment),
    ],
    "text.mark_lines -> two selector lists": [(text, "mark_lines", _marked_by_selectors)],
    "query.fold byte images -> folded words": [(fold, "byte_image", lambda written: None)],
}


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
    server = subprocess.Popen(
        [sys.executable, str(Path(_board.__file__)), "--threads", str(threads),
         "--posts", str(posts)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        ready = server.stdout.readline().split()
        if len(ready) != 3 or ready[0] != "READY":
            raise SystemExit("the loopback board did not start")
        yield int(ready[1]), int(ready[2])
    finally:
        assert server.stdin is not None
        server.stdin.close()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@contextmanager
def standard(variant: str) -> Iterator[None]:
    """The crawl with `variant`'s standard functions in place of the fast paths."""
    patches = FAST_PATHS.get(variant, [])
    saved = [(module, name, getattr(module, name)) for module, name, _ in patches]
    for module, name, function in patches:
        setattr(module, name, function)
    try:
        yield
    finally:
        for module, name, function in saved:
            setattr(module, name, function)


@dataclass
class Crawled:
    cpu_s: list[float] = field(default_factory=list)
    mentions: int = 0


async def crawl_once(port: int, folder: Path) -> tuple[float, int, str | None]:
    """One crawl of the board as a new source on a new database: CPU s, mentions, error."""
    config = sources_yaml.parse(config_text(port))
    settings = Settings(data_dir=folder, http_port=0, allow_hosts=("127.0.0.1",))
    async with open_service(settings, config) as service:
        cpu = time.process_time()
        result = await pipeline.poll_source(service.crawler, config.sources[0], now=_board.NOW)
        cpu = time.process_time() - cpu
    return cpu, len(result.new_mentions), result.error


async def run(arguments: argparse.Namespace) -> int:
    variants = ["as built", *FAST_PATHS]
    crawled = {variant: Crawled() for variant in variants}
    with (
        board_server(arguments.threads, arguments.posts) as (port, pages),
        tempfile.TemporaryDirectory() as root,
        open(os.devnull, "w", encoding="utf-8") as devnull,  # noqa: ASYNC230
    ):
        logs.configure("WARNING", devnull)
        await crawl_once(port, Path(root) / "warm-up")  # every module loaded, caches warm
        for round_number in range(arguments.rounds):
            for variant in variants:
                with standard(variant):
                    folder = Path(root) / f"{round_number}-{variants.index(variant)}"
                    cpu, mentions, error = await crawl_once(port, folder)
                if error:
                    print(f"{variant}: the crawl failed: {error}", file=sys.stderr)
                    return 1
                crawled[variant].cpu_s.append(cpu)
                crawled[variant].mentions = mentions
    baseline = crawled["as built"]
    print(f"{arguments.threads} threads x {arguments.posts} posts: {pages} pages, "
          f"{baseline.mentions} mentions; best of {arguments.rounds} rounds\n")  # fmt: skip
    print("| variant | CPU per crawl (best) | per page | against as built |")
    print("|---|---:|---:|---:|")
    best_base = min(baseline.cpu_s)
    for variant in variants:
        best = min(crawled[variant].cpu_s)
        print(f"| {variant} | {best * 1000:.0f} ms | {best / pages * 1000:.2f} ms | "
              f"{best / best_base:.3f}x |")  # fmt: skip
    wrong = [v for v in variants if crawled[v].mentions != baseline.mentions]
    if wrong:
        print(f"different mentions stored by: {', '.join(wrong)}", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=30)
    parser.add_argument("--posts", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
