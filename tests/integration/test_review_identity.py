"""A review without a link of its own is who wrote it, when, how many stars and what, on
real parts (loopback server, the reviews source, SQLite and PostgreSQL through Alembic);
and reviews stored under the older key (without the rating) are re-keyed by migration
0007, so the first crawl after the upgrade finds them known instead of alerting again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.crawl import pipeline
from monitor.service.parts import open_service
from monitor.store import db
from monitor.store.schema import Document
from tests import postgres
from tests.conftest import FeedServer
from tests.integration.conftest import sqlite_url

NOW = datetime(2024, 3, 15, 11, 0, tzinfo=UTC)
PATH = "/shop/zelt-bergblick/bewertungen"


def page(reviews: list[tuple[str, str, int, str]]) -> str:
    """A shop's review list as JSON-LD, reviews without a URL of their own:
    (author, day, stars of 5, text)."""
    data = {
        "@context": "https://schema.org", "@type": "Product", "name": "Zelt Bergblick",
        "brand": {"@type": "Brand", "name": "Vaude"},
        "review": [
            {"@type": "Review", "author": {"@type": "Person", "name": author},
             "datePublished": day, "reviewBody": body,
             "reviewRating": {"@type": "Rating", "ratingValue": str(stars), "bestRating": "5"}}
            for author, day, stars, body in reviews
        ],
    }  # fmt: skip
    return (
        "<html><head><title>Shop</title><script type='application/ld+json'>"
        + json.dumps(data) + "</script></head><body><h1>Zelt Bergblick</h1></body></html>"
    )  # fmt: skip


def config(url: str) -> sources_yaml.Config:
    return sources_yaml.parse(
        "settings:\n  timezone: Europe/Berlin\n  language: de\n"
        "brands:\n  - {name: Vaude, query: Vaude}\n"
        f"sources:\n  - {{type: reviews, name: Shop, url: '{url}', language: de}}\n"
        "hosts:\n  127.0.0.1: {delay: 0}\n",
        filename="sources.yaml",
    )


@contextmanager
def empty_database(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield sqlite_url(tmp_path / "monitor.db")
    else:
        with postgres.fresh_database() as url:
            yield url


BACKENDS = [pytest.param("sqlite", id="sqlite"),
            pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)]  # fmt: skip


@pytest.mark.parametrize("backend", BACKENDS)
async def test_two_short_reviews_of_a_day_that_differ_in_stars_are_two(
    backend: str, tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.serve(PATH, page([("Gast", "2024-03-14", 5, "Super!"),
                                        ("Gast", "2024-03-14", 1, "Super!")]),
                            content_type="text/html; charset=utf-8")  # fmt: skip
    with empty_database(backend, tmp_path) as database_url:
        settings = Settings(data_dir=tmp_path, database_url=database_url, smtp_url=None,
                            allow_hosts=("127.0.0.1",))  # fmt: skip
        configured = config(url)
        async with open_service(settings, configured) as service:
            crawled = await pipeline.poll_source(service.crawler, configured.sources[0], now=NOW)
            async with db.transaction(service.sessions) as session:
                stars = sorted((await session.scalars(select(Document.rating))).all())
    assert crawled.error is None
    assert stars == [1.0, 5.0]


def _old_key(source: str, author: str, stamp: str, body: str) -> str:
    """The key reviews without a link had before 0007: no rating, the date as parsed."""
    joined = "\x1f".join((source, author, stamp, body))
    return "hash:" + hashlib.sha256(joined.encode()).hexdigest()[:32]


async def _at_revision_0006(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.upgrade(db._alembic_config(sync), "0006"))


@pytest.mark.parametrize("backend", BACKENDS)
async def test_reviews_stored_before_the_rating_was_part_of_their_identity_stay_known(
    backend: str, tmp_path: Path, feed_server: FeedServer
) -> None:
    reviews = [("Gast", "2024-03-14", 1, "Vaude Zelt undicht, nach einer Nacht nass."),
               ("Lea", "2024-03-13", 5, "Super!")]  # fmt: skip
    url = feed_server.serve(PATH, page(reviews), content_type="text/html; charset=utf-8")
    configured = config(url)
    with empty_database(backend, tmp_path) as database_url:
        engine = db.create_engine(database_url)
        try:
            await _at_revision_0006(engine)
            # What the older version stored: the documents, keyed without the rating,
            # each with its mention and seen-item row (dates parsed in Berlin: midnight, +01:00).
            async with engine.begin() as connection:
                await connection.execute(text(
                    "INSERT INTO sources (id, name, type, url, consecutive_failures, health,"
                    " yielded_before) VALUES (1, 'Shop', 'reviews', :url, 0, 'ok', true)"
                ), {"url": url})  # fmt: skip
                for number, (author, day, stars, body) in enumerate(reviews, start=1):
                    stamp = f"{day}T00:00:00+01:00"
                    key = _old_key("Shop", author, stamp, body)
                    published = datetime.fromisoformat(stamp).astimezone(UTC)
                    await connection.execute(text(
                        "INSERT INTO documents (id, key, source_id, url, title, text, author,"
                        " published_at, rating, language, content_hash, first_seen_at)"
                        " VALUES (:id, :key, 1, :url, 'Zelt Bergblick (Vaude)', :body,"
                        " :author, :published, :rating, 'de', :hash, :seen)"
                    ), {"id": number, "key": key, "url": url, "body": body, "author": author,
                        "published": published.replace(tzinfo=None), "rating": float(stars),
                        "hash": f"h{number}", "seen": NOW.replace(tzinfo=None)})  # fmt: skip
                    await connection.execute(text(
                        "INSERT INTO mentions (brand, document_id, terms, snippet,"
                        " snippet_marks, alertable, created_at) VALUES ('Vaude', :id, '[]',"
                        " :body, '[]', true, :seen)"
                    ), {"id": number, "body": body, "seen": NOW.replace(tzinfo=None)})  # fmt: skip
                    await connection.execute(text(
                        "INSERT INTO seen_items (key_hash, source_id, content_hash,"
                        " first_seen_at) VALUES (:hash, 1, 'c', :seen)"
                    ), {"hash": hashlib.sha256(key.encode()).hexdigest(),
                        "seen": NOW.replace(tzinfo=None)})  # fmt: skip
        finally:
            await engine.dispose()

        settings = Settings(data_dir=tmp_path, database_url=database_url, smtp_url=None,
                            allow_hosts=("127.0.0.1",))  # fmt: skip
        async with open_service(settings, configured) as service:  # upgrades to head
            crawled = await pipeline.poll_source(service.crawler, configured.sources[0], now=NOW)
            async with db.transaction(service.sessions) as session:
                keys = (await session.scalars(select(Document.key).order_by(Document.id))).all()
    assert crawled.error is None
    assert crawled.new_mentions == ()  # known: no mention, no alert, for either
    assert len(keys) == 2
    assert all(key.startswith("hash:") for key in keys)
    assert keys[0] != _old_key("Shop", "Gast", "2024-03-14T00:00:00+01:00", reviews[0][3])
