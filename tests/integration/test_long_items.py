"""An item longer than an item may be (a 1 MB "post") is stored, matched and mailed cut to
walk.MAX_TEXT_CHARS with a marker, and the crawl says so; control characters and terminal
escapes never reach the database. Real parts: loopback HTTP, a feed source, SQLite and
PostgreSQL through Alembic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.crawl import pipeline, walk
from monitor.service.parts import open_service
from monitor.store import db
from monitor.store.schema import Document
from tests.conftest import Entry, FeedServer, rss_feed
from tests.integration.conftest import database_url

pytestmark = pytest.mark.usefixtures("database")
NOW = datetime(2024, 3, 15, 11, 0, tzinfo=UTC)


async def test_a_huge_item_is_cut_with_a_marker_and_a_warning(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    body = "Vaude NEAR test \x1b[31m" + "Müller Vaude Jacke " * 60_000  # about 1.1 MB
    url = feed_server.serve("/feed.xml", rss_feed([
        Entry("Vaude\x07 Titel", feed_server.url("/p/1"), body, NOW - timedelta(hours=1))
    ]))  # fmt: skip
    config = sources_yaml.parse(
        "brands: [{name: Vaude, query: 'Müller NEAR/2 Vaude'}]\n"
        f"sources:\n  - {{type: feed, name: Blog, url: '{url}'}}\n"
        "hosts:\n  127.0.0.1: {delay: 0}\n",
        filename="sources.yaml",
    )
    settings = Settings(data_dir=tmp_path, database_url=database_url(tmp_path), smtp_url=None,
                        allow_hosts=("127.0.0.1",))  # fmt: skip
    async with open_service(settings, config) as service:
        crawled = await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        async with db.transaction(service.sessions) as session:
            (stored,) = (await session.scalars(select(Document))).all()

    assert crawled.error is None
    assert len(crawled.new_mentions) == 1
    assert [w for w in crawled.warnings if "was cut to 200,000" in w]
    assert len(stored.text) == walk.MAX_TEXT_CHARS + len(walk.CUT)
    assert stored.text.endswith(walk.CUT)
    # The whole length is kept (the feed's reading trims spaces and control characters).
    assert len(body) - 10 < (stored.full_length or 0) <= len(body) + len("Vaude Titel")
    assert "\x1b" not in stored.text
    assert stored.title == "Vaude Titel"
