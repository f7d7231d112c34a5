"""A whole board crawl, monitor against Scrapy + parsel doing the same work.

    .venv/bin/pip install -e '.[bench]'      # Scrapy, for the peer only
    .venv/bin/python bench/versus_scrapy.py [--threads 30] [--posts 30] [--rounds 3]

The board of bench/crawl.py (`bench/_board.py`: phpBB prosilver markup, `--threads`
threads of `--posts` posts, ten to a page) is served by a subprocess pinned to the
second core. Interleaved, `--rounds` times each, pinned to the first core:

- monitor: `pipeline.poll_source` on the board as a new source (robots.txt, politeness,
  the phpbb preset, dates, quotes left out, three brands matched, documents, stories,
  mentions and seen items stored in a new SQLite file);
- Scrapy: `bench/_scrapy_peer.py` in a subprocess, the same pages with the same
  selectors, dates and quote handling, the brands as substrings, posts and mentions
  stored in SQLite with executemany per page.

Both count their own CPU and wall-clock time for the crawl alone (not start-up). Prints,
medians over the rounds, pages per CPU-second and per wall second for both, and their
ratios. Targets:
monitor >= 2.5x Scrapy's pages per second, and >= 300 pages per CPU-second.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from crawl import board_server, timed_crawl

PEER = Path(__file__).with_name("_scrapy_peer.py")


def _pin(core: int) -> None:
    if hasattr(os, "sched_setaffinity") and core < (os.cpu_count() or 1):
        os.sched_setaffinity(0, {core})


def scrapy_once(port: int, folder: Path) -> tuple[float, float, int]:
    """CPU seconds, wall seconds and pages of one Scrapy crawl."""
    done = subprocess.run(
        [sys.executable, str(PEER), str(port), str(folder / "scrapy.db")],
        capture_output=True, text=True, check=True, preexec_fn=lambda: _pin(0),
    )  # fmt: skip
    last = done.stdout.strip().splitlines()[-1].split()  # PAGES n CPU s WALL s
    return float(last[3]), float(last[5]), int(last[1])


def ours_once(port: int, folder: Path) -> tuple[float, float, int]:
    """CPU seconds, wall seconds and mentions of one monitor crawl."""
    cpu, wall, mentions, error = asyncio.run(timed_crawl(port, folder))
    if error:
        raise SystemExit(f"monitor's crawl failed: {error}")
    return cpu, wall, mentions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=30)
    parser.add_argument("--posts", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    _pin(0)
    ours_cpu, ours_wall, peer_cpu, peer_wall = [], [], [], []
    with board_server(args.threads, args.posts) as (port, pages):
        for _ in range(args.rounds):
            with tempfile.TemporaryDirectory() as folder:
                cpu, wall, _ = ours_once(port, Path(folder))
                ours_cpu.append(pages / cpu)
                ours_wall.append(pages / wall)
            with tempfile.TemporaryDirectory() as folder:
                cpu, wall, read = scrapy_once(port, Path(folder))
                if read != pages:
                    raise SystemExit(f"Scrapy read {read} pages of {pages}")
                peer_cpu.append(pages / cpu)
                peer_wall.append(pages / wall)
    median = statistics.median
    print(f"{args.threads} threads x {args.posts} posts: {pages} pages; "
          f"medians of {args.rounds} interleaved rounds, one core\n")  # fmt: skip
    print("| crawl | pages per CPU-second | pages per second |")
    print("|---|---:|---:|")
    print(f"| monitor | {median(ours_cpu):,.0f} | {median(ours_wall):,.0f} |")
    print(f"| Scrapy + parsel | {median(peer_cpu):,.0f} | {median(peer_wall):,.0f} |")
    print(f"| ratio | {median(ours_cpu) / median(peer_cpu):.2f}x | "
          f"{median(ours_wall) / median(peer_wall):.2f}x |")  # fmt: skip
    print("\ntargets: 2.5x Scrapy, 300 pages per CPU-second")


if __name__ == "__main__":
    main()
