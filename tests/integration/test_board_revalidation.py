"""A board whose validators say 'unchanged' when replies were added: the list page and a
thread's first page answer 304 Not Modified on the second crawl (their ETag follows new
threads, not new replies, as some boards and caches do), and the new replies on the
thread's second page still reach the SMTP server.

Real parts: loopback HTTP (the demo's phpBB renderer), the forum adapter with the phpbb
preset, the pipeline and outbox on SQLite and PostgreSQL, a real aiosmtpd server.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.alerting import delivery
from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.crawl import pipeline
from monitor.demo import mailsink
from monitor.service.parts import open_service
from tests import boards
from tests.conftest import FeedServer
from tests.integration.conftest import database_url

pytestmark = pytest.mark.usefixtures("database")  # [sqlite] and [postgres]
NOW = datetime(2024, 3, 15, 11, 0, tzinfo=UTC)
SENDER = "Monitor <monitor@example.org>"
HTML = "text/html; charset=UTF-8"


def serve(board: boards.Board, server: FeedServer, etags: dict[str, str]) -> None:
    for path, html in board.pages().items():
        server.serve(path, board.encode(html), content_type=HTML, etag=etags.get(path))


async def test_new_replies_behind_a_304_list_page_and_first_thread_page_are_mailed(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    board = boards.Board(charset="utf-8", meta_charset="UTF-8", topics_per_page=5,
                         posts_per_page=3)  # fmt: skip
    start = NOW - timedelta(hours=6)
    thread = board.add_thread("Die Liege quietscht", [
        ("Praxis_Nord", start, "Unsere Müller Medical Liege quietscht."),
        ("Kaffeetante", start + timedelta(hours=1), "Schon geölt?"),
        ("Praxis_Nord", start + timedelta(hours=2), "Ja, hilft nicht."),
    ])  # fmt: skip
    list_path, first_page = board.list_path(), board.thread_path(thread)
    # Validators that follow new threads only: the same ETag before and after the replies.
    stale = {list_path: '"list-1"', first_page: '"thread-1"'}
    serve(board, feed_server, stale)
    config = sources_yaml.parse(
        "settings: {timezone: Europe/Berlin, language: de}\n"
        "brands:\n  - {name: Müller Medical, query: '\"Müller Medical\"'}\n"
        "sources:\n"
        f"  - {{type: forum, name: Praxis-Forum, url: '{feed_server.url(list_path)}', "
        "preset: phpbb, language: de}\n"
        "alerts:\n  - {name: sofort, recipients: [team@example.org], immediate: {}}\n"
        "hosts:\n  127.0.0.1: {delay: 0}\n",
        filename="sources.yaml",
    )  # fmt: skip
    settings = Settings(
        data_dir=tmp_path, database_url=database_url(tmp_path), smtp_url=smtp_sink.url,
        mail_from=SENDER, allow_hosts=("127.0.0.1",),
    )  # fmt: skip

    async with open_service(settings, config) as service:
        first = await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        await delivery.drain(service.sessions, service.mailer, sender=SENDER, clock=lambda: NOW)
        mailed_first = len(smtp_sink.received)
        for hours, author, text in [
            (7, "Dr_Özdemir", "Bei uns hat der Müller Medical Service die Feder getauscht."),
            (8, "Kaffeetante", "Müller Medical schickt die Feder kostenlos."),
        ]:
            board.reply(thread, author, start + timedelta(hours=hours), text)
        serve(board, feed_server, stale)
        later = NOW + timedelta(hours=3)
        second = await pipeline.poll_source(service.crawler, config.sources[0], now=later)
        await delivery.drain(service.sessions, service.mailer, sender=SENDER, clock=lambda: later)

    assert first.error is None
    assert len(first.new_mentions) == 1
    assert mailed_first == 1
    # The stale validators are there: a conditional GET of either page gets a 304 …
    assert board.thread_pages(thread) == 2
    # … and still the new replies on page 2 are found and mailed.
    assert second.error is None, second.error
    assert len(second.new_mentions) == 2
    mails = smtp_sink.received[mailed_first:]
    text = " ".join(mail.part("plain") for mail in mails)
    assert "Feder getauscht" in text
    assert "kostenlos" in text
