"""`monitor crawl` of thousands of sources in one command, on SQLite and on PostgreSQL: no
source waits for a database connection beyond what the pool holds (crawls run at most
`pipeline.CRAWLS_AT_ONCE` at once), the summary prints, and every source is in it.

The number of sources is MONITOR_TEST_MANY_SOURCES (2,500 by default, as CI runs it: more
than the 2,249 at which one command used to die of `QueuePool limit reached`; 10,000 is
the goal and was run by hand, see the README).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.crawl import pipeline
from monitor.store import db
from tests.conftest import Entry, FeedServer, rss_feed
from tests.e2e.conftest import run_monitor

SOURCES = int(os.environ.get("MONITOR_TEST_MANY_SOURCES", "2500"))


def write_sources(folder: Path, server: FeedServer) -> None:
    published = datetime.now(UTC) - timedelta(hours=1)
    lines = []
    for n in range(SOURCES):
        title = f"Vaude Beitrag {n}" if n % 10 == 0 else f"Beitrag {n}"  # a tenth mention it
        server.serve(f"/f/{n}.xml", rss_feed([Entry(title, server.url(f"/p/{n}"), title,
                                                    published)]))  # fmt: skip
        lines.append(f"  - {{name: feed{n}, type: feed, url: '{server.url(f'/f/{n}.xml')}'}}\n")
    (folder / "sources.yaml").write_text(
        "brands: [{name: Vaude, query: Vaude}]\nsources:\n" + "".join(lines)
        + "hosts:\n  127.0.0.1: {delay: 0, concurrency: 16}\n",
        encoding="utf-8",
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_one_crawl_of_thousands_of_sources_reports_every_one(
    tmp_path: Path, feed_server: FeedServer, fresh_postgres: Callable[[], str], backend: str
) -> None:
    assert pipeline.CRAWLS_AT_ONCE * 2 < db.CONNECTIONS  # the bound that keeps the pool
    write_sources(tmp_path, feed_server)
    env = {"MONITOR_ALLOW_HOSTS": "127.0.0.1", "COLUMNS": "200"}
    if backend == "postgres":
        env["MONITOR_DATABASE_URL"] = fresh_postgres()

    result = run_monitor("crawl", cwd=tmp_path, timeout=900, **env)

    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "QueuePool" not in result.stderr + result.stdout
    reported = {
        word for line in result.stdout.splitlines() for word in line.split() if word[4:].isdigit()
        and word.startswith("feed")
    }  # fmt: skip
    assert len(reported) == SOURCES
    rows = [line.split("│") for line in result.stdout.splitlines() if "│ feed" in line]
    errors = [cells[1].strip() + ": " + cells[-2].strip() for cells in rows if cells[-2].strip()]
    assert errors == []
