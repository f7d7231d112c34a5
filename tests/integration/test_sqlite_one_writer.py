"""200 sources crawled at once into one SQLite file: every crawl is stored, none meets
"database is locked", and a reader is answered while they write.

Writers take turns in the process (store.db), each holding the write lock from its
BEGIN; before, a crawl that had read first and then wrote failed at once whenever
another crawl had committed in between.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.crawl import pipeline
from monitor.service.parts import open_service
from monitor.store import db
from monitor.store.schema import Mention
from tests.conftest import Entry, FeedServer, rss_feed
from tests.integration.conftest import sqlite_url

NOW = datetime(2024, 3, 15, 11, 0, tzinfo=UTC)
SOURCES = 200
ENTRIES = 5


async def test_two_hundred_crawls_at_once_all_store_and_none_is_locked_out(
    tmp_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite's own busy wait is unfair: under load a writer can wait past any timeout.
    # With a short one, writers that queue in SQLite fail in this test at once; writers
    # that take turns in the process never reach it.
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 20)
    lines = ["brands: [{name: Vaude, query: Vaude}]", "sources:"]
    for number in range(SOURCES):
        entries = [
            Entry(f"Vaude {number}-{i}", feed_server.url(f"/{number}/{i}"),
                  f"Die Vaude Jacke Nummer {i} von Quelle {number}", NOW - timedelta(hours=i))
            for i in range(ENTRIES)
        ]  # fmt: skip
        url = feed_server.serve(f"/feed/{number}.xml", rss_feed(entries))
        lines.append(f"  - {{type: feed, name: s{number}, url: '{url}'}}")
    lines += ["hosts:", "  127.0.0.1: {delay: 0, concurrency: 16}"]
    config = sources_yaml.parse("\n".join(lines) + "\n", filename="sources.yaml")
    settings = Settings(data_dir=tmp_path, database_url=sqlite_url(tmp_path / "one.db"),
                        allow_hosts=("127.0.0.1",))  # fmt: skip

    async with open_service(settings, config) as service:
        crawls = asyncio.gather(
            *(pipeline.poll_source(service.crawler, source, now=NOW) for source in config.sources)
        )
        # A reader during the writes: answered, not locked out.
        await asyncio.sleep(0.2)
        async with service.sessions() as session:
            during = await session.scalar(select(func.count()).select_from(Mention))
        results = await crawls
        async with service.sessions() as session:
            stored = await session.scalar(select(func.count()).select_from(Mention))

    errors = [r.error for r in results if r.error]
    assert errors == []
    assert during is not None
    assert stored == SOURCES * ENTRIES


async def test_a_crawls_reads_of_its_history_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    engine = db.create_engine(sqlite_url(tmp_path / "reads.db"))
    await db.upgrade(engine)
    sessions = db.sessions(engine)
    history = pipeline._StoredHistory(sessions, source_id=1)
    try:
        async with db.transaction(sessions) as writing:
            await writing.execute(select(func.count()).select_from(Mention))
            # A writer holds the process's turn: the walk's look-ups go on regardless.
            async with asyncio.timeout(2):
                assert await history.memory() == {}
                assert await history.validators("https://board.example/") == (None, None)
                assert await history.known(["https://board.example/t/1"]) == set()
    finally:
        await engine.dispose()
