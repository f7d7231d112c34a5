"""The whole path on real parts: loopback feed → crawl → SQLite → digest → outbox → aiosmtpd."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from monitor.alerting import delivery, digest
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
T0 = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)  # 10:00 in Berlin


def make_config(
    sources: dict[str, str],
    *,
    recipients: tuple[str, ...] = ("marketing@example.org", "pr@example.org"),
) -> sources_yaml.Config:
    """Two brands (a word and a quoted phrase), `sources` as name → feed URL, one digest."""
    source_lines = "".join(
        f"  - type: feed\n    name: {name}\n    url: {url}\n" for name, url in sources.items()
    )
    return sources_yaml.parse(
        "settings:\n"
        "  timezone: Europe/Berlin\n"
        "  language: de\n"
        "brands:\n"
        "  - name: Vaude\n"
        "    query: Vaude\n"
        "  - name: Müller Medical\n"
        "    query: '\"Müller Medical\"'\n"
        "sources:\n" + source_lines + "alerts:\n"
        "  - name: team\n"
        f"    recipients: [{', '.join(recipients)}]\n"
        "    digest: daily at 08:00\n"
        # The loopback server needs no politeness pause between requests.
        "hosts:\n"
        "  127.0.0.1: {delay: 0}\n",
        filename="sources.yaml",
    )


def make_settings(tmp_path: Path, smtp_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url(tmp_path),
        smtp_url=smtp_url,
        mail_from=SENDER,
        allow_hosts=("127.0.0.1",),
    )


@asynccontextmanager
async def service_for(
    tmp_path: Path, smtp_url: str, config: sources_yaml.Config
) -> AsyncIterator[Service]:
    async with open_service(make_settings(tmp_path, smtp_url), config) as service:
        yield service


async def send_digests(service: Service, *, now: datetime) -> delivery.Drained:
    """What the scheduler does at digest time, with the clock held at `now`."""
    for alert in service.config.alerts:
        await digest.prepare(service.config, alert, service.sessions, sender=SENDER, now=now)
    return await drain(service, now=now)


async def drain(service: Service, *, now: datetime) -> delivery.Drained:
    return await delivery.drain(
        service.sessions, service.mailer, sender=SENDER, clock=lambda: now, rng=lambda: 0.5
    )


async def outbox_rows(service: Service) -> list[Outbox]:
    async with db.transaction(service.sessions) as session:
        return list((await session.scalars(select(Outbox).order_by(Outbox.id))).all())


async def listed(service: Service) -> list[str]:
    async with db.transaction(service.sessions) as session:
        return sorted(m.title for m in await mentions.listing(session))


class Links(HTMLParser):
    """The links and bold runs a mail client would show."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.bold: list[str] = []
        self._href: str | None = None
        self._text = ""
        self._in_bold = False
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href, self._text = dict(attrs).get("href") or "", ""
        elif tag == "b":
            self._in_bold = True
            self.bold.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, self._text))
            self._href = None
        elif tag == "b":
            self._in_bold = False

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text += data
        if self._in_bold:
            self.bold[-1] += data


BLOG_ENTRIES = [
    Entry(
        title="Neue Vaude Jacke im Test",
        link="https://blog.example/p/1?utm_source=rss&utm_medium=feed",
        description="<p>Die <b>Vaude</b> Jacke hält warm &amp; trocken.</p>",
        published_at=T0 - timedelta(hours=3),
    ),
    Entry(
        title="Grüße von Müller Medical",
        link="https://Blog.example/p/2?fbclid=abc#kommentare",
        description="Neues von <i>Müller Medical</i> aus Köln.",
        published_at=T0 - timedelta(hours=1),
    ),
    Entry(
        title="Vaudeville im Theater",
        link="https://blog.example/p/3",
        description="Ein Vaudeville-Abend mit Herrn Müller und medical drama.",
        published_at=T0 - timedelta(hours=2),
    ),
]


async def test_a_feed_entry_reaches_the_inbox_as_a_digest(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    url = feed_server.serve("/blog.xml", rss_feed(BLOG_ENTRIES))
    config = make_config({"Outdoor-Blog": url})

    async with service_for(tmp_path, smtp_sink.url, config) as service:
        result = await pipeline.poll_source(service.crawler, config.sources[0], now=T0)
        drained = await send_digests(service, now=T0 + timedelta(minutes=5))
        titles = await listed(service)

    assert result.error is None
    assert result.items == 3
    assert len(result.new_mentions) == 2
    # Vaudeville is not Vaude, and Müller … medical is not the phrase "Müller Medical".
    assert titles == ["Grüße von Müller Medical", "Neue Vaude Jacke im Test"]
    assert drained == delivery.Drained(sent=1)

    (mail,) = smtp_sink.received
    assert mail.sender == "monitor@example.org"
    assert sorted(mail.recipients) == ["marketing@example.org", "pr@example.org"]
    message = mail.message
    assert message["Subject"] == (
        "Müller Medical, Vaude: 2 neue Erwähnungen · Tageszusammenfassung · 6. Mai"
    )
    assert message["To"] == "marketing@example.org, pr@example.org"

    html, plain = mail.part("html"), mail.part("plain")
    page = Links(html)
    # Grouped by brand (alphabetically); each title links to its clean permalink.
    assert page.links == [
        ("https://blog.example/p/2", "Grüße von Müller Medical"),
        ("https://blog.example/p/1", "Neue Vaude Jacke im Test"),
    ]
    assert page.bold == ["Müller Medical", "Vaude"]
    for reference in (f"M-{i}" for i in result.new_mentions):
        assert f"Referenz {reference}" in html
        assert f"Referenz {reference}" in plain
    assert "Die *Vaude* Jacke hält warm & trocken." in plain
    assert "Neues von *Müller Medical* aus Köln." in plain
    assert "https://blog.example/p/1" in plain.splitlines()
    assert "utm_" not in html + plain
    assert "fbclid" not in html + plain
    assert "Vaudeville" not in html + plain


async def test_a_second_crawl_and_digest_send_nothing_new(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    url = feed_server.serve("/blog.xml", rss_feed(BLOG_ENTRIES))
    config = make_config({"Outdoor-Blog": url})

    async with service_for(tmp_path, smtp_sink.url, config) as service:
        await pipeline.poll_source(service.crawler, config.sources[0], now=T0)
        first = await send_digests(service, now=T0 + timedelta(minutes=5))
        again = await pipeline.poll_source(
            service.crawler, config.sources[0], now=T0 + timedelta(minutes=30)
        )
        second = await send_digests(service, now=T0 + timedelta(minutes=35))
        rows = await outbox_rows(service)

    assert first.sent == 1
    assert again.error is None
    assert again.items == 3
    assert again.new_mentions == ()
    assert second == delivery.Drained()
    assert len(rows) == 1
    assert len(smtp_sink.received) == 1


async def test_the_first_crawl_alerts_only_what_is_within_the_backfill_window(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    url = feed_server.serve(
        "/blog.xml",
        rss_feed(
            [
                Entry(
                    "Vaude Archiv von letzter Woche",
                    "https://blog.example/old",
                    "Vaude damals",
                    T0 - timedelta(days=5),
                ),
                Entry(
                    "Vaude gestern",
                    "https://blog.example/new",
                    "Vaude heute",
                    T0 - timedelta(days=1),
                ),
            ]
        ),
    )
    config = make_config({"Outdoor-Blog": url})
    assert config.settings.backfill == timedelta(days=2)

    async with service_for(tmp_path, smtp_sink.url, config) as service:
        result = await pipeline.poll_source(service.crawler, config.sources[0], now=T0)
        drained = await send_digests(service, now=T0 + timedelta(minutes=5))
        titles = await listed(service)

    # Both are stored (the baseline is visible) …
    assert len(result.new_mentions) == 2
    assert titles == ["Vaude Archiv von letzter Woche", "Vaude gestern"]
    # … but only the recent one is mailed.
    assert drained.sent == 1
    (mail,) = smtp_sink.received
    links = Links(mail.part("html")).links
    assert links == [("https://blog.example/new", "Vaude gestern")]
    assert "Archiv" not in mail.part("plain")
    assert mail.message["Subject"].startswith("Vaude: 1 neue Erwähnung ·")


async def test_an_unchanged_feed_answers_304_and_is_not_parsed_again(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    url = feed_server.serve("/blog.xml", rss_feed(BLOG_ENTRIES[:1]), etag='"v1"')
    config = make_config({"Outdoor-Blog": url})
    source = config.sources[0]

    async with service_for(tmp_path, smtp_sink.url, config) as service:
        first = await pipeline.poll_source(service.crawler, source, now=T0)
        second = await pipeline.poll_source(service.crawler, source, now=T0 + timedelta(hours=1))
        feed_server.serve("/blog.xml", rss_feed(BLOG_ENTRIES[:2]), etag='"v2"')
        third = await pipeline.poll_source(service.crawler, source, now=T0 + timedelta(hours=2))

    hits = feed_server.requests_for("/blog.xml")
    assert [hit.status for hit in hits] == [200, 304, 200]
    assert "if-none-match" not in hits[0].headers
    assert hits[1].headers["if-none-match"] == '"v1"'
    assert hits[2].headers["if-none-match"] == '"v1"'
    assert (first.items, first.not_modified, len(first.new_mentions)) == (1, 0, 1)
    assert (second.items, second.not_modified, second.new_mentions) == (0, 1, ())
    assert second.error is None
    assert (third.items, third.not_modified, len(third.new_mentions)) == (2, 0, 1)


async def test_a_failing_source_is_recorded_and_does_not_stop_another(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    working = feed_server.serve("/blog.xml", rss_feed(BLOG_ENTRIES))
    broken = feed_server.serve("/broken.xml", "oops", status=500, content_type="text/plain")
    config = make_config({"Outdoor-Blog": working, "Kaputt": broken})

    async with service_for(tmp_path, smtp_sink.url, config) as service:
        results = [await pipeline.poll_source(service.crawler, s, now=T0) for s in config.sources]
        async with db.transaction(service.sessions) as session:
            rows = {s.name: s for s in (await session.scalars(select(Source))).all()}

    succeeded, failed = results
    assert succeeded.error is None
    assert len(succeeded.new_mentions) == 2
    assert failed.error is not None
    assert "HTTP 500" in failed.error
    assert failed.new_mentions == ()
    assert feed_server.requests_for("/broken.xml")  # it was asked, and answered 500
    assert {hit.status for hit in feed_server.requests_for("/broken.xml")} == {500}
    assert rows["Kaputt"].consecutive_failures == 1
    assert rows["Kaputt"].last_error == failed.error
    assert rows["Kaputt"].last_success_at is None
    assert rows["Outdoor-Blog"].consecutive_failures == 0
    assert rows["Outdoor-Blog"].last_error is None
    assert rows["Outdoor-Blog"].last_success_at == T0


async def test_a_mail_waits_while_smtp_is_down_and_goes_out_once_when_it_is_back(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    url = feed_server.serve("/blog.xml", rss_feed(BLOG_ENTRIES))
    config = make_config({"Outdoor-Blog": url})
    closed_port = mailsink.free_port()  # bound and released: nothing listens there
    digest_at = T0 + timedelta(minutes=5)

    async with service_for(tmp_path, f"smtp://127.0.0.1:{closed_port}", config) as service:
        await pipeline.poll_source(service.crawler, config.sources[0], now=T0)
        down = await send_digests(service, now=digest_at)
        (row,) = await outbox_rows(service)

    assert down == delivery.Drained(retrying=1)
    assert row.status == "pending"
    assert row.attempts == 1
    assert row.last_error
    assert row.next_attempt_at > digest_at

    async with service_for(tmp_path, smtp_sink.url, config) as service:
        too_early = await drain(service, now=digest_at)
        back = await drain(service, now=row.next_attempt_at + timedelta(seconds=1))
        later = await drain(service, now=row.next_attempt_at + timedelta(hours=1))
        (after,) = await outbox_rows(service)

    assert too_early == delivery.Drained()
    assert back == delivery.Drained(sent=1)
    assert later == delivery.Drained()
    assert after.status == "sent"
    assert after.last_error is None
    assert len(smtp_sink.received) == 1
    assert smtp_sink.received[0].message["Message-ID"] == _message_id(row.message)


def _message_id(data: bytes) -> str:
    return str(message_from_bytes(data, policy=policy.default)["Message-ID"])


@dataclass
class RefusingHandler:
    """An SMTP server that refuses some recipients with 550 and keeps what it accepts."""

    refuse: frozenset[str]
    received: list[tuple[list[str], bytes]] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"


@contextmanager
def refusing_smtp(*refuse: str) -> Iterator[tuple[str, RefusingHandler]]:
    handler = RefusingHandler(frozenset(refuse))
    controller = Controller(handler, hostname="127.0.0.1", port=mailsink.free_port())
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{controller.port}", handler
    finally:
        controller.stop()


async def test_a_mail_whose_only_recipient_is_refused_with_550_fails(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.serve("/blog.xml", rss_feed(BLOG_ENTRIES))
    config = make_config({"Outdoor-Blog": url}, recipients=("gone@example.org",))

    with refusing_smtp("gone@example.org") as (smtp_url, handler):
        async with service_for(tmp_path, smtp_url, config) as service:
            await pipeline.poll_source(service.crawler, config.sources[0], now=T0)
            drained = await send_digests(service, now=T0 + timedelta(minutes=5))
            retried = await drain(service, now=T0 + timedelta(days=1))
            (row,) = await outbox_rows(service)

    assert drained == delivery.Drained(failed=1)
    assert retried == delivery.Drained()
    assert row.status == "failed"
    assert row.last_error is not None
    assert "550" in row.last_error
    assert "no such user" in row.last_error
    assert handler.received == []


async def test_a_recipient_refused_with_550_fails_alone_while_the_other_gets_the_mail(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.serve("/blog.xml", rss_feed(BLOG_ENTRIES))
    config = make_config({"Outdoor-Blog": url}, recipients=("ok@example.org", "gone@example.org"))

    with refusing_smtp("gone@example.org") as (smtp_url, handler):
        async with service_for(tmp_path, smtp_url, config) as service:
            await pipeline.poll_source(service.crawler, config.sources[0], now=T0)
            drained = await send_digests(service, now=T0 + timedelta(minutes=5))
            (row,) = await outbox_rows(service)

    assert drained == delivery.Drained(sent=1)
    assert row.status == "sent"
    assert row.failed_recipients == ["gone@example.org"]
    ((envelope_to, data),) = handler.received
    assert envelope_to == ["ok@example.org"]
    assert b"Vaude" in data
