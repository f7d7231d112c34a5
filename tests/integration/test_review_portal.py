"""A review portal crawled on real parts: schema.org JSON-LD and microdata pages on a
loopback server, the reviews source with the schema_org preset, SQLite through Alembic,
an immediate alert on low ratings through the outbox to a real aiosmtpd server.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from monitor.alerting import delivery
from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.crawl import pipeline
from monitor.demo import mailsink
from monitor.service.parts import Service, open_service
from monitor.store import db
from monitor.store.schema import Document, Mention, Outbox
from tests.conftest import FeedServer
from tests.integration.conftest import database_url

pytestmark = pytest.mark.usefixtures("database")  # [sqlite] and [postgres]
SENDER = "Monitor <monitor@example.org>"
NOW = datetime(2024, 3, 15, 11, 0, tzinfo=UTC)  # 12:00 in Berlin
HTML = "text/html; charset=utf-8"
LOW_RATINGS = (
    "  - name: reviews\n"
    "    recipients: [care@example.org]\n"
    "    immediate: {rating_at_most: 2}\n"
    "    language: en\n"
)


def make_config(sources: dict[str, str], *, alerts: str = LOW_RATINGS) -> sources_yaml.Config:
    source_lines = "".join(
        f"  - {{type: reviews, name: {name}, url: '{url}', preset: schema_org, "
        "timezone: Europe/Berlin, language: de}\n"
        for name, url in sources.items()
    )
    return sources_yaml.parse(
        "settings:\n  timezone: Europe/Berlin\n  language: de\n"
        "brands:\n"
        "  - {name: Seeblick, query: Seeblick}\n"
        "  - {name: Müller Medical, query: '\"Müller Medical\"'}\n"
        "sources:\n" + source_lines
        + "alerts:\n" + alerts
        + "hosts:\n  127.0.0.1: {delay: 0}\n",
        filename="sources.yaml",
    )  # fmt: skip


@asynccontextmanager
async def service_for(
    tmp_path: Path, config: sources_yaml.Config, smtp_url: str
) -> AsyncIterator[Service]:
    settings = Settings(
        data_dir=tmp_path, database_url=database_url(tmp_path), smtp_url=smtp_url, mail_from=SENDER,
        allow_hosts=("127.0.0.1",),
    )  # fmt: skip
    async with open_service(settings, config) as service:
        yield service


async def drain(service: Service, *, now: datetime) -> delivery.Drained:
    return await delivery.drain(
        service.sessions, service.mailer, sender=SENDER, clock=lambda: now, rng=lambda: 0.5
    )


async def stored(service: Service) -> list[tuple[Mention, Document]]:
    async with db.transaction(service.sessions) as session:
        query = select(Mention, Document).join(Document, Mention.document_id == Document.id)
        return [(m, d) for m, d in (await session.execute(query.order_by(Mention.id))).all()]


async def outbox(service: Service) -> list[Outbox]:
    async with db.transaction(service.sessions) as session:
        return list((await session.scalars(select(Outbox).order_by(Outbox.id))).all())


# --- pages ---------------------------------------------------------------------------

HOTEL = "https://www.example-hotels.de/hotel/seeblick-konstanz"


def review(
    number: int,
    title: str,
    body: str,
    value: str | int,
    *,
    best: str | int | None = None,
    worst: str | int | None = None,
    published: str,
    author: str = "Gast",
) -> dict[str, Any]:
    """A schema.org Review as hotel sites embed it: @id with a fragment, Person author."""
    rating: dict[str, Any] = {"@type": "Rating", "ratingValue": value}
    if best is not None:
        rating["bestRating"] = best
    if worst is not None:
        rating["worstRating"] = worst
    return {
        "@type": "Review",
        "@id": f"{HOTEL}/bewertungen#review-{number}",
        "name": title,
        "author": {"@type": "Person", "name": author},
        "datePublished": published,
        "reviewBody": body,
        "reviewRating": rating,
    }


def hotel_page(reviews: list[dict[str, Any]], *, next_page: str | None = None) -> str:
    """A hotel's reviews page: JSON-LD Hotel with its reviews, and the visible list."""
    data = {
        "@context": "https://schema.org",
        "@type": "Hotel",
        "@id": f"{HOTEL}#hotel",
        "name": "Hotel Seeblick Konstanz",
        "aggregateRating": {"@type": "AggregateRating", "ratingValue": "7,4",
                            "bestRating": "10", "reviewCount": str(len(reviews))},
        "review": reviews,
    }  # fmt: skip
    link = f'<link rel="next" href="{escape(next_page)}">\n' if next_page else ""
    visible = "\n".join(
        f'<article class="review"><h3>{escape(r["name"])}</h3><p>{escape(r["reviewBody"])}</p>'
        "</article>"
        for r in reviews
    )
    return (
        '<!DOCTYPE html>\n<html lang="de">\n<head>\n<meta charset="utf-8">\n'
        "<title>Hotel Seeblick Konstanz – Bewertungen</title>\n" + link
        + '<script type="application/ld+json">\n'
        + json.dumps(data, ensure_ascii=False, indent=2)
        + "\n</script>\n</head>\n<body>\n<main>\n<h1>Hotel Seeblick Konstanz</h1>\n"
        f'<section class="reviews">\n{visible}\n</section>\n</main>\n</body>\n</html>\n'
    )  # fmt: skip


MICRODATA = """<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<title>Massageliege ML-7 – Kundenmeinungen</title>
</head>
<body>
<div itemscope itemtype="https://schema.org/Product">
  <h1 itemprop="name">Massageliege ML-7 von Müller Medical</h1>
  <div itemprop="aggregateRating" itemscope itemtype="https://schema.org/AggregateRating">
    <span itemprop="ratingValue">2,5</span> von <span itemprop="bestRating">5</span>
  </div>
  <ul class="reviews">
    <li itemprop="review" itemscope itemtype="https://schema.org/Review" id="r-71">
      <link itemprop="url" href="/p/ml-7/bewertungen/71">
      <h4 itemprop="name">Bezug nach zwei Wochen gerissen</h4>
      <div itemprop="reviewRating" itemscope itemtype="https://schema.org/Rating">
        <meta itemprop="worstRating" content="1">
        <meta itemprop="ratingValue" content="1">
        <meta itemprop="bestRating" content="5">
        <span class="stars" aria-label="1 von 5 Sternen">*----</span>
      </div>
      von <span itemprop="author" itemscope itemtype="https://schema.org/Person">
        <span itemprop="name">Physio Jürgen</span></span>
      am <time itemprop="datePublished" datetime="2024-03-14">14. März 2024</time>
      <div itemprop="reviewBody">Der Bezug der Müller Medical Liege ist gerissen,
        der Händler antwortet nicht.</div>
    </li>
    <li itemprop="review" itemscope itemtype="https://schema.org/Review" id="r-72">
      <link itemprop="url" href="/p/ml-7/bewertungen/72">
      <h4 itemprop="name">Stabil</h4>
      <div itemprop="reviewRating" itemscope itemtype="https://schema.org/Rating">
        <span itemprop="ratingValue">8</span>/<span itemprop="bestRating">10</span></div>
      von <span itemprop="author">Sabine</span>
      am <span itemprop="datePublished">gestern, 21:03</span>
      <div itemprop="reviewBody">Die Müller Medical Liege steht fest, etwas schwer.</div>
    </li>
  </ul>
</div>
</body>
</html>
"""


def recent_reviews() -> list[dict[str, Any]]:
    return [
        review(1, "Nie wieder Seeblick", "Zimmer schmutzig, Seeblick nur vom Parkplatz.", "2",
               best="10", worst="1", published="2024-03-14T19:30:00+01:00", author="Jens K."),
        review(2, "Schöne Tage im Seeblick", "Frühstück gut, Personal freundlich.", 8,
               best=10, published="2024-03-14", author="Familie Özdemir"),
        review(3, "Seeblick mit Seeblick", "Ruhige Lage, Zimmer zum See.", "4,5", best="5",
               published="2024-03-13", author="Anna"),
    ]  # fmt: skip


def older_reviews() -> list[dict[str, Any]]:
    return [
        review(
            4, "Seeblick: solide", "Preis und Leistung stimmen.", "9", best="10",
            published="2024-03-12T08:00:00+01:00", author="Uwe",
        ),
    ]  # fmt: skip


# --- tests ---------------------------------------------------------------------------


async def test_json_ld_and_microdata_ratings_are_normalised_to_five_stars_and_stored(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    hotel = feed_server.url("/hotel/seeblick/bewertungen")
    feed_server.serve(
        "/hotel/seeblick/bewertungen",
        hotel_page(recent_reviews(), next_page="/hotel/seeblick/bewertungen?seite=2"),
        content_type=HTML,
    )
    feed_server.serve(
        "/hotel/seeblick/bewertungen?seite=2", hotel_page(older_reviews()), content_type=HTML
    )
    shop = feed_server.serve("/p/ml-7/bewertungen", MICRODATA, content_type=HTML)
    config = make_config({"Hotelportal": hotel, "Shop": shop}, alerts="  []\n")

    async with service_for(tmp_path, config, smtp_sink.url) as service:
        results = [await pipeline.poll_source(service.crawler, s, now=NOW) for s in config.sources]
        rows = await stored(service)

    assert [r.error for r in results] == [None, None]
    assert [r.warnings for r in results] == [(), ()]
    assert [r.items for r in results] == [4, 2]
    ratings = {document.key: document.rating for _, document in rows}
    assert ratings == {
        # 2 of 1-10 → 1★, 8 of 10 → 4★, "4,5" of 5 → 4.5★, 9 of 10 → 4.5★
        f"{HOTEL}/bewertungen#review-1": 1.0,
        f"{HOTEL}/bewertungen#review-2": 4.0,
        f"{HOTEL}/bewertungen#review-3": 4.5,
        f"{HOTEL}/bewertungen#review-4": 4.5,
        # microdata: 1 of 1-5 → 1★; 8/10 → 4★
        feed_server.url("/p/ml-7/bewertungen/71"): 1.0,
        feed_server.url("/p/ml-7/bewertungen/72"): 4.0,
    }
    documents = {document.key: document for _, document in rows}
    first = documents[f"{HOTEL}/bewertungen#review-1"]
    assert first.title == "Nie wieder Seeblick – Hotel Seeblick Konstanz"  # what it is about
    assert first.author == "Jens K."
    assert first.published_at == datetime(2024, 3, 14, 18, 30, tzinfo=UTC)
    assert documents[f"{HOTEL}/bewertungen#review-2"].author == "Familie Özdemir"
    # A bare date is midnight in the source's time zone.
    assert documents[f"{HOTEL}/bewertungen#review-2"].published_at == datetime(
        2024, 3, 13, 23, 0, tzinfo=UTC
    )
    gerissen = documents[feed_server.url("/p/ml-7/bewertungen/71")]
    assert (
        gerissen.title == "Bezug nach zwei Wochen gerissen – Massageliege ML-7 von Müller Medical"
    )
    assert gerissen.author == "Physio Jürgen"
    assert "Müller Medical Liege ist gerissen" in gerissen.text
    stabil = documents[feed_server.url("/p/ml-7/bewertungen/72")]
    assert stabil.published_at == datetime(2024, 3, 14, 20, 3, tzinfo=UTC)  # gestern, 21:03
    assert {m.brand for m, d in rows if "ml-7" in d.key} == {"Müller Medical"}


async def test_a_one_star_review_sends_one_mail_at_once_and_a_four_star_one_none(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    url = feed_server.serve(
        "/hotel/seeblick/bewertungen",
        hotel_page(recent_reviews(), next_page="/hotel/seeblick/bewertungen?seite=2"),
        content_type=HTML,
    )
    feed_server.serve(
        "/hotel/seeblick/bewertungen?seite=2", hotel_page(older_reviews()), content_type=HTML
    )
    config = make_config({"Hotelportal": url})

    async with service_for(tmp_path, config, smtp_sink.url) as service:
        first = await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        sent = await drain(service, now=NOW)
        before = len(feed_server.hits)
        again = await pipeline.poll_source(
            service.crawler, config.sources[0], now=NOW + timedelta(minutes=30)
        )
        later = await drain(service, now=NOW + timedelta(minutes=30))
        rows = await outbox(service)

    assert first.error is None
    assert len(first.new_mentions) == 4
    assert sent == delivery.Drained(sent=1)
    (mail,) = smtp_sink.received
    assert mail.recipients == ["care@example.org"]
    assert mail.message["Subject"] == "1★ review of Seeblick on Hotelportal"
    plain, html = mail.part("plain"), mail.part("html")
    assert "Nie wieder Seeblick" in plain + html
    assert f"{HOTEL}/bewertungen#review-1" in plain
    for good in ("Schöne Tage im Seeblick", "Seeblick mit Seeblick", "Seeblick: solide"):
        assert good not in plain + html
    # Nothing new the second time: no mail, and the second page (all known) is not fetched.
    assert again.error is None
    assert again.new_mentions == ()
    assert later == delivery.Drained()
    assert len(smtp_sink.received) == 1
    assert [(r.kind, r.alert, r.status) for r in rows] == [("immediate", "reviews", "sent")]
    paths = [hit.path for hit in feed_server.hits[before:] if hit.path != "/robots.txt"]
    assert paths == ["/hotel/seeblick/bewertungen"]


def product_page() -> str:
    """A shop's product page: reviews that never name the product or its maker."""
    data = {
        "@context": "https://schema.org", "@type": "Product", "name": "Massageliege ML-7",
        "brand": {"@type": "Brand", "name": "Müller Medical"},
        "review": [
            {"@type": "Review", "@id": "https://shop.example/ml-7#r-71",
             "name": "Nach zwei Wochen gerissen", "author": "Physio Jürgen",
             "datePublished": "2024-03-14", "reviewBody": "Der Bezug ist gerissen, der "
             "Händler antwortet nicht.", "reviewRating": {"ratingValue": "1"}},
            {"@type": "Review", "@id": "https://shop.example/ml-7#r-72", "name": "Stabil",
             "author": "Sabine", "datePublished": "2024-03-14",
             "reviewBody": "Steht fest, etwas schwer.", "reviewRating": {"ratingValue": "4"}},
        ],
    }  # fmt: skip
    return (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Massageliege '
        'ML-7</title><script type="application/ld+json">'
        + json.dumps(data, ensure_ascii=False) + "</script></head><body></body></html>"
    )  # fmt: skip


async def test_reviews_on_a_product_page_are_mentions_of_its_brand_without_naming_it(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    url = feed_server.serve("/p/ml-7/bewertungen", product_page(), content_type=HTML)
    config = make_config({"Shop": url})

    async with service_for(tmp_path, config, smtp_sink.url) as service:
        result = await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        sent = await drain(service, now=NOW)
        rows = await stored(service)

    assert result.error is None
    assert [(m.brand, d.title, d.rating) for m, d in rows] == [
        ("Müller Medical", "Nach zwei Wochen gerissen – Massageliege ML-7 (Müller Medical)", 1.0),
        ("Müller Medical", "Stabil – Massageliege ML-7 (Müller Medical)", 4.0),
    ]
    assert sent == delivery.Drained(sent=1)
    (mail,) = smtp_sink.received
    assert mail.message["Subject"] == "1★ review of Müller Medical on Shop"
    assert "Nach zwei Wochen gerissen – Massageliege ML-7" in mail.part("plain")


async def test_old_reviews_on_the_first_crawl_are_stored_silently_and_a_new_one_alerts(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    path = "/hotel/seeblick/bewertungen"
    old = [
        review(10, "Seeblick war mal gut", "Seit dem Umbau laut.", "1", best="5",
               published="2024-01-05", author="Stammgast"),
        review(11, "Seeblick ist top", "Alles bestens.", "5", best="5", published="2024-01-06"),
    ]  # fmt: skip
    url = feed_server.serve(path, hotel_page(old), content_type=HTML)
    config = make_config({"Hotelportal": url})
    config_backfill = config.settings.backfill
    later = NOW + timedelta(days=1)

    async with service_for(tmp_path, config, smtp_sink.url) as service:
        first = await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        quiet = await drain(service, now=NOW)
        new = review(
            12, "Seeblick: Schimmel im Bad", "Schimmel im Bad, keine Entschuldigung.", "3",
            best="10", published="2024-03-16T09:00:00+01:00", author="Lea",
        )  # fmt: skip
        feed_server.serve(path, hotel_page([new, *old]), content_type=HTML)
        second = await pipeline.poll_source(service.crawler, config.sources[0], now=later)
        sent = await drain(service, now=later)
        rows = await stored(service)

    assert NOW - datetime(2024, 1, 6, tzinfo=UTC) > config_backfill
    assert first.error is None
    assert len(first.new_mentions) == 2  # stored (the baseline is visible) …
    assert quiet == delivery.Drained()  # … but older than the backfill window: no mail
    assert second.error is None
    assert len(second.new_mentions) == 1
    assert sent == delivery.Drained(sent=1)
    (mail,) = smtp_sink.received
    # 3 of 1-10 is 1.5 stars.
    assert mail.message["Subject"] == "1.5★ review of Seeblick on Hotelportal"
    assert "Schimmel im Bad" in mail.part("plain")
    ratings = {d.key.rsplit("-", 1)[-1]: d.rating for _, d in rows}
    assert ratings == {"10": 1.0, "11": 5.0, "12": 1.5}


async def test_a_review_dated_by_day_alone_counts_as_that_whole_day_for_the_backfill(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    """On a new source with the 2-day backfill, a one-star review dated '2024-03-13' (no
    time) is recent on 15 March at 12:00: part of that day lies within the two days, though
    its midnight does not. One dated the day before is not, and stays quiet."""
    within = review(20, "Seeblick: nie wieder", "Kalt und laut.", "1", best="5",
                    published="2024-03-13", author="Tag davor")  # fmt: skip
    before = review(21, "Seeblick: schlimm", "Schmutzig.", "1", best="5",
                    published="2024-03-12", author="Zwei Tage davor")  # fmt: skip
    url = feed_server.serve(
        "/hotel/seeblick/bewertungen", hotel_page([within, before]), content_type=HTML
    )
    config = make_config({"Hotelportal": url})

    async with service_for(tmp_path, config, smtp_sink.url) as service:
        crawled = await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        sent = await drain(service, now=NOW)
        rows = await stored(service)

    assert config.settings.backfill == timedelta(days=2)
    assert NOW - timedelta(days=2) > datetime(2024, 3, 13, tzinfo=UTC)  # its midnight is out
    assert crawled.error is None
    assert len(rows) == 2  # both stored
    assert sent == delivery.Drained(sent=1)
    (mail,) = smtp_sink.received
    assert "Kalt und laut" in mail.part("plain")
    assert "Schmutzig" not in mail.part("plain")


@pytest.mark.parametrize(
    ("value", "best", "worst", "stars"),
    [
        pytest.param("2", "10", "1", 1.0, id="2-of-1..10"),
        pytest.param(8, 10, None, 4.0, id="8-of-10"),
        pytest.param("4,5", "5", None, 4.5, id="decimal-comma"),
        pytest.param(60, 100, 0, 3.0, id="percent"),
        pytest.param(1, None, None, 1.0, id="schema-default-scale"),
    ],
)
async def test_scales_reach_the_database_as_stars(
    tmp_path: Path,
    feed_server: FeedServer,
    smtp_sink: mailsink.MailSink,
    value: str | int,
    best: str | int | None,
    worst: str | int | None,
    stars: float,
) -> None:
    url = feed_server.serve(
        "/r",
        hotel_page([review(1, "Seeblick", "Seeblick Text.", value, best=best, worst=worst,
                           published="2024-03-14")]),
        content_type=HTML,
    )  # fmt: skip
    config = make_config({"Hotelportal": url}, alerts="  []\n")

    async with service_for(tmp_path, config, smtp_sink.url) as service:
        result = await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        ((_, document),) = await stored(service)

    assert result.error is None
    assert document.rating == stars
