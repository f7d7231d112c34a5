"""Steady-state cost of polling many feeds: CPU and memory of one replica, and our overhead
over bare conditional GETs.

    .venv/bin/python bench/scale.py [--sources 2000] [--seconds 20] [--hosts 50]
                                    [--entries 10] [--concurrency 50] [--changed 0.05]
                                    [--profile] [--profile-sources 300]

A subprocess (`bench/_loopback.py`, so its CPU is not ours) serves `--sources` RSS feeds
of `--entries` items (10, WordPress's default) on `--hosts` loopback IPs (127.0.0.2, …:
the fetcher keeps one politeness gate per host name, so distinct ports on 127.0.0.1 would
be one host). Each round, a seeded `--changed` share of the feeds (5 %) gets one new
item; the others answer a conditional GET with 304 Not Modified, as most real feeds do
most of the time.

Then, in this process, through the real code path: a sources.yaml text with one `feed`
source per feed and a `hosts:` policy per IP (concurrency 8, delay 0, so politeness does
not dominate), `config.parse`, `service.open_service` (SQLite in a temp dir, migrated by
Alembic; the fetcher with 127.0.0.x allowed), logs at INFO as `monitor run` writes them
(to /dev/null), and `pipeline.poll_source` for every source in rounds, at most
`--concurrency` at once (the scheduler's interval jobs, bounded). A first round stores the
baseline (every item is new); it is not measured.

- ours: one round of `poll_source` over every source;
- bare: the same conditional GETs with a bare `httpx.AsyncClient` (ETags kept in a dict,
  body read, nothing parsed or stored), the same concurrency: the least any poller pays.

Rounds alternate (the server advances once per pair, so both see the same feeds change)
until `--seconds` have passed, at least two each. CPU is this process's
(`time.process_time`, every thread: aiosqlite's included), memory is VmRSS. The machine
may be shared with other benchmarks, so the best round counts and the median is shown.

Prints a table for the README, the projection to 10,000 sources every 15 minutes, and a
verdict against the goal: under a quarter of one core in steady state. When the goal is
missed (or with `--profile`) `--profile-sources` crawls of one more round run under
cProfile, one at a time, and the top entries of our package by cumulative time are
printed. Exits 1 when a crawl fails.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import _loopback
import _subprocess
import httpx

from monitor import sources
from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.crawl import pipeline
from monitor.service.parts import Service, open_service
from monitor.telemetry import logs

TARGET_SOURCES = 10_000
TARGET_INTERVAL_S = 15 * 60
TARGET_CORE_SHARE = 0.25
MIN_ROUNDS = 2
PACKAGE = str(Path(pipeline.__file__).resolve().parent)


def rss_mb() -> float:
    """This process's resident memory now, from /proc/self/status (VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def config_text(sources: int, hosts: int, port: int) -> str:
    """sources.yaml for `sources` feeds on `hosts` loopback IPs."""
    lines = [
        "settings:",
        "  contact: bench@example.org",
        "  every: 15m",
        "brands:",
        "  - name: Vaude",
        "    query: Vaude",
        "  - name: Müller Medical",
        "    query: '\"Müller Medical\"'",
        "  - name: Deuter",
        "    query: Deuter -Deutschland",
        "alerts:",
        "  - name: daily",
        "    recipients: [team@example.org]",
        "    digest: daily at 08:00",
        "hosts:",
    ]
    lines += [
        f"  {_loopback.host_ip(h, hosts)}: {{concurrency: 8, delay: 0}}" for h in range(hosts)
    ]
    lines.append("sources:")
    for feed in range(sources):
        lines += [
            f"  - name: feed-{feed:05d}",
            "    type: feed",
            f"    url: {_loopback.feed_url(feed, hosts, port)}",
        ]
    return "\n".join(lines) + "\n"


@contextmanager
def feed_server(sources: int, hosts: int, entries: int) -> Iterator[int]:
    """The loopback feed server in a subprocess; yields its port."""
    with _subprocess.server(
        _loopback.__file__, "--feeds", str(sources), "--hosts", str(hosts),
        "--entries", str(entries),
    ) as ready:  # fmt: skip
        yield int(ready[0])


@dataclass(frozen=True)
class Round:
    wall_s: float
    cpu_s: float
    rss_mb: float


async def measured(work: Callable[[], Awaitable[None]]) -> Round:
    wall, cpu = time.perf_counter(), time.process_time()
    await work()
    return Round(time.perf_counter() - wall, time.process_time() - cpu, rss_mb())


class Ours:
    """One round: `pipeline.poll_source` for every source, `concurrency` at once."""

    def __init__(self, service: Service, concurrency: int) -> None:
        self.service = service
        self.gate = asyncio.Semaphore(concurrency)
        self.errors: list[str] = []
        self.changed = 0

    async def crawl(self, source: sources.SourceBase) -> None:
        async with self.gate:
            # Each job reads the clock as the scheduler's does.
            result = await pipeline.poll_source(self.service.crawler, source, now=datetime.now(UTC))
        if result.error or result.skipped:
            self.errors.append(f"{result.source}: {result.error or 'skipped'}")
        elif result.pages != result.not_modified:
            self.changed += 1

    async def round(self) -> None:
        self.changed = 0
        await asyncio.gather(*(self.crawl(s) for s in self.service.config.sources))


class Bare:
    """One round: the same conditional GETs with a bare httpx client, nothing else."""

    def __init__(self, client: httpx.AsyncClient, urls: list[str], concurrency: int) -> None:
        self.client = client
        self.urls = urls
        self.gate = asyncio.Semaphore(concurrency)
        self.etags: dict[str, str] = {}
        self.changed = 0

    async def _one(self, url: str) -> None:
        etag = self.etags.get(url)
        async with self.gate:
            response = await self.client.get(url, headers={"If-None-Match": etag} if etag else {})
        if response.status_code == 200:
            self.etags[url] = response.headers["etag"]
            self.changed += 1
        elif response.status_code != 304:
            raise SystemExit(f"bare GET {url}: HTTP {response.status_code}")

    async def round(self) -> None:
        self.changed = 0
        await asyncio.gather(*(self._one(url) for url in self.urls))


@dataclass(frozen=True)
class Summary:
    """Best and median of the rounds, wall and CPU apart (the best of each may differ)."""

    wall_s: float
    cpu_s: float
    median_wall_s: float
    median_cpu_s: float
    rss_mb: float
    rounds: int

    @classmethod
    def of(cls, rounds: list[Round]) -> Summary:
        return cls(
            min(r.wall_s for r in rounds),
            min(r.cpu_s for r in rounds),
            statistics.median(r.wall_s for r in rounds),
            statistics.median(r.cpu_s for r in rounds),
            max(r.rss_mb for r in rounds),
            len(rounds),
        )


async def run(arguments: argparse.Namespace) -> int:
    count, hosts = arguments.sources, arguments.hosts
    rss_start = rss_mb()
    with (
        feed_server(count, hosts, arguments.entries) as port,
        tempfile.TemporaryDirectory() as folder,
    ):
        base = f"http://{_loopback.host_ip(0, hosts)}:{port}"
        started = time.perf_counter()
        config = sources_yaml.parse(config_text(count, hosts, port))
        parse_s = time.perf_counter() - started
        config_mb = rss_mb() - rss_start
        settings = Settings(
            data_dir=Path(folder), http_port=0, log_level="INFO",
            allow_hosts=tuple(_loopback.host_ip(h, hosts) for h in range(hosts)),
        )  # fmt: skip
        with open(os.devnull, "w", encoding="utf-8") as devnull:  # noqa: ASYNC230
            logs.configure(settings.log_level, devnull)
            async with (
                open_service(settings, config) as service,
                httpx.AsyncClient(timeout=60) as bare_client,
            ):
                ours = Ours(service, arguments.concurrency)
                bare = Bare(bare_client, [s.url for s in config.sources], arguments.concurrency)
                # One crawl first: every module is loaded and every cache warm, so what the
                # round adds to the memory is what the sources cost.
                await ours.crawl(config.sources[0])
                fixed_mb = rss_mb() - config_mb
                warm = await measured(ours.round)
                await bare.round()
                print(f"warm-up: {count:,} feeds stored in {warm.wall_s:.1f} s "
                      f"({warm.cpu_s:.1f} s CPU); config parsed in {parse_s:.2f} s",
                      file=sys.stderr)  # fmt: skip
                if ours.errors:
                    print("\n".join(ours.errors[:10]), file=sys.stderr)
                    return 1

                mine: list[Round] = []
                theirs: list[Round] = []
                changed: list[int] = []
                number = 0
                budget_from = time.perf_counter()
                while (
                    len(mine) < MIN_ROUNDS or time.perf_counter() - budget_from < arguments.seconds
                ):
                    number += 1
                    await advance(bare_client, base, number, arguments.changed)
                    pair = [(ours, mine), (bare, theirs)]
                    for poller, into in pair if number % 2 else reversed(pair):
                        into.append(await measured(poller.round))
                    changed.append(ours.changed)
                    if ours.errors or ours.changed != bare.changed:
                        print("\n".join(ours.errors[:10]) or
                              f"ours saw {ours.changed} changed feeds, bare {bare.changed}",
                              file=sys.stderr)  # fmt: skip
                        return 1
                    print(f"round {number}: ours {mine[-1].wall_s:.2f} s wall "
                          f"{mine[-1].cpu_s:.2f} s CPU, bare {theirs[-1].wall_s:.2f} s wall "
                          f"{theirs[-1].cpu_s:.2f} s CPU", file=sys.stderr)  # fmt: skip

                report(
                    arguments, Summary.of(mine), Summary.of(theirs), changed, rss_start, fixed_mb
                )
                ours_cpu = Summary.of(mine).cpu_s
                if arguments.profile or share(ours_cpu, count) >= TARGET_CORE_SHARE:
                    await advance(bare_client, base, number + 1, arguments.changed)
                    await profile(ours, min(count, arguments.profile_sources))
    return 0


async def advance(client: httpx.AsyncClient, base: str, number: int, share_: float) -> None:
    """Let the server change `share_` of its feeds for this round (outside any timing)."""
    answer = await client.get(f"{base}/_advance", params={"round": number, "share": share_})
    answer.raise_for_status()


def share(cpu_s: float, count: int) -> float:
    """One core's share that `cpu_s` per round of `count` sources means at the target size."""
    return cpu_s / count * TARGET_SOURCES / TARGET_INTERVAL_S


def report(
    arguments: argparse.Namespace, ours: Summary, bare: Summary, changed: list[int],
    rss_start: float, fixed_mb: float,
) -> None:  # fmt: skip
    count = arguments.sources
    per_1000 = {name: s.cpu_s / count * 1000 for name, s in (("ours", ours), ("bare", bare))}
    rss_end = max(ours.rss_mb, rss_mb())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the warm-up's too
    # Fixed: the interpreter, its imports, the engine and client after one crawl. The rest
    # grows with the sources (config objects, per-host state), but also holds what the
    # warm-up and the caches left: linear from the fixed part, so an upper bound.
    per_source_kb = max(rss_end - fixed_mb, 0.0) * 1024 / count
    projected_mb = fixed_mb + per_source_kb * TARGET_SOURCES / 1024
    ours_share, bare_share = share(ours.cpu_s, count), share(bare.cpu_s, count)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    rows = [
        ("sources / hosts / concurrency",
         f"{count:,} feeds on {arguments.hosts} loopback hosts, "
         f"{arguments.concurrency} at once",
         "same", ""),
        ("changed per round",
         f"{statistics.mean(changed):.0f} ({arguments.changed:.0%}), the rest 304",
         "same", ""),
        ("steady-state rounds", f"{ours.rounds}", f"{bare.rounds}", ""),
        ("wall per round, best / median",
         f"{ours.wall_s:.2f} s / {ours.median_wall_s:.2f} s",
         f"{bare.wall_s:.2f} s / {bare.median_wall_s:.2f} s",
         f"{ours.wall_s / bare.wall_s:.1f}x"),
        ("CPU per round, best / median",
         f"{ours.cpu_s:.2f} s / {ours.median_cpu_s:.2f} s",
         f"{bare.cpu_s:.2f} s / {bare.median_cpu_s:.2f} s",
         f"{ours.cpu_s / bare.cpu_s:.1f}x"),
        ("CPU per 1,000 sources per round", f"{per_1000['ours']:.2f} s",
         f"{per_1000['bare']:.2f} s", f"{per_1000['ours'] / per_1000['bare']:.1f}x"),
        ("CPU per source per round", f"{per_1000['ours']:.2f} ms", f"{per_1000['bare']:.2f} ms",
         ""),
        ("RSS: imports / fixed / after the rounds / peak",
         f"{rss_start:.0f} / {fixed_mb:.0f} / {rss_end:.0f} / {peak_mb:.0f} MB",
         "(same process)", ""),
        (f"projected: {TARGET_SOURCES:,} sources every {TARGET_INTERVAL_S // 60} min, CPU",
         f"{ours_share:.1%} of one core", f"{bare_share:.1%} of one core",
         f"{ours_share / bare_share:.1f}x"),
        (f"projected: {TARGET_SOURCES:,} sources, round wall time",
         f"{ours.wall_s / count * TARGET_SOURCES:.0f} s of {TARGET_INTERVAL_S} s",
         f"{bare.wall_s / count * TARGET_SOURCES:.0f} s", ""),
        (f"projected: {TARGET_SOURCES:,} sources, RSS",
         f"at most ~{projected_mb:.0f} MB ({per_source_kb:.0f} KB per source)", "", ""),
    ]  # fmt: skip
    header = ("measure", "monitor (poll_source)", "bare httpx (GET only)", "ratio")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    print(f"Best of the steady-state rounds; the machine was shared (load average {load} on "
          f"{os.cpu_count()} cores); the feed server ran in a subprocess, its CPU not "
          "counted.")  # fmt: skip
    met = ours_share < TARGET_CORE_SHARE
    print(f"goal: {TARGET_SOURCES:,} sources at {TARGET_INTERVAL_S // 60} minutes on one "
          f"replica under a quarter of one core in steady state: "
          f"{'MET' if met else 'MISSED'} ({ours_share:.1%} of one core, "
          f"{ours_share / TARGET_CORE_SHARE:.0%} of the budget)")  # fmt: skip


async def profile(ours: Ours, count: int, top: int = 10) -> None:
    """Profile `count` crawls of a steady-state round, one at a time, on this thread's CPU
    clock; print the top entries under monitor/ by cumulative time, and by self time overall.

    One at a time because SQLAlchemy's asyncio layer switches greenlets, which cProfile
    does not see: with crawls interleaved, one crawl's frames would be charged for the
    others' work. aiosqlite's worker threads are not profiled; their share is printed."""
    chosen = ours.service.config.sources[:count]
    profiler = cProfile.Profile(time.thread_time)
    cpu, thread = time.process_time(), time.thread_time()
    profiler.enable()
    for source in chosen:
        await pipeline.poll_source(ours.service.crawler, source, now=datetime.now(UTC))
    profiler.disable()
    cpu, thread = time.process_time() - cpu, time.thread_time() - thread
    stats = pstats.Stats(profiler, stream=io.StringIO())
    rows = stats.stats.items()  # type: ignore[attr-defined]
    ours_rows = [
        (cumtime, calls, _name(path, line, function))
        for (path, line, function), (_, calls, _, cumtime, _) in rows
        if path.startswith(PACKAGE)
    ]
    self_rows = [
        (tottime, calls, _name(path, line, function))
        for (path, line, function), (_, calls, tottime, _, _) in rows
    ]
    print(
        f"\nProfile: {len(chosen):,} crawls of a steady-state round one after another, "
        f"{cpu:.2f} s CPU ({cpu - thread:.2f} s in other threads: aiosqlite, not profiled), "
        f"{cpu / len(chosen) * 1000:.1f} ms per crawl with the profiler on"
    )
    for title, entries in (
        ("cumulative, under monitor/", ours_rows),
        ("self, any code", self_rows),
    ):
        print(f"\n| {title} | per crawl | calls per crawl | function |")
        print("|---:|---:|---:|---|")
        for seconds, calls, name in sorted(entries, reverse=True)[:top]:
            print(f"| {seconds:.2f} s | {seconds / len(chosen) * 1000:.2f} ms "
                  f"| {calls / len(chosen):.1f} | `{name}` |")  # fmt: skip


def _name(path: str, line: int, function: str) -> str:
    if path.startswith(PACKAGE):
        return f"{Path(path).relative_to(Path(PACKAGE).parent)}:{line} {function}"
    if "site-packages/" in path:
        return f"{path.split('site-packages/', 1)[1]}:{line} {function}"
    return f"{Path(path).name}:{line} {function}" if path != "~" else function


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--sources", type=int, default=2000)
    options.add_argument("--seconds", type=float, default=20.0,
                         help="time for steady-state rounds (at least 2 each)")  # fmt: skip
    options.add_argument("--hosts", type=int, default=50)
    options.add_argument("--entries", type=int, default=10, help="items per feed")
    options.add_argument("--concurrency", type=int, default=50)
    options.add_argument("--changed", type=float, default=0.05, help="share changed per round")
    options.add_argument("--profile", action="store_true", help="profile even when the goal is met")
    options.add_argument("--profile-sources", type=int, default=300, help="crawls profiled")
    arguments = options.parse_args()
    return asyncio.run(run(arguments))


if __name__ == "__main__":
    sys.exit(main())
