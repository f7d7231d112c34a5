"""A board larger than one crawl's page budget is read through over a few crawls: each
crawl reads what fresh news points to first, then the pages the last one left, and says
how many are still left (`CrawlResult.backlog`, `monitor sources`' "unread" column).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.crawl import pipeline, walk
from monitor.service.parts import open_service
from monitor.store import sources as stored_sources
from monitor.store.schema import Mention
from tests import boards
from tests.conftest import FeedServer
from tests.integration.conftest import sqlite_url

NOW = datetime(2024, 3, 15, 11, 0, tzinfo=UTC)
BUDGET = 8
THREADS = 20


def serve(board: boards.Board, server: FeedServer) -> None:
    for path, html in board.pages().items():
        server.serve(path, board.encode(html), content_type="text/html; charset=UTF-8")


async def test_a_board_beyond_the_page_budget_is_read_through_over_a_few_crawls(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    board = boards.Board(charset="utf-8", meta_charset="UTF-8", topics_per_page=THREADS,
                         posts_per_page=5)  # fmt: skip
    threads = []
    for number in range(THREADS):
        start = NOW - timedelta(days=3, hours=number)
        threads.append(board.add_thread(f"Thema {number}", [
            (f"user{i}", start + timedelta(minutes=i), f"Beitrag {i} zu Vaude in {number}")
            for i in range(3)
        ]))  # fmt: skip
    serve(board, feed_server)
    config = sources_yaml.parse(
        f"settings: {{max_pages_per_crawl: {BUDGET}}}\n"
        "brands: [{name: Vaude, query: Vaude}]\n"
        f"sources:\n  - {{type: forum, name: Board, url: '{feed_server.url(board.list_path())}',"
        " preset: phpbb, max_threads: 50}\n"
        "hosts:\n  127.0.0.1: {delay: 0}\n",
        filename="sources.yaml",
    )
    settings = Settings(data_dir=tmp_path, database_url=sqlite_url(tmp_path / "b.db"),
                        allow_hosts=("127.0.0.1",))  # fmt: skip
    async with open_service(settings, config) as service:
        source = config.sources[0]
        first = await pipeline.poll_source(service.crawler, source, now=NOW)
        async with service.sessions() as session:
            left = await stored_sources.remembered(session, walk.BACKLOG_KEY)
        # News on a thread already read: the next crawl reads it before the backlog.
        board.reply(threads[0], "late", NOW, "Neu: Vaude antwortet endlich")
        serve(board, feed_server)
        crawls = [first]
        while crawls[-1].backlog and len(crawls) < 10:
            later = NOW + timedelta(minutes=30 * len(crawls))
            crawls.append(await pipeline.poll_source(service.crawler, source, now=later))
        async with service.sessions() as session:
            stored = await session.scalar(select(func.count()).select_from(Mention))
            left_at_end = await stored_sources.remembered(session, walk.BACKLOG_KEY)

    assert first.pages == BUDGET
    assert first.backlog == THREADS + 1 - BUDGET  # the list page and 20 threads
    assert walk.backlog_size(next(iter(left.values()))) == first.backlog
    # The reply on the thread read first is found by the second crawl, not the last one.
    assert len(crawls[1].new_mentions) >= 1
    assert all(crawl.pages <= BUDGET for crawl in crawls)
    assert crawls[-1].backlog == 0
    assert len(crawls) == 3  # 20 threads, the list page read each time, 8 pages a crawl
    assert stored == THREADS * 3 + 1
    assert left_at_end == {}


async def test_a_walk_fetches_several_pages_at_once_within_the_hosts_concurrency(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    board = boards.Board(charset="utf-8", meta_charset="UTF-8", topics_per_page=12,
                         posts_per_page=5)  # fmt: skip
    for number in range(12):
        start = NOW - timedelta(days=1, hours=number)
        board.add_thread(f"Thema {number}", [(f"user{number}", start, f"Vaude Nummer {number}")])
    for path, html in board.pages().items():
        feed_server.serve(path, board.encode(html), content_type="text/html; charset=UTF-8",
                          delay=0.05)  # fmt: skip
    config = sources_yaml.parse(
        "brands: [{name: Vaude, query: Vaude}]\n"
        f"sources:\n  - {{type: forum, name: Board, url: '{feed_server.url(board.list_path())}',"
        " preset: phpbb}\n"
        "hosts:\n  127.0.0.1: {delay: 0, concurrency: 3}\n",
        filename="sources.yaml",
    )
    settings = Settings(data_dir=tmp_path, database_url=sqlite_url(tmp_path / "w.db"),
                        allow_hosts=("127.0.0.1",))  # fmt: skip
    async with open_service(settings, config) as service:
        result = await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)

    assert result.error is None
    assert len(result.new_mentions) == 12
    assert feed_server.most_in_flight == 3  # several at once, never beyond the host's 3
