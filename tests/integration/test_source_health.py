"""Source health on real parts: loopback feeds → crawl → SQLite (Alembic) → outbox → aiosmtpd.

A failing source is marked failing, then broken at the N-th failure in a row; the admins
get one "needs attention" mail when it breaks and one "works again" mail when it recovers,
and nothing in between.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.alerting import delivery
from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.crawl import pipeline
from monitor.demo import mailsink
from monitor.service.parts import Service, open_service
from monitor.store import db, mentions
from monitor.store.schema import Outbox, Source
from tests.conftest import Entry, FeedServer, rss_feed
from tests.integration.conftest import database_url

pytestmark = pytest.mark.usefixtures("database")  # [sqlite] and [postgres]
SENDER = "Monitor <monitor@example.org>"
ADMIN = "ops@example.org"
T0 = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)
STEP = timedelta(minutes=30)

ENTRIES = [
    Entry("Vaude Jacke im Test", "https://blog.example/p/1", "Die Vaude Jacke hält.", T0),
    Entry("Wandern im Allgäu", "https://blog.example/p/2", "Kein Markenname hier.", T0),
    Entry("Vaude Rucksack", "https://blog.example/p/3", "Ein Vaude Rucksack.", T0),
]
HTML_PAGE = (
    "<!doctype html><html><head><title>Blog</title></head>"
    "<body><h1>Willkommen</h1><p>Kein Feed hier.</p></body></html>"
)


def make_config(
    sources: dict[str, str], *, admins: tuple[str, ...] = (ADMIN,), failures: int | None = None
) -> sources_yaml.Config:
    settings = "settings:\n  timezone: Europe/Berlin\n  language: en\n"
    if admins:
        settings += f"  admins: [{', '.join(admins)}]\n"
    if failures is not None:
        settings += f"  failures_before_attention: {failures}\n"
    source_lines = "".join(
        f"  - type: feed\n    name: {name}\n    url: {url}\n" for name, url in sources.items()
    )
    return sources_yaml.parse(
        settings + "brands:\n  - name: Vaude\n    query: Vaude\n"
        "sources:\n" + source_lines +
        # The loopback server needs no politeness pause between requests.
        "hosts:\n  127.0.0.1: {delay: 0}\n",
        filename="sources.yaml",
    )  # fmt: skip


@asynccontextmanager
async def service_for(
    tmp_path: Path, smtp_url: str, config: sources_yaml.Config
) -> AsyncIterator[Service]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url(tmp_path),
        smtp_url=smtp_url,
        mail_from=SENDER,
        allow_hosts=("127.0.0.1",),
    )
    async with open_service(settings, config) as service:
        yield service


async def drain(service: Service, *, now: datetime) -> delivery.Drained:
    return await delivery.drain(
        service.sessions, service.mailer, sender=SENDER, clock=lambda: now, rng=lambda: 0.5
    )


async def row_of(service: Service, name: str) -> Source:
    async with db.transaction(service.sessions) as session:
        row = await session.scalar(select(Source).where(Source.name == name))
    assert row is not None
    return row


async def outbox_rows(service: Service) -> list[Outbox]:
    async with db.transaction(service.sessions) as session:
        return list((await session.scalars(select(Outbox).order_by(Outbox.id))).all())


def _flat(text: str) -> str:
    return " ".join(text.split())


async def test_three_failures_then_recovery_send_one_attention_and_one_recovered_mail(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    # Nothing is served at the path yet: HTTP 404, which the fetcher does not retry.
    url = feed_server.url("/flaky.xml")
    config = make_config({"Flaky-Blog": url})
    source = config.sources[0]
    states: list[tuple[str, int]] = []
    mails_after: list[int] = []

    async with service_for(tmp_path, smtp_sink.url, config) as service:
        now = T0
        for _ in range(4):
            result = await pipeline.poll_source(service.crawler, source, now=now)
            assert result.error is not None
            assert "HTTP 404" in result.error
            await drain(service, now=now + timedelta(minutes=1))
            row = await row_of(service, "Flaky-Blog")
            states.append((row.health, row.consecutive_failures))
            mails_after.append(len(smtp_sink.received))
            now += STEP
        broken = await row_of(service, "Flaky-Blog")

        feed_server.serve("/flaky.xml", rss_feed(ENTRIES))
        recovered = await pipeline.poll_source(service.crawler, source, now=now)
        await drain(service, now=now + timedelta(minutes=1))
        ok = await row_of(service, "Flaky-Blog")
        later = await pipeline.poll_source(service.crawler, source, now=now + STEP)
        await drain(service, now=now + STEP + timedelta(minutes=1))
        rows = await outbox_rows(service)

    assert states == [("failing", 1), ("failing", 2), ("broken", 3), ("broken", 4)]
    # No mail for failures 1 and 2, one at the 3rd, none for the 4th.
    assert mails_after == [0, 0, 1, 1]
    assert broken.health_reason is not None
    assert broken.health_reason == f"failed 4 times in a row; last: {url}: HTTP 404 Not Found"

    assert recovered.error is None
    assert recovered.items == 3
    assert later.error is None
    assert (ok.health, ok.consecutive_failures, ok.health_reason) == ("ok", 0, None)
    assert ok.last_error is None

    assert [(r.kind, r.status) for r in rows] == [("health", "sent"), ("health", "sent")]
    attention, works_again = smtp_sink.received
    assert attention.recipients == [ADMIN]
    assert works_again.recipients == [ADMIN]
    assert attention.message["Subject"] == 'Source "Flaky-Blog" needs attention'
    assert works_again.message["Subject"] == 'Source "Flaky-Blog" works again'

    plain = _flat(attention.part("plain"))
    # In the catalogue's words: the status, the count, the address; not the error's text.
    assert "Reason: The server answers with the error HTTP 404." in plain
    assert "Failed crawls in a row: 3" in plain
    assert url in plain
    assert "Not Found" not in plain
    html = _flat(attention.part("html"))
    assert "Reason: The server answers with the error HTTP 404." in html
    assert "Failed crawls in a row: 3" in html

    recovered_plain = _flat(works_again.part("plain"))
    assert "The source yields items again. Nothing to do." in recovered_plain
    assert "Reason:" not in recovered_plain


async def test_an_html_page_at_a_feed_url_breaks_the_source_at_once(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    url = feed_server.serve("/feed.xml", HTML_PAGE, content_type="text/html; charset=utf-8")
    config = make_config({"Html-Blog": url})
    source = config.sources[0]

    async with service_for(tmp_path, smtp_sink.url, config) as service:
        result = await pipeline.poll_source(service.crawler, source, now=T0)
        await drain(service, now=T0 + timedelta(minutes=1))
        row = await row_of(service, "Html-Blog")
        again = await pipeline.poll_source(service.crawler, source, now=T0 + STEP)
        await drain(service, now=T0 + STEP + timedelta(minutes=1))
        after = await row_of(service, "Html-Blog")

    assert result.error is not None
    assert "served an HTML page" in result.error
    assert again.error is not None
    assert (row.health, row.consecutive_failures) == ("broken", 1)
    assert row.health_reason is not None
    assert "served an HTML page" in row.health_reason
    assert (after.health, after.consecutive_failures) == ("broken", 2)

    (mail,) = smtp_sink.received  # one mail, not one per crawl
    assert mail.message["Subject"] == 'Source "Html-Blog" needs attention'
    plain = _flat(mail.part("plain"))
    assert "Reason: The page is not what the source expects" in plain
    assert "served an HTML page" not in _flat(mail.part("html"))  # that is the log's


async def test_a_feed_that_used_to_yield_items_and_now_has_none_is_broken(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    url = feed_server.serve("/feed.xml", rss_feed(ENTRIES))
    config = make_config({"Emptied-Blog": url})
    source = config.sources[0]

    async with service_for(tmp_path, smtp_sink.url, config) as service:
        first = await pipeline.poll_source(service.crawler, source, now=T0)
        await drain(service, now=T0 + timedelta(minutes=1))
        healthy = await row_of(service, "Emptied-Blog")
        feed_server.serve("/feed.xml", rss_feed([]))
        emptied = await pipeline.poll_source(service.crawler, source, now=T0 + STEP)
        await drain(service, now=T0 + STEP + timedelta(minutes=1))
        row = await row_of(service, "Emptied-Blog")
        feed_server.serve("/feed.xml", rss_feed(ENTRIES[:1]))
        refilled = await pipeline.poll_source(service.crawler, source, now=T0 + 2 * STEP)
        await drain(service, now=T0 + 2 * STEP + timedelta(minutes=1))
        again = await row_of(service, "Emptied-Blog")

    assert (first.error, first.items) == (None, 3)
    assert (healthy.health, healthy.yielded_before) == ("ok", True)
    assert emptied.error is None
    assert emptied.items == 0
    assert row.health == "broken"
    assert row.health_reason is not None
    assert "zero items" in row.health_reason
    assert url in row.health_reason

    assert (refilled.error, refilled.items) == (None, 1)
    assert (again.health, again.health_reason) == ("ok", None)

    attention, works_again = smtp_sink.received
    assert attention.message["Subject"] == 'Source "Emptied-Blog" needs attention'
    plain = _flat(attention.part("plain"))
    assert "Reason: Pages without items where there used to be some." in plain
    assert works_again.message["Subject"] == 'Source "Emptied-Blog" works again'


async def test_a_feed_that_never_had_items_is_not_broken_by_being_empty(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    url = feed_server.serve("/feed.xml", rss_feed([]))
    config = make_config({"Quiet-Blog": url})

    async with service_for(tmp_path, smtp_sink.url, config) as service:
        for step in range(2):
            result = await pipeline.poll_source(
                service.crawler, config.sources[0], now=T0 + step * STEP
            )
            assert result.error is None
        await drain(service, now=T0 + 2 * STEP)
        row = await row_of(service, "Quiet-Blog")

    assert (row.health, row.consecutive_failures, row.yielded_before) == ("ok", 0, False)
    assert smtp_sink.received == []


async def test_a_source_that_recovers_before_breaking_sends_no_mail_at_all(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    config = make_config({"Flaky-Blog": feed_server.url("/flaky.xml")})
    source = config.sources[0]
    states: list[tuple[str, int]] = []

    async with service_for(tmp_path, smtp_sink.url, config) as service:
        for step in range(3):
            if step == 2:
                feed_server.serve("/flaky.xml", rss_feed(ENTRIES))
            await pipeline.poll_source(service.crawler, source, now=T0 + step * STEP)
            await drain(service, now=T0 + step * STEP + timedelta(minutes=1))
            row = await row_of(service, "Flaky-Blog")
            states.append((row.health, row.consecutive_failures))
        rows = await outbox_rows(service)

    assert states == [("failing", 1), ("failing", 2), ("ok", 0)]
    assert rows == []
    assert smtp_sink.received == []


async def test_without_admins_no_mail_is_queued_but_the_state_still_changes(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    config = make_config({"Flaky-Blog": feed_server.url("/flaky.xml")}, admins=())
    source = config.sources[0]
    assert config.settings.admins == ()
    states: list[tuple[str, int]] = []

    async with service_for(tmp_path, smtp_sink.url, config) as service:
        for step in range(3):
            await pipeline.poll_source(service.crawler, source, now=T0 + step * STEP)
            row = await row_of(service, "Flaky-Blog")
            states.append((row.health, row.consecutive_failures))
        feed_server.serve("/flaky.xml", rss_feed(ENTRIES))
        await pipeline.poll_source(service.crawler, source, now=T0 + 3 * STEP)
        recovered = await row_of(service, "Flaky-Blog")
        drained = await drain(service, now=T0 + 4 * STEP)
        rows = await outbox_rows(service)

    assert states == [("failing", 1), ("failing", 2), ("broken", 3)]
    assert (recovered.health, recovered.consecutive_failures) == ("ok", 0)
    assert rows == []
    assert drained == delivery.Drained()
    assert smtp_sink.received == []


async def test_failures_before_attention_1_breaks_a_source_at_its_first_failure(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    config = make_config({"Flaky-Blog": feed_server.url("/flaky.xml")}, failures=1)
    source = config.sources[0]
    assert config.settings.failures_before_attention == 1

    async with service_for(tmp_path, smtp_sink.url, config) as service:
        result = await pipeline.poll_source(service.crawler, source, now=T0)
        await drain(service, now=T0 + timedelta(minutes=1))
        row = await row_of(service, "Flaky-Blog")
        await pipeline.poll_source(service.crawler, source, now=T0 + STEP)
        await drain(service, now=T0 + STEP + timedelta(minutes=1))
        after = await row_of(service, "Flaky-Blog")

    assert result.error is not None
    assert (row.health, row.consecutive_failures) == ("broken", 1)
    assert row.health_reason is not None
    assert "HTTP 404" in row.health_reason
    assert (after.health, after.consecutive_failures) == ("broken", 2)
    (mail,) = smtp_sink.received
    assert mail.message["Subject"] == 'Source "Flaky-Blog" needs attention'
    plain = _flat(mail.part("plain"))
    assert "HTTP 404" in plain
    assert "Failed crawls in a row: 1" in plain


@pytest.mark.parametrize(
    ("path", "body", "content_type", "problem"),
    [
        ("/missing.xml", None, None, "HTTP 404"),
        ("/page.xml", HTML_PAGE, "text/html; charset=utf-8", "served an HTML page"),
    ],
    ids=["404", "html-page"],
)
async def test_a_failing_source_does_not_disturb_another_crawled_alongside(
    tmp_path: Path,
    feed_server: FeedServer,
    smtp_sink: mailsink.MailSink,
    path: str,
    body: str | None,
    content_type: str | None,
    problem: str,
) -> None:
    good = feed_server.serve("/good.xml", rss_feed(ENTRIES))
    if body is not None and content_type is not None:
        bad = feed_server.serve(path, body, content_type=content_type)
    else:
        bad = feed_server.url(path)
    config = make_config({"Good-Blog": good, "Bad-Blog": bad}, failures=1)

    async with service_for(tmp_path, smtp_sink.url, config) as service:
        results = await asyncio.gather(
            *(pipeline.poll_source(service.crawler, s, now=T0) for s in config.sources)
        )
        await drain(service, now=T0 + timedelta(minutes=1))
        good_row = await row_of(service, "Good-Blog")
        bad_row = await row_of(service, "Bad-Blog")
        async with db.transaction(service.sessions) as session:
            titles = sorted(m.title for m in await mentions.listing(session))

    succeeded, failed = results
    assert succeeded.source == "Good-Blog"
    assert succeeded.error is None
    assert succeeded.items == 3
    assert len(succeeded.new_mentions) == 2  # two of the three entries name Vaude
    assert succeeded.pages == 1
    assert titles == ["Vaude Jacke im Test", "Vaude Rucksack"]
    assert (good_row.health, good_row.consecutive_failures) == ("ok", 0)
    assert good_row.last_success_at == T0
    assert good_row.items_last_seen == 3

    assert failed.source == "Bad-Blog"
    assert failed.error is not None
    assert problem in failed.error
    assert failed.new_mentions == ()
    assert bad_row.health == "broken"
    assert bad_row.last_success_at is None

    (mail,) = smtp_sink.received  # only the bad source's attention mail
    assert mail.message["Subject"] == 'Source "Bad-Blog" needs attention'


async def test_an_emptied_feed_answering_304_stays_broken(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    url = feed_server.serve("/feed.xml", rss_feed(ENTRIES), etag='"v1"')
    config = make_config({"Emptied-Blog": url})
    source = config.sources[0]

    async with service_for(tmp_path, smtp_sink.url, config) as service:
        await pipeline.poll_source(service.crawler, source, now=T0)
        feed_server.serve("/feed.xml", rss_feed([]), etag='"v2"')
        await pipeline.poll_source(service.crawler, source, now=T0 + STEP)
        emptied = await row_of(service, "Emptied-Blog")
        unchanged = await pipeline.poll_source(service.crawler, source, now=T0 + 2 * STEP)
        await drain(service, now=T0 + 2 * STEP + timedelta(minutes=1))
        row = await row_of(service, "Emptied-Blog")

    assert [hit.status for hit in feed_server.requests_for("/feed.xml")] == [200, 200, 304]
    assert emptied.health == "broken"
    assert unchanged.not_modified == 1
    # Nothing changed since the crawl that found the feed empty: it is still broken …
    assert row.health == "broken"
    assert row.health_reason is not None
    assert "zero items" in row.health_reason
    # … and the admins got the one attention mail, no "works again".
    subjects = [mail.message["Subject"] for mail in smtp_sink.received]
    assert subjects == ['Source "Emptied-Blog" needs attention']


CLOUDFLARE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    b"<div id='cf-browser-verification'>Checking your browser before accessing the site."
    b"</div><script src='/cdn-cgi/challenge-platform/h/g/orchestrate/jsch/v1'></script>"
    b"</body></html>"
)


async def test_a_bot_challenge_answered_with_403_breaks_the_source_at_once_without_retries(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    url = feed_server.serve(
        "/feed.xml", CLOUDFLARE, content_type="text/html; charset=utf-8", status=403
    )
    config = make_config({"Blocked-Blog": url})

    async with service_for(tmp_path, smtp_sink.url, config) as service:
        result = await pipeline.poll_source(service.crawler, config.sources[0], now=T0)
        await drain(service, now=T0 + timedelta(minutes=1))
        row = await row_of(service, "Blocked-Blog")

    assert result.error is not None
    assert "Cloudflare challenge" in result.error
    assert len(feed_server.requests_for("/feed.xml")) == 1  # a challenge is not retried
    assert (row.health, row.consecutive_failures) == ("broken", 1)
    (mail,) = smtp_sink.received
    assert mail.message["Subject"] == 'Source "Blocked-Blog" needs attention'
    assert "blocks automated readers" in _flat(mail.part("plain"))


async def test_an_ordinary_503_is_a_failure_not_a_challenge(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    url = feed_server.serve(
        "/feed.xml", b"<html><body>Service Unavailable</body></html>",
        content_type="text/html", status=503,
    )  # fmt: skip
    config = make_config({"Down-Blog": url})

    async with service_for(tmp_path, smtp_sink.url, config) as service:
        result = await pipeline.poll_source(service.crawler, config.sources[0], now=T0)
        row = await row_of(service, "Down-Blog")

    assert result.error is not None
    assert "503" in result.error
    assert "challenge" not in result.error
    assert (row.health, row.consecutive_failures) == ("failing", 1)
    assert smtp_sink.received == []
