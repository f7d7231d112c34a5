"""Crawls reuse their connections: a board read twice and a feed polled ten times,
answered 304 Not Modified from the second poll on, over at most one TCP connection per
concurrency slot of their host.

A 304, a redirect or an error page closed unread closes its connection too; before the
fix a revalidating crawl opened one connection per request.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.crawl import pipeline
from monitor.service.parts import open_service
from tests import boards
from tests.conftest import Entry, FeedServer, rss_feed
from tests.integration.conftest import sqlite_url

NOW = datetime(2024, 3, 15, 11, 0, tzinfo=UTC)
CONCURRENCY = 2


async def test_a_crawl_and_its_revalidation_reuse_one_connection_per_slot(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    board = boards.Board(charset="utf-8", meta_charset="UTF-8", topics_per_page=5,
                         posts_per_page=3)  # fmt: skip
    for number in range(8):
        start = NOW - timedelta(days=1, hours=number)
        board.add_thread(f"Thema {number}", [
            (f"user{i}", start + timedelta(minutes=i), f"Beitrag {i} über Vaude")
            for i in range(7)
        ])  # fmt: skip
    for path, html in board.pages().items():
        # Every page carries a validator: the second crawl asks conditionally, gets 304s.
        feed_server.serve(path, board.encode(html), content_type="text/html; charset=UTF-8",
                          etag=f'"{abs(hash(path))}"')  # fmt: skip
    feed_server.serve("/robots.txt", b"", content_type="text/plain", status=404)
    entry = Entry("Vaude", feed_server.url("/p/1"), "Vaude Jacke", NOW - timedelta(hours=1))
    feed = feed_server.serve("/feed.xml", rss_feed([entry]), etag='"feed-1"')
    config = sources_yaml.parse(
        "brands: [{name: Vaude, query: Vaude}]\n"
        f"sources:\n  - {{type: forum, name: Board, url: '{feed_server.url(board.list_path())}',"
        " preset: phpbb, max_list_pages: 2, max_threads: 10, max_pages_per_thread: 5}\n"
        f"  - {{type: feed, name: Feed, url: '{feed}'}}\n"
        f"hosts:\n  127.0.0.1: {{delay: 0, concurrency: {CONCURRENCY}}}\n",
        filename="sources.yaml",
    )
    settings = Settings(data_dir=tmp_path, database_url=sqlite_url(tmp_path / "c.db"),
                        allow_hosts=("127.0.0.1",))  # fmt: skip
    async with open_service(settings, config) as service:
        board_source, feed_source = config.sources
        first = await pipeline.poll_source(service.crawler, board_source, now=NOW)
        second = await pipeline.poll_source(
            service.crawler, board_source, now=NOW + timedelta(minutes=1)
        )
        polls = [
            await pipeline.poll_source(service.crawler, feed_source, now=NOW + timedelta(minutes=m))
            for m in range(10)
        ]

    assert first.error is None
    assert second.error is None
    assert first.pages >= 20
    assert [poll.not_modified for poll in polls] == [0] + [1] * 9
    requests = len(feed_server.hits)
    assert requests >= 35
    assert feed_server.connections <= CONCURRENCY, (feed_server.connections, requests)
