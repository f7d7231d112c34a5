"""Immediate alerts, each kind of rule, on real parts: a crisis word and `immediate: {}` through
the feed pipeline (pipeline.poll_source); ratings, which feeds do not carry, through
mentions.save + alerting.queue_immediate in one transaction (Mailroom.store). Mails go
through the outbox to a real aiosmtpd server.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor import domain
from monitor.crawl import pipeline
from monitor.demo import mailsink
from monitor.store import db, mentions
from tests.conftest import Entry, FeedServer, Mailroom, rss_feed
from tests.e2e.conftest import run_monitor
from tests.integration.conftest import database_env

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

CRISIS = (
    "  - name: crisis\n"
    "    recipients: [pr@example.org]\n"
    "    immediate: {query: Rückruf}\n"
    "    language: en\n"
)
EVERYTHING = "  - name: all\n    recipients: [all@example.org]\n    immediate: {}\n"
DIGEST = "  - name: team\n    recipients: [team@example.org]\n    digest: daily at 08:00\n"


def entry(n: int, title: str, text: str, *, age: timedelta = timedelta(hours=1)) -> Entry:
    return Entry(title, f"https://news.example/{n}", text, NOW - age)


def subjects(sink: mailsink.MailSink) -> list[str]:
    return [str(mail.message["Subject"]) for mail in sink.received]


async def test_a_crisis_word_sends_one_mail_at_once_naming_the_word(
    mailroom: Mailroom, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    url = feed_server.serve(
        "/news.xml",
        rss_feed([
            entry(1, "Vaude ruft Jacken zurück", "Großer Rückruf bei Vaude: Reißverschluss."),
            entry(2, "Vaude Jacke im Test", "Die Vaude Jacke hält warm."),
        ]),
    )  # fmt: skip
    config = mailroom.config(CRISIS, sources={"News": url})

    async with mailroom.service(config, smtp_sink.url) as service:
        result = await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        drained = await mailroom.drain(service, now=NOW)
        rows = await mailroom.outbox(service)

    assert len(result.new_mentions) == 2
    assert drained.sent == 1
    assert [(r.kind, r.alert) for r in rows] == [("immediate", "crisis")]
    (mail,) = smtp_sink.received
    assert mail.recipients == ["pr@example.org"]
    assert mail.message["Subject"] == "Crisis term 'Rückruf' · Vaude on News"
    html, plain = mail.part("html"), mail.part("plain")
    assert "Vaude ruft Jacken zurück" in html
    assert "Vaude Jacke im Test" not in html + plain  # not urgent: waits for a digest
    assert "Großer Rückruf bei *Vaude*: Reißverschluss." in plain
    assert f"Reference M-{min(result.new_mentions)}" in plain


async def test_several_urgent_mentions_in_one_crawl_are_one_mail_that_says_how_many(
    mailroom: Mailroom, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    url = feed_server.serve(
        "/news.xml",
        rss_feed([entry(n, f"Vaude Beitrag {n}", f"Text {n} über Vaude") for n in (1, 2, 3)]),
    )
    config = mailroom.config(EVERYTHING, sources={"News": url})

    async with mailroom.service(config, smtp_sink.url) as service:
        first = await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        again = await pipeline.poll_source(
            service.crawler, config.sources[0], now=NOW + timedelta(minutes=30)
        )
        await mailroom.drain(service, now=NOW + timedelta(minutes=30))

    assert len(first.new_mentions) == 3
    assert again.new_mentions == ()
    assert subjects(smtp_sink) == ["3 dringende Erwähnungen: Vaude erwähnt auf News und 2 weitere"]
    plain = smtp_sink.received[0].part("plain")
    for n in (1, 2, 3):
        assert f"Vaude Beitrag {n}" in plain
    assert plain.count("!! Vaude erwähnt auf News") == 3


async def test_a_low_rating_is_urgent_and_a_good_one_is_not(
    mailroom: Mailroom, smtp_sink: mailsink.MailSink
) -> None:
    config = mailroom.config(
        "  - name: reviews\n"
        "    recipients: [care@example.org]\n"
        "    immediate: {rating_at_most: 2}\n"
        "    language: en\n"
        "  - name: bewertungen\n"
        "    recipients: [kundendienst@example.org]\n"
        "    immediate: {rating_at_most: 2}\n"
    )

    def review(n: int, rating: float) -> domain.Document:
        return domain.Document(
            key=f"https://portal.example/r/{n}", url=f"https://portal.example/r/{n}",
            title=f"Vaude Bewertung {n}", text=f"Meine Vaude Jacke: {rating} Sterne.",
            published_at=NOW - timedelta(hours=1), rating=rating,
        )  # fmt: skip

    async with mailroom.service(config, smtp_sink.url) as service:
        await mailroom.store(service, "Portal", [review(1, 1.0)], now=NOW)
        await mailroom.store(service, "Portal", [review(2, 4.0)], now=NOW)
        await mailroom.store(service, "Portal", [review(3, 1.5)], now=NOW)
        await mailroom.drain(service, now=NOW)

    assert sorted(subjects(smtp_sink)) == sorted([
        "1★ review of Vaude on Portal",
        "1★-Bewertung zu Vaude auf Portal",
        "1.5★ review of Vaude on Portal",
        "1,5★-Bewertung zu Vaude auf Portal",
    ])  # fmt: skip
    assert not any("Bewertung 2" in mail.part("plain") for mail in smtp_sink.received)


async def test_brand_and_source_filters_limit_what_an_immediate_alert_sends(
    mailroom: Mailroom, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    both = [
        entry(1, "Vaude Neuigkeit", "Vaude hat Neues."),
        entry(2, "Müller Medical Neuigkeit", "Müller Medical hat Neues."),
    ]
    config = mailroom.config(
        "  - name: vaude-news\n"
        "    recipients: [v@example.org]\n"
        "    brands: [Vaude]\n"
        "    sources: [News]\n"
        "    immediate: {}\n",
        sources={
            "News": feed_server.serve("/news.xml", rss_feed(both)),
            "Forum": feed_server.serve("/forum.xml", rss_feed(both)),
        },
    )

    async with mailroom.service(config, smtp_sink.url) as service:
        for source in config.sources:
            await pipeline.poll_source(service.crawler, source, now=NOW)
        await mailroom.drain(service, now=NOW)

    assert subjects(smtp_sink) == ["Vaude erwähnt auf News"]
    assert "Müller" not in smtp_sink.received[0].part("plain")


async def test_one_mention_feeds_an_immediate_alert_at_once_and_a_digest_later(
    mailroom: Mailroom, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    url = feed_server.serve("/news.xml", rss_feed([entry(1, "Vaude Rückruf", "Rückruf: Vaude")]))
    config = mailroom.config(CRISIS + DIGEST, sources={"News": url})
    tomorrow = NOW + timedelta(days=1)

    async with mailroom.service(config, smtp_sink.url) as service:
        await mailroom.close(service, "team", now=NOW - timedelta(days=1))
        await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        at_once = await mailroom.drain(service, now=NOW)
        await mailroom.close(service, "team", now=tomorrow)
        later = await mailroom.drain(service, now=tomorrow)

    assert (at_once.sent, later.sent) == (1, 1)
    immediate, daily = smtp_sink.received
    assert immediate.recipients == ["pr@example.org"]
    assert daily.recipients == ["team@example.org"]
    assert daily.message["Subject"].startswith("Vaude: 1 neue Erwähnung ·")
    assert "Vaude Rückruf" in daily.part("plain")


async def test_a_new_sources_old_items_are_stored_and_listed_but_not_alerted(
    mailroom: Mailroom, feed_server: FeedServer, smtp_sink: mailsink.MailSink, tmp_path: Path
) -> None:
    url = feed_server.serve(
        "/news.xml",
        rss_feed([
            entry(1, "Vaude vor einer Woche", "Vaude damals", age=timedelta(days=7)),
            entry(2, "Vaude heute", "Vaude heute"),
        ]),
    )  # fmt: skip
    config = mailroom.config(EVERYTHING + DIGEST, sources={"News": url})

    async with mailroom.service(config, smtp_sink.url) as service:
        await mailroom.close(service, "team", now=NOW - timedelta(days=1))
        await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        await mailroom.close(service, "team", now=NOW + timedelta(days=1))
        await mailroom.drain(service, now=NOW + timedelta(days=1))

    assert subjects(smtp_sink)[0] == "Vaude erwähnt auf News"  # the immediate alert
    assert len(smtp_sink.received) == 2
    for mail in smtp_sink.received:
        assert "Vaude heute" in mail.part("plain")
        assert "vor einer Woche" not in mail.part("plain")
    listed = run_monitor(
        "mentions", "--json", cwd=tmp_path, MONITOR_DATA_DIR=str(tmp_path),
        **database_env(tmp_path),
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    titles = [json.loads(line)["title"] for line in listed.stdout.splitlines()]
    assert sorted(titles) == ["Vaude heute", "Vaude vor einer Woche"]


async def test_a_brand_added_later_alerts_its_new_items_but_not_its_old_ones(
    mailroom: Mailroom, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    old = entry(1, "Jack Wolfskin vor einer Woche", "Jack Wolfskin damals", age=timedelta(days=7))
    vaude = entry(2, "Vaude gestern", "Vaude gestern", age=timedelta(days=1))
    url = feed_server.serve("/news.xml", rss_feed([old, vaude]))
    brands = "  - {name: Vaude, query: Vaude}\n"
    before = mailroom.config(EVERYTHING, sources={"News": url}, brands=brands)
    after = mailroom.config(
        EVERYTHING,
        sources={"News": url},
        brands=brands + "  - {name: Jack Wolfskin, query: '\"Jack Wolfskin\"'}\n",
    )
    later = NOW + timedelta(hours=1)
    fresh = Entry("Jack Wolfskin heute", "https://news.example/3", "Jack Wolfskin neu",
                  later - timedelta(minutes=10))  # fmt: skip

    async with mailroom.service(before, smtp_sink.url) as service:
        await pipeline.poll_source(service.crawler, before.sources[0], now=NOW)
        await mailroom.drain(service, now=NOW)
    assert subjects(smtp_sink) == ["Vaude erwähnt auf News"]

    feed_server.serve("/news.xml", rss_feed([old, vaude, fresh]))
    async with mailroom.service(after, smtp_sink.url) as service:  # the new Crawler
        result = await pipeline.poll_source(service.crawler, after.sources[0], now=later)
        await mailroom.drain(service, now=later)
        async with db.transaction(service.sessions) as session:
            stored = {m.title: m for m in await mentions.listing(session)}

    assert len(result.new_mentions) == 2  # both Jack Wolfskin items are stored …
    assert {"Jack Wolfskin vor einer Woche", "Jack Wolfskin heute"} <= set(stored)
    # … only the new one is sent.
    assert subjects(smtp_sink) == ["Vaude erwähnt auf News", "Jack Wolfskin erwähnt auf News"]
    assert "vor einer Woche" not in smtp_sink.received[1].part("plain")
    assert "Jack Wolfskin heute" in smtp_sink.received[1].part("plain")


async def test_an_edited_query_stores_old_items_it_now_matches_without_alerting_them(
    mailroom: Mailroom, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    # Crawled before, when the query did not match it: not news when it matches later.
    old = entry(1, "Jacke von Vaude-Outdoor", "Vaude-Outdoor Jacke", age=timedelta(days=7))
    sport = entry(3, "Vaude Sport eröffnet", "Vaude Sport in Tettnang")  # the brand is known
    url = feed_server.serve("/news.xml", rss_feed([old, sport]))
    narrow = mailroom.config(
        EVERYTHING, sources={"News": url}, brands="  - {name: Vaude, query: '\"Vaude Sport\"'}\n"
    )
    wide = mailroom.config(
        EVERYTHING, sources={"News": url}, brands="  - {name: Vaude, query: Vaude*}\n"
    )
    later = NOW + timedelta(hours=1)
    fresh = Entry("Vaude-Outdoor heute", "https://news.example/2", "Vaude-Outdoor neu",
                  later - timedelta(minutes=10))  # fmt: skip

    async with mailroom.service(narrow, smtp_sink.url) as service:
        first = await pipeline.poll_source(service.crawler, narrow.sources[0], now=NOW)
        await mailroom.drain(service, now=NOW)
    feed_server.serve("/news.xml", rss_feed([old, sport, fresh]))
    async with mailroom.service(wide, smtp_sink.url) as service:  # the query was widened
        second = await pipeline.poll_source(service.crawler, wide.sources[0], now=later)
        await mailroom.drain(service, now=later)
        async with db.transaction(service.sessions) as session:
            stored = {m.title for m in await mentions.listing(session)}

    assert len(first.new_mentions) == 1  # Vaude Sport
    assert len(second.new_mentions) == 2  # both Vaude-Outdoor items are stored …
    assert stored == {"Vaude Sport eröffnet", "Jacke von Vaude-Outdoor", "Vaude-Outdoor heute"}
    # … only the new one is sent.
    assert subjects(smtp_sink) == ["Vaude erwähnt auf News", "Vaude erwähnt auf News"]
    assert "Vaude-Outdoor heute" in smtp_sink.received[1].part("plain")
    assert "Jacke von Vaude-Outdoor" not in smtp_sink.received[1].part("plain")


async def test_an_old_item_edited_to_name_a_brand_is_news_and_alerts(
    mailroom: Mailroom, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    before = entry(1, "Zelt undicht", "Mein Zelt ist undicht.", age=timedelta(days=7))
    edited = entry(1, "Zelt undicht", "Mein Zelt ist undicht. EDIT: Vaude antwortet nicht.",
                   age=timedelta(days=7))  # fmt: skip
    sport = entry(3, "Vaude Sport eröffnet", "Vaude Sport in Tettnang")  # the brand is known
    url = feed_server.serve("/news.xml", rss_feed([before, sport]))
    config = mailroom.config(EVERYTHING, sources={"News": url})
    later = NOW + timedelta(hours=1)

    async with mailroom.service(config, smtp_sink.url) as service:
        await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        await mailroom.drain(service, now=NOW)
        feed_server.serve("/news.xml", rss_feed([edited, sport]))
        second = await pipeline.poll_source(service.crawler, config.sources[0], now=later)
        await mailroom.drain(service, now=later)

    assert len(second.new_mentions) == 1
    assert subjects(smtp_sink) == ["Vaude erwähnt auf News", "Vaude erwähnt auf News"]
    assert "EDIT: *Vaude* antwortet nicht." in smtp_sink.received[1].part("plain")
