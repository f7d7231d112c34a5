"""One crawl of a source at a time, provably: two replicas on one database (SQLite file,
PostgreSQL) and a page slower than the crawl lease (slow itself, behind a slow redirect,
behind a slow robots.txt). The heartbeat keeps the lease while the page is in flight, so
the other replica never crawls beside it; and a crawl whose lease was taken over (as
after a stalled process) stores nothing and says so.

The lease is shrunk to 1 s (`lease.Timing`), the page takes 2.5 s; the server counts how
many requests for a path it answered at once.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.crawl import lease, pipeline
from monitor.service.parts import Service, open_service
from monitor.store import db
from monitor.store import sources as stored_sources
from monitor.store.schema import Document, Source
from tests.conftest import Entry, FeedServer, rss_feed
from tests.integration.conftest import database_url

pytestmark = pytest.mark.usefixtures("database")  # [sqlite] and [postgres]
TIMING = lease.Timing(lease=timedelta(seconds=1))
SLOW = 2.5  # seconds: longer than the lease, shorter than the fetch deadline
FEED = rss_feed([Entry("Vaude Zelt undicht", "https://blog.example/1", "Vaude …")])


def config(url: str) -> sources_yaml.Config:
    return sources_yaml.parse(
        "brands:\n  - {name: Vaude, query: Vaude}\n"
        f"sources:\n  - {{type: feed, name: Blog, url: '{url}'}}\n"
        "hosts:\n  127.0.0.1: {delay: 0}\n",
        filename="sources.yaml",
    )


@asynccontextmanager
async def replicas(tmp_path: Path, configured: sources_yaml.Config) -> AsyncIterator[list[Service]]:
    settings = Settings(data_dir=tmp_path, database_url=database_url(tmp_path), smtp_url=None,
                        allow_hosts=("127.0.0.1",))  # fmt: skip
    async with AsyncExitStack() as stack:
        found = []
        for _ in range(2):
            service = await stack.enter_async_context(open_service(settings, configured))
            crawler = dataclasses.replace(service.crawler, timing=TIMING)
            found.append(dataclasses.replace(service, crawler=crawler))
        yield found


async def crawl_side_by_side(
    first: Service, second: Service, source: object
) -> tuple[pipeline.CrawlResult, list[pipeline.CrawlResult]]:
    """`first` crawls; `second` tries every 0.3 s while it does, as a replica's timer would.
    The tries that ended while `first` was still crawling (one that began as it finished
    may rightly crawl after it)."""
    crawling = asyncio.create_task(
        pipeline.poll_source(first.crawler, source, now=datetime.now(UTC))  # type: ignore[arg-type]
    )
    tries = []
    while True:
        await asyncio.sleep(0.3)
        if crawling.done():
            break
        tried = await pipeline.poll_source(
            second.crawler,
            source,
            now=datetime.now(UTC),  # type: ignore[arg-type]
        )
        if not crawling.done():
            tries.append(tried)
    return await crawling, tries


@pytest.mark.parametrize("slow", ["page", "redirect", "robots.txt"])
async def test_a_page_slower_than_the_lease_is_crawled_by_one_replica_only(
    tmp_path: Path, feed_server: FeedServer, slow: str
) -> None:
    feed_server.serve("/feed", FEED, delay=SLOW if slow == "page" else 0.0)
    feed_server.serve("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain",
                      delay=SLOW if slow == "robots.txt" else 0.0)  # fmt: skip
    start = "/feed"
    if slow == "redirect":
        start = "/go"
        feed_server.serve("/go", "", status=302, delay=SLOW,
                          headers={"location": feed_server.url("/feed")})  # fmt: skip
    configured = config(feed_server.url(start))
    slow_path = {"page": "/feed", "redirect": "/go", "robots.txt": "/robots.txt"}[slow]

    async with replicas(tmp_path, configured) as (first, second):
        crawled, tries = await crawl_side_by_side(first, second, configured.sources[0])
        async with db.transaction(first.sessions) as session:
            stored = await session.scalar(select(func.count()).select_from(Document))

    assert crawled.error is None, crawled.error
    assert len(crawled.new_mentions) == 1
    assert len(tries) >= 5  # the other replica kept trying while the page was in flight
    assert all(t.skipped for t in tries), [t for t in tries if not t.skipped]
    assert feed_server.most_at_once[slow_path] == 1
    assert stored == 1


async def test_a_wait_for_the_hosts_slot_longer_than_the_lease_is_one_crawl_too(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Two sources on one host that allows one request at a time: the second source's crawl
    waits for the slot longer than the lease while the first one's slow page is read; the
    other replica, trying the second source meanwhile, is turned away."""
    feed_server.serve("/slow", FEED, delay=SLOW)
    feed_server.serve("/other", FEED.replace("/1", "/2"))
    configured = sources_yaml.parse(
        "brands:\n  - {name: Vaude, query: Vaude}\n"
        f"sources:\n  - {{type: feed, name: Slow, url: '{feed_server.url('/slow')}'}}\n"
        f"  - {{type: feed, name: Waiting, url: '{feed_server.url('/other')}'}}\n"
        "hosts:\n  127.0.0.1: {delay: 0, concurrency: 1}\n",
        filename="sources.yaml",
    )
    slow, waiting = configured.sources
    async with replicas(tmp_path, configured) as (first, second):
        reading = asyncio.create_task(
            pipeline.poll_source(first.crawler, slow, now=datetime.now(UTC))
        )
        while not feed_server.requests_for("/slow"):  # noqa: ASYNC110 (another thread's state)
            await asyncio.sleep(0.05)
        crawled, tries = await crawl_side_by_side(first, second, waiting)
        await reading

    assert crawled.error is None, crawled.error
    assert len(tries) >= 4  # it waited longer than the 1 s lease
    assert all(t.skipped for t in tries), [t for t in tries if not t.skipped]


async def test_a_crawl_whose_lease_was_taken_over_stops_and_stores_nothing(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """As after a process stalled past its lease: another worker claimed the source. The
    stalled crawl's next heartbeat finds the claim gone, so it stops without storing."""
    feed_server.serve("/feed", FEED, delay=SLOW)
    configured = config(feed_server.url("/feed"))

    async with replicas(tmp_path, configured) as (first, _):
        crawling = asyncio.create_task(
            pipeline.poll_source(first.crawler, configured.sources[0], now=datetime.now(UTC))
        )
        while not feed_server.requests_for("/feed"):  # noqa: ASYNC110 (another thread's state)
            await asyncio.sleep(0.05)
        async with db.transaction(first.sessions) as session:
            await session.execute(
                update(Source).values(lease_until=datetime(2000, 1, 1, tzinfo=UTC))
            )
            (source_id,) = (await session.scalars(select(Source.id))).all()
            other = await stored_sources.claim(session, source_id, now=datetime.now(UTC),
                                               lease=timedelta(minutes=5))  # fmt: skip
        crawled = await crawling
        async with db.transaction(first.sessions) as session:
            stored = await session.scalar(select(func.count()).select_from(Document))
            token = await session.scalar(select(Source.lease_token))
            crawled_at = await session.scalar(select(Source.last_crawled_at))

    assert other is not None
    assert crawled.error is not None
    assert crawled.error.startswith("not stored: Blog: another worker took the source over")
    assert stored == 0
    assert token == other  # the other worker's claim stands
    assert crawled_at is None  # and this crawl recorded nothing over it
