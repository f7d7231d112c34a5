"""Crawl leases when a crawl is cancelled (what SIGTERM does to a running job) on
PostgreSQL: the source must be handed back whatever the crawl was doing.

To cancel it at a known point, another connection holds an exclusive lock on the
documents table, so the crawl stops in its final transaction (saving what it found)
until the test cancels it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from monitor.crawl import pipeline
from monitor.demo import mailsink
from monitor.store import db
from monitor.store import sources as stored_sources
from monitor.store.schema import Source
from tests.conftest import Entry, FeedServer, Mailroom, rss_feed
from tests.integration.conftest import Database

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def wait_for_lock_waiter(locker: psycopg.AsyncConnection[tuple[object, ...]]) -> None:
    """Until a session of this database waits for a lock (the crawl, on `documents`)."""
    for _ in range(200):
        waiting = await (
            await locker.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ).fetchone()
        if waiting and waiting[0]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the crawl never reached the locked table")


async def test_a_crawl_cancelled_while_saving_gives_its_source_back(
    mailroom: Mailroom,
    database: Database,
    feed_server: FeedServer,
    smtp_sink: mailsink.MailSink,
) -> None:
    url = feed_server.serve(
        "/blog.xml",
        rss_feed([Entry("Vaude Jacke", "https://blog.example/1", "Die Vaude Jacke", NOW)]),
    )
    config = mailroom.config("  []\n", sources={"Blog": url})
    conninfo = make_url(database.url).set(drivername="postgresql")
    locker = await psycopg.AsyncConnection.connect(conninfo.render_as_string(hide_password=False))
    try:
        async with mailroom.service(config, smtp_sink.url) as service:
            await locker.execute("BEGIN")
            await locker.execute("LOCK TABLE documents IN ACCESS EXCLUSIVE MODE")
            crawl = asyncio.create_task(
                pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
            )
            await wait_for_lock_waiter(locker)
            crawl.cancel()
            with pytest.raises(asyncio.CancelledError):
                await crawl
            await locker.execute("ROLLBACK")

            async with db.transaction(service.sessions) as session:
                source_id, lease = (
                    await session.execute(select(Source.id, Source.lease_until))
                ).one()
                taken = await stored_sources.claim(
                    session, source_id, now=NOW + timedelta(seconds=1), lease=timedelta(seconds=60)
                )
    finally:
        await locker.close()

    assert lease is None, f"still leased until {lease}"
    assert taken
