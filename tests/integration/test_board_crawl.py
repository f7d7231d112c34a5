"""A phpBB board crawled on real parts: loopback HTTP (monitor/demo/board.py markup), the
forum adapter with the phpbb preset, the pipeline, a SQLite file through Alembic.

The board is Latin-1 with German dates. Request counts are taken on the server side, per
path, so "fetched only what changed" is what the board saw, not what the crawler says.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.crawl import pipeline
from monitor.service.parts import Service, open_service
from monitor.store import db, seen
from monitor.store import sources as stored_sources
from monitor.store.schema import Document, Mention, SeenItem, Source
from tests import boards
from tests.conftest import FeedServer
from tests.integration.conftest import database_url

pytestmark = pytest.mark.usefixtures("database")  # [sqlite] and [postgres]
NOW = datetime(2024, 3, 15, 11, 0, tzinfo=UTC)  # Friday, 12:00 in Berlin
MUELLER, VAUDE = "Müller Medical", "Vaude"
FORUM = "Praxis-Forum"
# phpBB 3.3 writes the date inside <time>; this board's style leaves out the datetime
# attribute (as 3.0/3.1-era styles do), so the German text is what there is to read.
DATE_FROM_TEXT = "    selectors: {date: 'p.author time'}\n"


def make_config(
    url: str,
    *,
    max_list_pages: int = 3,
    max_threads: int = 15,
    max_pages_per_thread: int = 3,
    timezone: str | None = "Europe/Berlin",
    settings: str = "  timezone: Europe/Berlin\n  language: de\n",
) -> sources_yaml.Config:
    zone = f"    timezone: {timezone}\n" if timezone else ""
    return sources_yaml.parse(
        "settings:\n" + settings
        + "brands:\n"
        "  - {name: Müller Medical, query: '\"Müller Medical\"'}\n"
        "  - {name: Vaude, query: Vaude}\n"
        "sources:\n"
        "  - type: forum\n"
        f"    name: {FORUM}\n"
        f"    url: '{url}'\n"
        "    preset: phpbb\n"
        "    language: de\n" + zone + DATE_FROM_TEXT
        + f"    max_list_pages: {max_list_pages}\n"
        f"    max_threads: {max_threads}\n"
        f"    max_pages_per_thread: {max_pages_per_thread}\n"
        "hosts:\n  127.0.0.1: {delay: 0}\n",
        filename="sources.yaml",
    )  # fmt: skip


@asynccontextmanager
async def service_for(tmp_path: Path, config: sources_yaml.Config) -> AsyncIterator[Service]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url(tmp_path),
        smtp_url=None,
        allow_hosts=("127.0.0.1",),
    )
    async with open_service(settings, config) as service:
        yield service


@dataclass
class Forum:
    """The board of these tests: six threads on three list pages (two per page), three
    posts per thread page. See `make_forum` for who wrote what."""

    board: boards.Board
    t1: boards.Thread  # 9 posts (3 pages), Müller Medical; "gestern" and "Heute" dates
    t2: boards.Thread  # 8 posts (3 pages), Vaude; "vor 3 Stunden"
    t4: boards.Thread  # 2 posts, no brand
    t5: boards.Thread  # 5 posts (2 pages), Müller Medical
    t6: boards.Thread  # 1 post, no brand
    t3: boards.Thread  # 7 posts (3 pages) from August 2009, Müller Medical

    @property
    def threads(self) -> list[boards.Thread]:
        return [self.t1, self.t2, self.t3, self.t4, self.t5, self.t6]

    @property
    def posts(self) -> list[boards.Post]:
        return [post for thread in self.threads for post in thread.posts]


def make_forum(**options: object) -> Forum:
    board = boards.Board(datetime_attribute=False, **options)  # type: ignore[arg-type]
    p = board.post
    day = timedelta(days=1)
    t1_start = datetime(2024, 3, 11, 7, 0, tzinfo=UTC)
    t1 = board.add_thread(
        "Müller Medical BM-300 zeigt Fehler E3",
        [
            p("Praxis_Nord", t1_start, "Unser <b>Müller Medical</b> BM-300 zeigt seit Montag E3."),
            p("Kaffeetante", t1_start + 8 * timedelta(hours=1), "Hast du die Manschette geprüft?"),
            p("Praxis_Nord", t1_start + 16 * timedelta(hours=1),
              "Manschette ist neu, der Fehler bleibt bei Müller Medical Geräten."),
            p("Dr_Özdemir", t1_start + day, "Wir hatten das gleiche Problem mit Müller Medical."),
            p("Kaffeetante", t1_start + day + timedelta(hours=8),
              boards.quote("Dr_Özdemir", "Wir hatten das gleiche Problem mit Müller Medical.")
              + "Und wie habt ihr es gelöst?"),
            p("Dr_Özdemir", t1_start + 2 * day, "Firmware-Update vom Müller Medical Service."),
            p("Schwester_Jürgen", t1_start + 2 * day + timedelta(hours=3),
              "Bei uns half ein Reset, Müller Medical Hotline war freundlich."),
            p("Praxis_Nord", datetime(2024, 3, 14, 20, 3, tzinfo=UTC),
              "Müller Medical schickt einen Techniker.", written="gestern, 21:03"),
            p("Praxis_Nord", datetime(2024, 3, 15, 9, 15, tzinfo=UTC),
              "Techniker war da, Müller Medical hat das Gerät getauscht.",
              written="Heute, 10:15"),
        ],
    )  # fmt: skip
    t2_start = datetime(2024, 3, 12, 10, 0, tzinfo=UTC)
    t2 = board.add_thread(
        "Ersatzteile für Vaude Rucksack?",
        [
            p("Wanderer", t2_start + n * timedelta(hours=6), f"Beitrag {n}: Vaude Schnalle Nr. {n}")
            for n in range(7)
        ]
        + [p("Bergziege", NOW - timedelta(hours=3), "Vaude schickt Schnallen kostenlos.",
             written="vor 3 Stunden")],
    )  # fmt: skip
    t3_start = datetime(2009, 8, 17, 12, 30, tzinfo=UTC)  # Mo 17. Aug 2009, 14:30 in Berlin
    t3 = board.add_thread(
        "Müller Medical Service damals",
        [p("Altmitglied", t3_start + n * day, f"Archivbeitrag {n} über Müller Medical")
         for n in range(7)],
    )  # fmt: skip
    t4 = board.add_thread(
        "Welche Praxissoftware nutzt ihr?",
        [
            p("Neu_hier", datetime(2024, 3, 9, 16, 0, tzinfo=UTC), "Suche eine Praxissoftware."),
            p("Kaffeetante", datetime(2024, 3, 10, 8, 45, tzinfo=UTC),
              boards.quote("Neu_hier", "Hat Müller Medical nicht auch Software?")
              + "Wir nutzen seit Jahren eine aus Köln."),
        ],
    )  # fmt: skip
    t5_start = datetime(2024, 2, 5, 9, 0, tzinfo=UTC)
    t5 = board.add_thread(
        "Liegen von Müller Medical – Erfahrungen",
        [
            p("Physio_Anke", t5_start, "Taugen die Liegen von Müller Medical etwas?"),
            p("Rücken_Rudi", t5_start + day, "Die Müller Medical Liege hält seit acht Jahren."),
            p("Physio_Anke", t5_start + 2 * day, "Danke! Und der Bezug?"),
            p("Rücken_Rudi", t5_start + 3 * day, "Bezug tauschen wir alle zwei Jahre."),
            p("Physio_Anke", t5_start + 4 * day, "Bestellt: Müller Medical Liege Modell Ö2."),
        ],
    )  # fmt: skip
    t6 = board.add_thread(
        "Hallo aus Köln",
        [p("Neu_hier", datetime(2023, 11, 2, 18, 0, tzinfo=UTC), "Hallo zusammen!")],
    )
    return Forum(board, t1, t2, t4, t5, t6, t3)


def board_paths(server: FeedServer, since: int = 0, until: int | None = None) -> list[str]:
    """The paths the board was asked for between hit numbers `since` and `until`
    (robots.txt aside)."""
    with server.lock:
        return [hit.path for hit in server.hits[since:until] if hit.path != "/robots.txt"]


def hit_count(server: FeedServer) -> int:
    with server.lock:
        return len(server.hits)


async def stored(service: Service) -> list[tuple[Mention, Document]]:
    async with db.transaction(service.sessions) as session:
        query = select(Mention, Document).join(Document, Mention.document_id == Document.id)
        return [(m, d) for m, d in (await session.execute(query.order_by(Mention.id))).all()]


async def count(service: Service, table: type) -> int:
    async with db.transaction(service.sessions) as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def seen_hashes(service: Service) -> set[str]:
    async with db.transaction(service.sessions) as session:
        return set((await session.scalars(select(SeenItem.key_hash))).all())


def mentions_brand(thread: boards.Thread, post: boards.Post, brand: str) -> bool:
    """Whether the post names `brand`: a post's document is titled with its thread's title,
    and its text is the post's own words (quotes left out)."""
    own = post.body.split("</blockquote>")[-1]
    return brand in thread.title or brand in own


def expected_mentions(forum: Forum, url: str) -> set[tuple[str, str]]:
    """(brand, permalink) for every post that names a brand; `url` turns paths into URLs."""
    return {
        (brand, url + forum.board.permalink(post))
        for thread in forum.threads
        for post in thread.posts
        for brand in (MUELLER, VAUDE)
        if mentions_brand(thread, post, brand)
    }


ENCODINGS = [
    pytest.param("text/html; charset=ISO-8859-1", "ISO-8859-1", id="header-charset"),
    pytest.param("text/html", "ISO-8859-1", id="meta-charset-only"),
    pytest.param("text/html; charset=UTF-8", "ISO-8859-1", id="wrong-header-charset"),
    pytest.param("text/html", None, id="no-charset-anywhere"),
]


@pytest.mark.parametrize(("content_type", "meta"), ENCODINGS)
async def test_the_first_crawl_stores_every_post_keyed_by_permalink_with_umlauts_and_dates(
    tmp_path: Path, feed_server: FeedServer, content_type: str, meta: str | None
) -> None:
    forum = make_forum(meta_charset=meta)
    forum.board.serve(feed_server, content_type=content_type)
    config = make_config(feed_server.url(forum.board.list_path()))
    assert b"M\xfcller Medical" in forum.board.encode(forum.board.thread_page(forum.t1))
    assert "Mo 17. Aug 2009, 14:30" in forum.board.thread_page(forum.t3)

    async with service_for(tmp_path, config) as service:
        result = await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        rows = await stored(service)
        seen_keys = await seen_hashes(service)

    assert result.error is None
    assert result.warnings == ()
    assert result.items == len(forum.posts) == 32
    # Every thread page and list page once; nothing twice.
    paths = board_paths(feed_server)
    expected_pages = [forum.board.list_path(i) for i in range(3)] + [
        path for thread in forum.threads for path in forum.board.thread_paths(thread)
    ]
    assert sorted(paths) == sorted(expected_pages)
    assert len(paths) == 3 + 13

    def key(post: boards.Post) -> str:
        return feed_server.url(forum.board.permalink(post))

    # Every post was read, under its own permalink (never the page it was on).
    assert seen_keys == {seen.key_hash(key(post)) for post in forum.posts}
    assert {(m.brand, d.key) for m, d in rows} == expected_mentions(forum, feed_server.base)
    assert len(result.new_mentions) == len(rows) == 29
    documents = {document.key: document for _, document in rows}
    snippets = {document.key: mention.snippet for mention, document in rows}
    assert all("start=" not in k and "viewtopic.php?p=" in k for k in documents)
    for thread in forum.threads:
        for post in thread.posts:
            document = documents.get(key(post))
            if document is None:
                continue
            assert document.url == key(post)
            assert document.title == thread.title
            assert document.published_at == post.at, (post.written, document.published_at)
    first = documents[key(forum.t1.posts[0])]
    assert first.title == "Müller Medical BM-300 zeigt Fehler E3"
    assert first.text == "Unser Müller Medical BM-300 zeigt seit Montag E3."
    assert first.author == "Praxis_Nord"
    assert snippets[first.key] == "Unser Müller Medical BM-300 zeigt seit Montag E3."
    for document in documents.values():
        for text in (document.title, document.text, snippets[document.key]):
            assert "Ã" not in text
            assert "\ufffd" not in text
            assert "&#" not in text
    # The quoting post is read without its quote: its own words name no brand.
    quoting = forum.t4.posts[1]
    assert key(quoting) not in documents
    assert "Köln" in forum.board.thread_page(forum.t4)
    # German relative dates, read in Berlin time relative to the crawl's `now`.
    assert documents[key(forum.t1.posts[7])].published_at == datetime(2024, 3, 14, 20, 3,
                                                                     tzinfo=UTC)  # fmt: skip
    assert documents[key(forum.t1.posts[8])].published_at == datetime(2024, 3, 15, 9, 15,
                                                                     tzinfo=UTC)  # fmt: skip
    assert documents[key(forum.t2.posts[7])].published_at == NOW - timedelta(hours=3)
    assert documents[key(forum.t3.posts[0])].published_at == datetime(2009, 8, 17, 12, 30,
                                                                     tzinfo=UTC)  # fmt: skip


async def test_an_unchanged_board_costs_one_list_page_and_new_replies_only_their_threads(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    forum = make_forum()
    board = forum.board
    board.serve(feed_server)
    config = make_config(feed_server.url(board.list_path()))
    source = config.sources[0]

    async with service_for(tmp_path, config) as service:
        first = await pipeline.poll_source(service.crawler, source, now=NOW)
        after_first = hit_count(feed_server)

        second = await pipeline.poll_source(service.crawler, source, now=NOW + timedelta(hours=1))
        after_second = hit_count(feed_server)

        # Two threads get a reply: t1's spills onto a fourth page, t5's fills its second.
        later = NOW + timedelta(hours=2)
        t1_reply = board.reply(
            forum.t1, "Dr_Özdemir", later - timedelta(minutes=20),
            "Update: Müller Medical und Vaude sponsern das Sommerfest.",
            written="vor 20 Minuten",
        )  # fmt: skip
        t5_reply = board.reply(
            forum.t5, "Rücken_Rudi", datetime(2024, 3, 15, 12, 30, tzinfo=UTC),
            "Die neue Müller Medical Liege ist da.", written="Heute, 13:30",
        )  # fmt: skip
        board.serve(feed_server)
        third = await pipeline.poll_source(service.crawler, source, now=later)
        rows = await stored(service)

    assert (first.error, second.error, third.error) == (None, None, None)
    crawl1 = board_paths(feed_server, 0, after_first)
    crawl2 = board_paths(feed_server, after_first, after_second)
    crawl3 = board_paths(feed_server, after_second)
    assert len(crawl1) == 16
    # Nothing changed: the first list page shows it; no thread page, no further list page.
    assert crawl2 == [board.list_path(0)]
    assert second.items == 0
    assert second.new_mentions == ()

    # The list now starts with t1 and t5 (both changed), so list page 2 is read too and
    # shows only unchanged threads: the list walk stops there.
    t1_pages, t5_pages = board.thread_paths(forum.t1), board.thread_paths(forum.t5)
    assert len(t1_pages) == 4
    assert len(t5_pages) == 2
    assert sorted(crawl3) == sorted(
        [board.list_path(0), board.list_path(1), t1_pages[3], t1_pages[2], t5_pages[1],
         t5_pages[0]]
    )  # fmt: skip
    # Last page first, then at most the page before (which held nothing new: stop).
    assert crawl3.index(t1_pages[3]) < crawl3.index(t1_pages[2])
    assert crawl3.index(t5_pages[1]) < crawl3.index(t5_pages[0])
    list_pages_read, threads_touched = 2, 2
    assert len(crawl3) <= list_pages_read + 2 * threads_touched
    # Exactly the new posts' mentions are new.
    by_id = {mention.id: (mention.brand, document.key) for mention, document in rows}
    new = {by_id[i] for i in third.new_mentions}
    assert new == {
        (MUELLER, feed_server.url(board.permalink(t1_reply))),
        (VAUDE, feed_server.url(board.permalink(t1_reply))),
        (MUELLER, feed_server.url(board.permalink(t5_reply))),
    }
    assert third.items == 1 + 3 + 3 + 3
    dates = {document.key: document.published_at for _, document in rows}
    assert dates[feed_server.url(board.permalink(t1_reply))] == later - timedelta(minutes=20)
    assert dates[feed_server.url(board.permalink(t5_reply))] == datetime(
        2024, 3, 15, 12, 30, tzinfo=UTC
    )


async def test_a_fresh_guest_session_id_in_every_link_does_not_make_threads_look_changed(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    forum = make_forum(sid="0123456789abcdef0123456789abcdef")
    forum.board.serve(feed_server)
    config = make_config(feed_server.url(forum.board.list_path()))

    async with service_for(tmp_path, config) as service:
        first = await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        before = hit_count(feed_server)
        forum.board.sid = "fedcba9876543210fedcba9876543210"
        forum.board.serve(feed_server)
        second = await pipeline.poll_source(
            service.crawler, config.sources[0], now=NOW + timedelta(hours=1)
        )
        rows = await stored(service)

    assert first.error is None
    assert first.items == 32
    assert all("sid=" not in document.key for _, document in rows)
    assert second.error is None
    assert board_paths(feed_server, before) == [forum.board.list_path(0)]
    assert second.new_mentions == ()


async def test_the_bounds_cap_list_pages_threads_and_thread_pages(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    forum = make_forum()
    board = forum.board
    board.serve(feed_server)
    config = make_config(
        feed_server.url(board.list_path()), max_list_pages=2, max_threads=1,
        max_pages_per_thread=2,
    )  # fmt: skip

    async with service_for(tmp_path, config) as service:
        result = await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)

    paths = board_paths(feed_server)
    requested = {path: paths.count(path) for path in paths}
    # List pages 1 and 2 (not 3); the first row of each (t1, t4); two pages of t1 at most.
    t1_pages = board.thread_paths(forum.t1)
    assert requested == {
        board.list_path(0): 1,
        board.list_path(1): 1,
        t1_pages[2]: 1,
        t1_pages[1]: 1,
        board.thread_path(forum.t4): 1,
    }
    assert result.error is None
    assert result.items == 3 + 3 + 2


async def test_the_same_post_on_two_pages_is_one_document(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    # Every thread page repeats the last post of the page before (as a board does when a
    # post was deleted between two page loads).
    board = boards.Board(overlap=1, datetime_attribute=False)
    start = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    thread = board.add_thread(
        "Müller Medical Sammelthread",
        [("Praxis_Nord", start + timedelta(hours=n), f"Meldung {n} zu Müller Medical")
         for n in range(9)],
    )  # fmt: skip
    board.serve(feed_server)
    config = make_config(feed_server.url(board.list_path()))

    async with service_for(tmp_path, config) as service:
        result = await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        rows = await stored(service)
        documents = await count(service, Document)

    assert result.error is None
    paths = board_paths(feed_server)
    assert sorted(paths) == sorted([board.list_path(), *board.thread_paths(thread)])
    # 11 post elements were read (4 + 4 + 3), 9 posts exist: 9 documents, 9 mentions.
    assert documents == 9
    assert len(rows) == 9
    assert len(result.new_mentions) == 9
    assert {document.key for _, document in rows} == {
        feed_server.url(board.permalink(post)) for post in thread.posts
    }


async def test_a_deleted_thread_is_a_warning_and_is_asked_for_again_next_crawl(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    forum = make_forum()
    board = forum.board
    board.serve(feed_server)
    gone = board.thread_paths(forum.t2)
    for path in gone:
        feed_server.serve(path, "Das angeforderte Thema existiert nicht.", status=404,
                          content_type="text/html; charset=UTF-8")  # fmt: skip
    config = make_config(feed_server.url(board.list_path()))

    async with service_for(tmp_path, config) as service:
        first = await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        before = hit_count(feed_server)
        second = await pipeline.poll_source(
            service.crawler, config.sources[0], now=NOW + timedelta(hours=1)
        )
        async with db.transaction(service.sessions) as session:
            (row,) = (await session.scalars(select(Source))).all()

    assert first.error is None
    assert any("404" in warning for warning in first.warnings), first.warnings
    assert first.items == 32 - 8
    assert len(first.new_mentions) == 29 - 8  # t2's eight Vaude posts are not there
    assert row.last_error is None
    assert row.consecutive_failures == 0
    # Its marker was never remembered: the next crawl asks for its last page again (and,
    # as list page 1 held a thread to fetch, reads list page 2, where nothing changed).
    assert second.error is None
    assert board_paths(feed_server, before) == [board.list_path(0), gone[-1], board.list_path(1)]
    assert second.new_mentions == ()


async def test_a_failed_thread_on_a_later_list_page_is_asked_for_again_next_crawl(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    forum = make_forum()
    board = forum.board
    board.serve(feed_server)
    failing = board.thread_path(forum.t4)  # on list page 2
    feed_server.serve(failing, "Fehler", status=404, content_type="text/plain")
    config = make_config(feed_server.url(board.list_path()))

    async with service_for(tmp_path, config) as service:
        first = await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        board.serve(feed_server)  # the thread answers again
        before = hit_count(feed_server)
        second = await pipeline.poll_source(
            service.crawler, config.sources[0], now=NOW + timedelta(hours=1)
        )
        before_third = hit_count(feed_server)
        third = await pipeline.poll_source(
            service.crawler, config.sources[0], now=NOW + timedelta(hours=2)
        )

    assert first.error is None
    assert second.error is None
    # Nothing changed on list page 1, yet the walk went on to page 2 for the unread thread
    # (and, as page 2 had a thread to fetch, read page 3, where nothing changed).
    assert board_paths(feed_server, before, before_third) == [
        board.list_path(0), board.list_path(1), failing, board.list_path(2),
    ]  # fmt: skip
    assert second.items == 2
    # Once it is read, a crawl of an unchanged board is list page 1 alone again.
    assert board_paths(feed_server, before_third) == [board.list_path(0)]
    assert third.items == 0


async def test_a_login_wall_at_the_list_url_fails_the_crawl_saying_so(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.serve(
        "/viewforum.php?f=4", boards.LOGIN_WALL, content_type="text/html; charset=UTF-8"
    )
    config = make_config(url)

    async with service_for(tmp_path, config) as service:
        result = await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        async with db.transaction(service.sessions) as session:
            (row,) = (await session.scalars(select(Source))).all()

    assert result.error is not None
    assert "login page" in result.error
    assert result.new_mentions == ()
    assert row.last_error == result.error
    assert row.consecutive_failures == 1


async def test_a_source_without_a_time_zone_reads_dates_in_the_settings_time_zone(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    board = boards.Board(datetime_attribute=False)
    post = board.post("Praxis_Nord", datetime(2024, 3, 4, 13, 30, tzinfo=UTC),
                      "Müller Medical Termin am Montag")  # fmt: skip
    board.add_thread("Termin", [post])
    board.serve(feed_server)
    config = make_config(feed_server.url(board.list_path()), timezone=None)
    assert config.settings.timezone == "Europe/Berlin"
    assert "Mo 4. Mär 2024, 14:30" in board.thread_page(board.threads[0])

    async with service_for(tmp_path, config) as service:
        result = await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        ((_, document),) = await stored(service)

    assert result.error is None
    assert document.published_at == post.at


async def test_unreadable_dates_are_logged_once_while_they_last_not_per_page_or_crawl(
    tmp_path: Path, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    board = boards.Board(datetime_attribute=False)
    at = datetime(2024, 3, 14, 9, 0, tzinfo=UTC)
    first = board.add_thread("Eins", [board.post("A", at, "Hallo Vaude", written="irgendwann")])
    board.add_thread("Zwei", [board.post("B", at + timedelta(hours=1), "Servus Vaude",
                                         written="unbekannt")])  # fmt: skip
    board.serve(feed_server)
    config = make_config(feed_server.url(board.list_path()))
    caplog.set_level(logging.WARNING, logger="monitor.crawl.pipeline")

    async with service_for(tmp_path, config) as service:
        one = await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        board.reply(first, "C", at + timedelta(hours=2), "Vaude noch da?", written="vorhin")
        board.serve(feed_server)
        two = await pipeline.poll_source(
            service.crawler, config.sources[0], now=NOW + timedelta(hours=1)
        )

    # Two pages in the first crawl, one in the second, each with other examples: one line.
    logged = [r.getMessage() for r in caplog.records if "could not be read" in r.getMessage()]
    assert len(logged) == 1
    assert [w for w in one.warnings if "could not be read" in w]  # the results still say it
    assert [w for w in two.warnings if "could not be read" in w]
    # Never dropped: stored with the time they were first seen, and counted per source.
    async with (
        service_for(tmp_path, config) as service,
        db.transaction(service.sessions) as session,
    ):
        documents = (await session.scalars(select(Document))).all()
        undated = await stored_sources.undated(session)
        (source_id,) = (await session.scalars(select(Source.id))).all()
    assert len(documents) == 3
    assert all(d.published_at is None for d in documents)
    assert sorted(d.first_seen_at for d in documents) == [NOW, NOW, NOW + timedelta(hours=1)]
    assert undated == {source_id: 3}
