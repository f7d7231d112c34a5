"""`monitor crawl` as an operator runs it between two `monitor run`s: it sends what it
queued before it returns, and a source another process holds is named with its holder
and lease end, and can be taken over with --force."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.demo import mailsink
from monitor.store import db
from monitor.store import sources as stored_sources
from tests.conftest import Entry, FeedServer, rss_feed
from tests.e2e.conftest import run_monitor


def _config(folder: Path, server: FeedServer) -> None:
    published = datetime.now(UTC) - timedelta(minutes=5)
    url = server.serve("/feed.xml", rss_feed([
        Entry("Vaude Jacke: Rückruf", server.url("/p/1"), "Vaude ruft zurück", published)
    ]))  # fmt: skip
    (folder / "sources.yaml").write_text(
        "settings: {timezone: Europe/Berlin}\n"
        "brands: [{name: Vaude, query: Vaude}]\n"
        f"sources:\n  - {{name: blog, type: feed, url: '{url}'}}\n"
        "alerts:\n  - {name: now, recipients: [ops@example.org], immediate: {}}\n"
        "hosts:\n  127.0.0.1: {delay: 0}\n",
        encoding="utf-8",
    )


def test_crawl_sends_the_urgent_mail_it_queued_before_it_returns(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    _config(tmp_path, feed_server)
    env = {"MONITOR_ALLOW_HOSTS": "127.0.0.1", "MONITOR_SMTP_URL": smtp_sink.url,
           "COLUMNS": "300"}  # fmt: skip
    crawl = run_monitor("crawl", cwd=tmp_path, **env)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    assert "Sent 1 mail(s) that were due." in crawl.stdout
    (mail,) = smtp_sink.received  # there when the command has returned
    assert "Vaude" in str(mail.message["Subject"])
    assert mail.recipients == ["ops@example.org"]


def test_crawl_names_the_holder_of_a_source_and_force_takes_it_over(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    _config(tmp_path, feed_server)
    env = {"MONITOR_ALLOW_HOSTS": "127.0.0.1", "COLUMNS": "300"}
    first = run_monitor("crawl", cwd=tmp_path, **env)
    assert first.returncode == 0, first.stderr
    # A replica that died mid-crawl: its lease stands for another hour.
    until = datetime(2099, 1, 1, 11, 0, tzinfo=UTC)
    asyncio.run(_hold(tmp_path / "data" / "monitor.db", "web-1 (pid 4242)", until))

    skipped = run_monitor("crawl", cwd=tmp_path, **env)
    said = " ".join(skipped.stdout.split())
    assert "skipped: web-1 (pid 4242) holds it until 2099-01-01 12:00 (Europe/Berlin)" in said
    assert "--force crawls it anyway" in said

    forced = run_monitor("crawl", "--force", cwd=tmp_path, **env)
    assert forced.returncode == 0, forced.stderr
    assert "skipped" not in forced.stdout
    assert "web-1" not in forced.stdout


async def _hold(database: Path, holder: str, until: datetime) -> None:
    engine = db.create_engine(f"sqlite+aiosqlite:///{database.as_posix()}")
    try:
        async with db.transaction(db.sessions(engine)) as session:
            (row,) = await stored_sources.listing(session)
            now = until - timedelta(hours=1)
            token = await stored_sources.claim(
                session, row.id, now=now, lease=timedelta(hours=1), holder=holder, force=True
            )
            assert token is not None
    finally:
        await engine.dispose()
