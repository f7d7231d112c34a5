"""Storing a crawl's finds: `mentions.save` against raw `executemany` of the same rows.

    .venv/bin/python bench/store.py [--documents 5000] [--batch 500] [--postgres URL]

(URL like postgresql+psycopg://postgres@127.0.0.1:5432/postgres)

Generates `--documents` new forum posts (about 60 words each, 2 % of them copies of an
earlier post with one word changed: near-duplicates that join its story), each with one
mention, and stores them in batches of `--batch` (one crawl's page worth, in one
transaction each) through the real path: stories (content hash, MinHash signatures, LSH
bands, aliases, sightings) and mentions, on a fresh SQLite file (and on PostgreSQL, with
`--postgres`, in a database of its own that is dropped after).

The baseline, in the same process and database: the same documents, bands, sightings and
mentions written with the driver's `executemany` (sqlite3; psycopg for PostgreSQL), no
look-ups, no signatures. Prints new mentions per second for both and the ratio; medians
of three interleaved rounds. Target: 50,000 new mentions/s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from monitor import domain
from monitor.store import db, mentions, sources
from monitor.store.schema import Base

SEED = 20241207
ROUNDS = 3
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
WORDS = (  # noqa: SIM905 - a word list reads best as text
    "Jacke Rucksack Wanderung Berg Wetter Regen Schnee Kälte Größe Qualität Preis Kunde "
    "Lieferung Bestellung Rücksendung Erfahrung Empfehlung Bewertung Zelt Schlafsack Tour "
    "the of and to in is it that for on with as was at by this are from be have jacket "
    "backpack hiking mountain weather rain snow cold warm size quality price order"
).split()


def posts(count: int, round_: int) -> list[domain.Document]:
    rng = random.Random(SEED + round_)
    made: list[domain.Document] = []
    for number in range(count):
        if made and rng.random() < 0.02:
            original = rng.choice(made)
            words = original.text.split()
            words[rng.randrange(len(words))] = "anders"
            body = " ".join(words)
        else:
            body = " ".join(rng.choice(WORDS) for _ in range(60)) + " Vaude"
        made.append(domain.Document(
            key=f"https://forum.example.org/r{round_}/p/{number}",
            url=f"https://forum.example.org/r{round_}/p/{number}?sid=1",
            title=f"Thema {number % 300}", text=body, author=f"user{number % 97}",
            published_at=NOW,
        ))  # fmt: skip
    return made


def found(documents: list[domain.Document]) -> list[mentions.Found]:
    snippet = domain.Snippet("… Vaude …", ((2, 7),))
    match = domain.Match(brand="Vaude", terms=("vaude",), snippet=snippet)
    return [mentions.Found(document, match, True) for document in documents]


async def ours(url: str, documents: list[domain.Document], batch: int) -> float:
    engine = db.create_engine(url)
    sessions = db.sessions(engine)
    async with db.transaction(sessions) as session:
        source_id = (await sources.ensure(session, name="bench", type="forum", url="https://x/")).id
    items = found(documents)
    started = time.perf_counter()
    new = 0
    for start in range(0, len(items), batch):
        async with db.transaction(sessions) as session:
            stored = await mentions.save(session, source_id, items[start : start + batch],
                                         now=NOW, near_duplicate=0.9)  # fmt: skip
            new += len(stored)
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return new / elapsed


def raw_sqlite(path: Path, documents: list[domain.Document], batch: int) -> float:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    source_id = connection.execute(
        "INSERT INTO sources (name, type, url, consecutive_failures, health, yielded_before)"
        " VALUES ('raw', 'forum', "
        "'https://x/', 0, 'ok', 0) RETURNING id"
    ).fetchone()[0]
    started = time.perf_counter()
    for start in range(0, len(documents), batch):
        chunk = documents[start : start + batch]
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(
            "INSERT INTO documents (key, source_id, url, title, text, author, published_at,"
            " content_hash, first_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [("raw" + d.key, source_id, d.url, d.title, d.text, d.author, NOW, d.key, NOW)
             for d in chunk],
        )  # fmt: skip
        ids = [row[0] for row in connection.execute(
            f"SELECT id FROM documents WHERE key IN ({','.join('?' * len(chunk))})",
            ["raw" + d.key for d in chunk],
        )]  # fmt: skip
        connection.executemany(
            "INSERT INTO document_bands (document_id, band, key) VALUES (?, ?, ?)",
            [(i, band, i * 32 + band) for i in ids for band in range(32)],
        )
        connection.executemany(
            "INSERT INTO sightings (document_id, source_id, url, seen_at) VALUES (?, ?, ?, ?)",
            [(i, source_id, "u", NOW) for i in ids],
        )
        connection.executemany(
            "INSERT INTO mentions (brand, document_id, terms, snippet, snippet_marks,"
            " alertable, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [("Vaude", i, '["vaude"]', "… Vaude …", "[[2, 7]]", 1, NOW) for i in ids],
        )
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return len(documents) / elapsed


async def _schema(url: str) -> None:
    engine = db.create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    await engine.dispose()


def raw_postgres(url: str, documents: list[domain.Document], batch: int) -> float:
    """The baseline on PostgreSQL: psycopg's executemany of the same rows."""
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        source_id = connection.execute(
            "INSERT INTO sources (name, type, url, consecutive_failures, health, yielded_before)"
            " VALUES ('raw', 'forum', 'https://x/', 0, 'ok', false) RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
        connection.commit()
        started = time.perf_counter()
        for start in range(0, len(documents), batch):
            chunk = documents[start : start + batch]
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO documents (key, source_id, url, title, text, author,"
                    " published_at, content_hash, first_seen_at) VALUES"
                    " (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                    [("raw" + d.key, source_id, d.url, d.title, d.text, d.author, NOW, d.key,
                      NOW) for d in chunk],
                    returning=True,
                )  # fmt: skip
                ids = []
                while True:
                    ids.append(cursor.fetchone()[0])  # type: ignore[index]
                    if not cursor.nextset():
                        break
                cursor.executemany(
                    "INSERT INTO document_bands (document_id, band, key) VALUES (%s, %s, %s)",
                    [(i, band, i * 32 + band) for i in ids for band in range(32)],
                )
                cursor.executemany(
                    "INSERT INTO sightings (document_id, source_id, url, seen_at)"
                    " VALUES (%s, %s, %s, %s)",
                    [(i, source_id, "u", NOW) for i in ids],
                )
                cursor.executemany(
                    "INSERT INTO mentions (brand, document_id, terms, snippet, snippet_marks,"
                    " alertable, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    [("Vaude", i, '["vaude"]', "… Vaude …", "[[2, 7]]", True, NOW) for i in ids],
                )
            connection.commit()
        return len(documents) / (time.perf_counter() - started)


def _postgres_database(server: str) -> tuple[str, Callable[[], None]]:
    """A new empty database on `server` (a PostgreSQL URL) and a function dropping it."""
    name = f"monitor_bench_{secrets.token_hex(4)}"
    admin = server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return server.rsplit("/", 1)[0] + f"/{name}", drop


def _report(name: str, count: int, batch: int, mine: float, raw: float) -> None:
    print(f"{name}, {count} new mentions in batches of {batch}, median of {ROUNDS} rounds:")
    print(f"  mentions.save   {mine:10,.0f} new mentions/s")
    print(f"  raw executemany {raw:10,.0f} rows/s")
    print(f"  ratio           {mine / raw:10.2f}x   (target: 50,000/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--postgres", help="a PostgreSQL server's URL (a database is made)")
    args = parser.parse_args()
    documents_rates, raw_rates = [], []
    for round_ in range(ROUNDS):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bench.db"
            url = f"sqlite+aiosqlite:///{path}"
            asyncio.run(_schema(url))
            documents = posts(args.documents, round_)
            raw_rates.append(raw_sqlite(path, documents, args.batch))
            documents_rates.append(asyncio.run(ours(url, documents, args.batch)))
    _report("SQLite", args.documents, args.batch, statistics.median(documents_rates),
            statistics.median(raw_rates))  # fmt: skip
    if not args.postgres:
        return
    documents_rates, raw_rates = [], []
    for round_ in range(ROUNDS):
        url, drop = _postgres_database(args.postgres)
        try:
            asyncio.run(_schema(url))
            documents = posts(args.documents, round_)
            raw_rates.append(raw_postgres(url, documents, args.batch))
            documents_rates.append(asyncio.run(ours(url, documents, args.batch)))
        finally:
            drop()
    _report("PostgreSQL", args.documents, args.batch, statistics.median(documents_rates),
            statistics.median(raw_rates))  # fmt: skip


if __name__ == "__main__":
    main()
