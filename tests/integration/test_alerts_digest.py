"""Digests as the reader gets them, and their windows: loopback feeds → crawl → SQLite (through
Alembic) → digest.close_window → outbox → aiosmtplib → a real aiosmtpd server.

Every clock is passed in: `close_window(now=…)` is what the scheduler's digest job (and its
catch-up on start) does at that moment.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from sqlalchemy import func, select

from monitor import domain
from monitor.alerting import digest
from monitor.crawl import pipeline
from monitor.demo import mailsink
from monitor.store import db
from monitor.store.schema import Delivery, DigestWindow
from tests.conftest import SENDER, Entry, FeedServer, Mailroom, rss_feed

# Saturday 21 Nov 2026, 14:00 UTC: after both 08:00 ticks of that day (Berlin 07:00 UTC,
# New York 13:00 UTC). The alerts are first seen then, as a running service would see them.
SEEN = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
CRAWL = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)  # before either window of the 22nd ends
AFTER_BOTH = datetime(2026, 11, 22, 13, 30, tzinfo=UTC)  # both windows of the 22nd ended

TWO_ALERTS = (
    "  - name: en-team\n"
    "    recipients: [anna@example.org, ben@example.org]\n"
    "    digest: daily at 08:00\n"
    "    language: en\n"
    "    timezone: America/New_York\n"
    "  - name: de-team\n"
    "    recipients: [dora@example.org]\n"
    "    digest: daily at 08:00\n"
)


class Page(HTMLParser):
    """What a mail client would make of an HTML part."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.bold: list[str] = []
        self.styled = 0
        self.text = ""
        self._href: str | None = None
        self._in_bold = False
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        named = dict(attrs)
        self.styled += "style" in named
        if tag == "a":
            self._href = named.get("href") or ""
            self.links.append((self._href, ""))
        elif tag == "b":
            self._in_bold = True
            self.bold.append("")
        elif tag in ("div", "td", "tr", "br", "p"):
            self.text += "\n"

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._href = None
        elif tag == "b":
            self._in_bold = False

    def handle_data(self, data: str) -> None:
        self.text += data
        if self._href is not None:
            href, words = self.links[-1]
            self.links[-1] = (href, words + data)
        if self._in_bold:
            self.bold[-1] += data

    @property
    def lines(self) -> list[str]:
        return [" ".join(line.split()) for line in self.text.splitlines() if line.strip()]


def post(n: int, title: str, text: str, published: datetime) -> Entry:
    return Entry(title, f"https://outdoor-blog.example/p/{n}?utm_source=rss", text, published)


MIXED = [
    post(1, "Vaude Jacke im Test", "<p>Die <i>Vaude</i> Jacke hält warm.</p>",
         datetime(2026, 11, 21, 15, 0, tzinfo=UTC)),
    post(2, "Grüße aus Köln", "Neues von Müller Medical: größere Filiale.",
         datetime(2026, 11, 21, 20, 0, tzinfo=UTC)),
    # 03:30 UTC: the evening before in New York, early morning in Berlin.
    post(3, "Vaude Rucksack nachts getestet", "Der Vaude Rucksack überzeugt.",
         datetime(2026, 11, 22, 3, 30, tzinfo=UTC)),
    post(4, "Vaudeville im Theater", "Kein Treffer: Vaudeville ist nicht Vaude-los.",
         datetime(2026, 11, 22, 4, 0, tzinfo=UTC)),
]  # fmt: skip


async def test_a_digest_shows_each_mention_grouped_by_brand_in_the_alerts_language_and_zone(
    mailroom: Mailroom, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    url = feed_server.serve("/blog.xml", rss_feed(MIXED[:3]))
    config = mailroom.config(TWO_ALERTS, sources={"Outdoor-Blog": url})

    async with mailroom.service(config, smtp_sink.url) as service:
        for alert in ("en-team", "de-team"):
            assert await mailroom.close(service, alert, now=SEEN) is None  # first seen
        crawl = await pipeline.poll_source(service.crawler, config.sources[0], now=CRAWL)
        en = await mailroom.close(service, "en-team", now=AFTER_BOTH)
        de = await mailroom.close(service, "de-team", now=AFTER_BOTH)
        drained = await mailroom.drain(service, now=AFTER_BOTH)

    assert crawl.error is None
    vaude_new, mueller, vaude_old = sorted(crawl.new_mentions, reverse=True)
    assert en is not None
    assert de is not None
    assert (en.mentions, de.mentions) == (3, 3)  # two alerts, both get every mention
    assert drained.sent == 2
    mails = {tuple(m.recipients): m for m in smtp_sink.received}
    english = mails[("anna@example.org", "ben@example.org")]
    german = mails[("dora@example.org",)]

    # Subjects, umlauts intact after the SMTP round trip.
    assert english.message["Subject"] == (
        "Müller Medical, Vaude: 3 new mentions · daily digest · 22 Nov"
    )
    assert german.message["Subject"] == (
        "Müller Medical, Vaude: 3 neue Erwähnungen · Tageszusammenfassung · 22. Nov."
    )
    assert english.message["From"] == SENDER
    assert english.message["To"] == "anna@example.org, ben@example.org"

    page = Page(english.part("html"))
    # Grouped by brand (alphabetically), newest first within a brand; titles link to the
    # clean permalink.
    assert page.links == [
        ("https://outdoor-blog.example/p/2", "Grüße aus Köln"),
        ("https://outdoor-blog.example/p/3", "Vaude Rucksack nachts getestet"),
        ("https://outdoor-blog.example/p/1", "Vaude Jacke im Test"),
    ]
    lines = page.lines
    assert lines.index("Müller Medical") < lines.index("Grüße aus Köln")
    assert (
        lines.index("Grüße aus Köln")
        < lines.index("Vaude")
        < lines.index("Vaude Rucksack nachts getestet")
    )
    # Source, host and date in the alert's zone (03:30 UTC is 22:30 the evening before in
    # New York, 04:30 in Berlin).
    assert "Outdoor-Blog · outdoor-blog.example · 21 Nov 2026, 22:30" in lines
    assert "Outdoor-Blog · outdoor-blog.example · 21 Nov 2026, 10:00" in lines
    assert page.bold == ["Müller Medical", "Vaude", "Vaude"]
    assert "Neues von Müller Medical: größere Filiale." in lines
    for reference in (f"M-{vaude_new}", f"M-{mueller}", f"M-{vaude_old}"):
        assert f"Reference {reference}" in lines
    footer = lines[-1]
    assert footer == (
        'This digest comes from the alert "en-team" (daily at 08:00) and goes to '
        "anna@example.org, ben@example.org."
    )

    plain = english.part("plain")
    for expected in (
        "== Müller Medical ==",
        "Grüße aus Köln",
        "https://outdoor-blog.example/p/2",
        "Outdoor-Blog · outdoor-blog.example · 21 Nov 2026, 22:30",
        "Neues von *Müller Medical*: größere Filiale.",
        "Der *Vaude* Rucksack überzeugt.",
        f"Reference M-{mueller}",
        footer,
    ):
        assert expected in plain.splitlines(), expected
    assert (
        plain.index("Grüße aus Köln") < plain.index("Vaude Rucksack") < plain.index("Vaude Jacke")
    )

    german_page = Page(german.part("html"))
    assert "Outdoor-Blog · outdoor-blog.example · 22. Nov. 2026, 04:30" in german_page.lines
    assert f"Referenz M-{mueller}" in german_page.lines
    assert german_page.lines[-1] == (
        "Diese Zusammenfassung kommt vom Alarm „de-team“ (täglich um 08:00) und geht an "
        "dora@example.org."
    )
    assert "Der *Vaude* Rucksack überzeugt." in german.part("plain").splitlines()

    # Built for mail clients: a 640 px table, CSS inlined, nothing executable.
    for html in (english.part("html"), german.part("html")):
        markup = Page(html)
        assert "script" not in markup.tags
        assert "style" not in markup.tags
        assert 'width="640"' in html
        assert markup.styled > 10
        assert "utm_source" not in html


async def test_twelve_mentions_of_one_brand_make_the_subject_the_issue_names(
    mailroom: Mailroom, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    entries = [
        post(n, f"Vaude Test Nummer {n}", f"Vaude Beitrag {n}",
             CRAWL - timedelta(hours=1, minutes=n))
        for n in range(1, 13)
    ]  # fmt: skip
    url = feed_server.serve("/blog.xml", rss_feed(entries))
    config = mailroom.config(TWO_ALERTS, sources={"Outdoor-Blog": url})

    async with mailroom.service(config, smtp_sink.url) as service:
        for alert in ("en-team", "de-team"):
            await mailroom.close(service, alert, now=SEEN)
        await pipeline.poll_source(service.crawler, config.sources[0], now=CRAWL)
        await mailroom.close(service, "en-team", now=AFTER_BOTH)
        await mailroom.close(service, "de-team", now=AFTER_BOTH)
        await mailroom.drain(service, now=AFTER_BOTH)

    subjects = sorted(str(m.message["Subject"]) for m in smtp_sink.received)
    assert subjects == [
        "Vaude: 12 neue Erwähnungen · Tageszusammenfassung · 22. Nov.",
        "Vaude: 12 new mentions · daily digest · 22 Nov",
    ]
    english = next(m for m in smtp_sink.received if "anna@example.org" in m.recipients)
    titles = [words for _, words in Page(english.part("html")).links]
    assert titles == [f"Vaude Test Nummer {n}" for n in range(1, 13)]  # newest first


async def test_ratings_are_written_with_the_decimal_mark_of_the_alerts_language(
    mailroom: Mailroom, smtp_sink: mailsink.MailSink
) -> None:
    config = mailroom.config(TWO_ALERTS)
    review = domain.Document(
        key="https://portal.example/r/1",
        url="https://portal.example/r/1",
        title="Solide Vaude Jacke",
        text="Die Vaude Jacke ist solide.",
        published_at=CRAWL - timedelta(hours=2),
        rating=4.5,
    )

    async with mailroom.service(config, smtp_sink.url) as service:
        for alert in ("en-team", "de-team"):
            await mailroom.close(service, alert, now=SEEN)
        await mailroom.store(service, "Portal", [review], now=CRAWL)
        await mailroom.close(service, "en-team", now=AFTER_BOTH)
        await mailroom.close(service, "de-team", now=AFTER_BOTH)
        await mailroom.drain(service, now=AFTER_BOTH)

    by_language = {
        "en" if "anna@example.org" in m.recipients else "de": m for m in smtp_sink.received
    }
    assert "Rating 4.5 / 5 ★" in by_language["en"].part("html")
    assert "Rating 4.5 / 5 ★" in by_language["en"].part("plain")
    assert "Bewertung 4,5 / 5 ★" in by_language["de"].part("html")
    assert "Bewertung 4,5 / 5 ★" in by_language["de"].part("plain")
    assert "4.5" not in by_language["de"].part("plain")


async def test_an_empty_window_sends_nothing_unless_the_alert_asks_for_empty_digests(
    mailroom: Mailroom, smtp_sink: mailsink.MailSink
) -> None:
    config = mailroom.config(
        "  - name: quiet\n"
        "    recipients: [q@example.org]\n"
        "    digest: daily at 08:00\n"
        "  - name: always\n"
        "    recipients: [a@example.org]\n"
        "    digest: daily at 08:00\n"
        "    send_empty: true\n"
        "    language: en\n"
    )
    async with mailroom.service(config, smtp_sink.url) as service:
        for alert in ("quiet", "always"):
            await mailroom.close(service, alert, now=SEEN)
        quiet = await mailroom.close(service, "quiet", now=AFTER_BOTH)
        always = await mailroom.close(service, "always", now=AFTER_BOTH)
        drained = await mailroom.drain(service, now=AFTER_BOTH)
        rows = await mailroom.outbox(service)

    assert quiet == digest.Prepared("quiet", 0, None, None)
    assert always is not None
    assert always.mentions == 0
    assert always.outbox_id is not None
    assert drained.sent == 1
    assert [row.alert for row in rows] == ["always"]
    (mail,) = smtp_sink.received
    assert mail.recipients == ["a@example.org"]
    assert "0 new mentions · daily digest · 22 Nov" in mail.message["Subject"]
    assert "There were no new mentions in this period." in Page(mail.part("html")).lines
    assert "There were no new mentions in this period." in mail.part("plain")


# --- windows -------------------------------------------------------------------------------

ONE_ALERT = "  - name: team\n    recipients: [team@example.org]\n    digest: daily at 08:00\n"
MONDAY = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 07:00 Berlin, before the 08:00 tick


def dated(n: int, published: datetime) -> Entry:
    return post(n, f"Vaude Beitrag {n}", f"Vaude Text {n}", published)


async def windows(service_sessions: object) -> list[DigestWindow]:
    async with db.transaction(service_sessions) as session:  # type: ignore[arg-type]
        return list((await session.scalars(select(DigestWindow).order_by(DigestWindow.id))).all())


async def test_a_window_closes_once_however_often_it_is_asked(
    mailroom: Mailroom, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    url = feed_server.serve("/blog.xml", rss_feed([dated(1, MONDAY - timedelta(hours=1))]))
    config = mailroom.config(ONE_ALERT, sources={"Blog": url})
    tick = MONDAY + timedelta(hours=1)  # 08:00 Berlin

    async with mailroom.service(config, smtp_sink.url) as service:
        await mailroom.close(service, "team", now=MONDAY - timedelta(hours=12))
        await pipeline.poll_source(service.crawler, config.sources[0], now=MONDAY)
        first = await mailroom.close(service, "team", now=tick)
        again = await mailroom.close(service, "team", now=tick + timedelta(minutes=1))
        later = await mailroom.close(service, "team", now=tick + timedelta(hours=20))
        drained = await mailroom.drain(service, now=tick + timedelta(hours=20))
        rows = await mailroom.outbox(service)
        closed = await windows(service.sessions)

    assert first is not None
    assert first.mentions == 1
    assert again is None
    assert later is None
    assert drained.sent == 1
    assert len(rows) == 1
    assert [(w.window_end, w.mentions, w.outbox_id) for w in closed] == [(tick, 1, rows[0].id)]
    assert len(smtp_sink.received) == 1


async def test_two_processes_closing_the_same_window_at_once_queue_one_mail(
    mailroom: Mailroom, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    url = feed_server.serve("/blog.xml", rss_feed([dated(1, MONDAY - timedelta(hours=1))]))
    config = mailroom.config(ONE_ALERT, sources={"Blog": url})
    tick = MONDAY + timedelta(hours=1)
    alert = config.alert("team")

    async with (
        mailroom.service(config, smtp_sink.url) as one,
        mailroom.service(config, smtp_sink.url) as two,  # a second engine on the same file
    ):
        await mailroom.close(one, "team", now=MONDAY - timedelta(hours=12))
        await pipeline.poll_source(one.crawler, config.sources[0], now=MONDAY)
        results = await asyncio.gather(
            *(
                digest.close_window(config, alert, s.sessions, sender=SENDER, now=tick)
                for s in (one, two, one, two)
            )
        )
        sent = await asyncio.gather(mailroom.drain(one, now=tick), mailroom.drain(two, now=tick))
        rows = await mailroom.outbox(one)

    queued = [r for r in results if r is not None]
    assert len(queued) == 1, results
    assert queued[0].mentions == 1
    assert len(rows) == 1
    assert sum(d.sent for d in sent) == 1
    assert len(smtp_sink.received) == 1


async def test_windows_missed_while_down_are_caught_up_in_one_digest_with_everything_pending(
    mailroom: Mailroom, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    config = mailroom.config(ONE_ALERT, sources={"Blog": feed_server.url("/blog.xml")})
    monday_post = dated(1, MONDAY - timedelta(hours=1))
    tuesday = MONDAY + timedelta(days=1)
    tuesday_post = dated(2, tuesday - timedelta(hours=1))

    async with mailroom.service(config, smtp_sink.url) as service:
        await mailroom.close(service, "team", now=MONDAY - timedelta(hours=12))
        feed_server.serve("/blog.xml", rss_feed([monday_post]))
        await pipeline.poll_source(service.crawler, config.sources[0], now=MONDAY)
        feed_server.serve("/blog.xml", rss_feed([monday_post, tuesday_post]))
        await pipeline.poll_source(service.crawler, config.sources[0], now=tuesday)
    # The crawls ran, but no process ran the digest job at 08:00 (Berlin) on Monday, Tuesday
    # or Wednesday. One comes back at Wednesday 10:00 and catches up: one digest.
    back = MONDAY + timedelta(days=2, hours=3)
    async with mailroom.service(config, smtp_sink.url) as service:
        caught_up = await mailroom.close(service, "team", now=back)
        next_tick = await mailroom.close(service, "team", now=back + timedelta(minutes=30))
        drained = await mailroom.drain(service, now=back)
        rows = await mailroom.outbox(service)
        closed = await windows(service.sessions)

    assert caught_up is not None
    assert caught_up.mentions == 2
    assert next_tick is None
    assert drained.sent == 1
    assert len(rows) == 1
    assert [w.window_end for w in closed] == [datetime(2026, 11, 25, 7, 0, tzinfo=UTC)]
    (mail,) = smtp_sink.received
    assert [t for _, t in Page(mail.part("html")).links] == ["Vaude Beitrag 2", "Vaude Beitrag 1"]


async def test_a_new_alert_sends_no_digest_for_a_window_that_ended_before_it_appeared(
    mailroom: Mailroom, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    url = feed_server.serve("/blog.xml", rss_feed([dated(1, MONDAY - timedelta(hours=1))]))
    config = mailroom.config(ONE_ALERT, sources={"Blog": url})
    appeared = MONDAY + timedelta(hours=3)  # 10:00 Berlin: the 08:00 window is over

    async with mailroom.service(config, smtp_sink.url) as service:
        await pipeline.poll_source(service.crawler, config.sources[0], now=MONDAY)
        at_start = await mailroom.close(service, "team", now=appeared)
        tomorrow = await mailroom.close(service, "team", now=appeared + timedelta(days=1))
        await mailroom.drain(service, now=appeared + timedelta(days=1))
        closed = await windows(service.sessions)

    assert at_start is None
    assert [w.window_end for w in closed] == [MONDAY + timedelta(days=1, hours=1)]
    # Its first own window carries what is pending for it.
    assert tomorrow is not None
    assert tomorrow.mentions == 1
    assert len(smtp_sink.received) == 1


async def test_a_mention_is_in_an_alerts_digests_once_and_in_each_alerts_digest(
    mailroom: Mailroom, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    alerts = ONE_ALERT + "  - name: board\n    recipients: [board@example.org]\n"
    alerts += "    digest: every 12 hours\n"
    config = mailroom.config(alerts, sources={"Blog": feed_server.url("/blog.xml")})
    first, second = dated(1, MONDAY - timedelta(hours=1)), dated(2, MONDAY + timedelta(hours=5))

    async with mailroom.service(config, smtp_sink.url) as service:
        for alert in ("team", "board"):
            await mailroom.close(service, alert, now=MONDAY - timedelta(hours=12))
        feed_server.serve("/blog.xml", rss_feed([first]))
        await pipeline.poll_source(service.crawler, config.sources[0], now=MONDAY)
        # team closes at 08:00 Berlin, board at 12:00 (every 12 hours from local midnight).
        await mailroom.close(service, "team", now=MONDAY + timedelta(hours=2))
        await mailroom.close(service, "board", now=MONDAY + timedelta(hours=5, minutes=30))
        feed_server.serve("/blog.xml", rss_feed([first, second]))
        await pipeline.poll_source(
            service.crawler, config.sources[0], now=MONDAY + timedelta(hours=6)
        )
        await mailroom.close(service, "team", now=MONDAY + timedelta(days=1, hours=2))
        await mailroom.close(service, "board", now=MONDAY + timedelta(hours=17, minutes=30))
        manual = await digest.prepare(
            config, config.alert("team"), service.sessions, sender=SENDER,
            now=MONDAY + timedelta(days=1, hours=3),
        )  # fmt: skip
        await mailroom.drain(service, now=MONDAY + timedelta(days=1, hours=3))
        async with db.transaction(service.sessions) as session:
            deliveries = (
                await session.execute(select(Delivery.alert, func.count()).group_by(Delivery.alert))
            ).all()

    assert manual.mentions == 0  # nothing left for `monitor digest` either
    got: dict[str, list[list[str]]] = {}
    for mail in smtp_sink.received:
        titles = [t for _, t in Page(mail.part("html")).links]
        got.setdefault(mail.recipients[0], []).append(titles)
    assert got == {
        "team@example.org": [["Vaude Beitrag 1"], ["Vaude Beitrag 2"]],
        "board@example.org": [["Vaude Beitrag 1"], ["Vaude Beitrag 2"]],
    }
    assert sorted(deliveries) == [("board", 2), ("team", 2)]
