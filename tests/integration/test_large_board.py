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


def _config(
    server: FeedServer,
    board: boards.Board,
    *,
    settings: str = "",
    source: str = "",
    host: str,
) -> sources_yaml.Config:
    """One phpBB source on `board`, brand Vaude; extra keys for settings, source, host."""
    extra = f", {source}" if source else ""
    return sources_yaml.parse(
        (f"settings: {{{settings}}}\n" if settings else "")
        + "brands: [{name: Vaude, query: Vaude}]\n"
        f"sources:\n  - {{type: forum, name: Board, url: '{server.url(board.list_path())}',"
        f" preset: phpbb{extra}}}\n"
        f"hosts:\n  127.0.0.1: {{{host}}}\n",
        filename="sources.yaml",
    )


def _settings(folder: Path) -> Settings:
    return Settings(data_dir=folder, database_url=sqlite_url(folder / "board.db"),
                    allow_hosts=("127.0.0.1",))  # fmt: skip


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
    config = _config(feed_server, board, settings=f"max_pages_per_crawl: {BUDGET}",
                     source="max_threads: 50", host="delay: 0")  # fmt: skip
    async with open_service(_settings(tmp_path), config) as service:
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
    config = _config(feed_server, board, host="delay: 0, concurrency: 3")
    async with open_service(_settings(tmp_path), config) as service:
        result = await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)

    assert result.error is None
    assert len(result.new_mentions) == 12
    assert feed_server.most_in_flight == 3  # several at once, never beyond the host's 3
