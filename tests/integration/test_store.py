"""The store on a real SQLite file: migrations, pragmas, each mention once, schema guard."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from monitor import domain
from monitor.errors import StoreError
from monitor.identity import fingerprint
from monitor.store import db, mentions
from monitor.store import sources as stored_sources
from monitor.store.schema import Document, Mention
from tests.integration.conftest import sqlite_url

NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)


def document(
    key: str = "https://blog.example/p/1", body: str = "Die Vaude Jacke"
) -> domain.Document:
    return domain.Document(
        key=key,
        url=key,
        title="Neue Jacke",
        text=body,
        published_at=NOW - timedelta(hours=1),
    )


def found(doc: domain.Document, brand: str = "Vaude") -> mentions.Found:
    start = doc.text.find(brand)
    match = domain.Match(brand, (brand,), domain.Snippet(doc.text, ((start, start + len(brand)),)))
    return mentions.Found(doc, match, alertable=True)


async def source_id(engine: AsyncEngine, name: str = "Blog") -> int:
    async with db.transaction(db.sessions(engine)) as session:
        row = await stored_sources.ensure(
            session, name=name, type="feed", url="https://blog.example/feed"
        )
        return row.id


async def test_migrations_create_the_tables(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert {
        "sources",
        "documents",
        "mentions",
        "outbox",
        "deliveries",
        "http_cache",
        "alembic_version",
    } <= tables
    assert await db.current_revision(engine) == db.head_revision()


async def test_upgrading_twice_changes_nothing(engine: AsyncEngine) -> None:
    before = await db.current_revision(engine)
    await db.upgrade(engine)
    assert await db.current_revision(engine) == before


@pytest.mark.sqlite_only
async def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
        foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar()
        busy_timeout = (await connection.execute(text("PRAGMA busy_timeout"))).scalar()
    assert journal == "wal"
    assert foreign_keys == 1
    assert busy_timeout == db.SQLITE_BUSY_TIMEOUT_MS


async def test_saving_the_same_mentions_twice_stores_each_once(engine: AsyncEngine) -> None:
    sessions = db.sessions(engine)
    blog = await source_id(engine)
    batch = [
        found(document("https://blog.example/p/1")),
        found(document("https://blog.example/p/2")),
    ]

    async with db.transaction(sessions) as session:
        first = await mentions.save(session, blog, batch, now=NOW)
    async with db.transaction(sessions) as session:
        second = await mentions.save(session, blog, batch, now=NOW + timedelta(minutes=30))

    assert len(first) == 2
    assert second == {}
    async with db.transaction(sessions) as session:
        assert await session.scalar(select(func.count()).select_from(Mention)) == 2
        assert await session.scalar(select(func.count()).select_from(Document)) == 2
        listed = await mentions.listing(session)
    assert sorted(m.id for m in listed) == sorted(first)
    assert {m.url for m in listed} == {"https://blog.example/p/1", "https://blog.example/p/2"}


async def test_two_brands_in_one_document_are_two_mentions(engine: AsyncEngine) -> None:
    sessions = db.sessions(engine)
    blog = await source_id(engine)
    doc = document(body="Vaude und Deuter im Test")
    async with db.transaction(sessions) as session:
        new = await mentions.save(
            session, blog, [found(doc, "Vaude"), found(doc, "Deuter")], now=NOW
        )
    assert sorted(f.match.brand for f in new.values()) == ["Deuter", "Vaude"]


async def test_a_changed_text_of_the_same_key_updates_the_document(engine: AsyncEngine) -> None:
    sessions = db.sessions(engine)
    blog = await source_id(engine)
    async with db.transaction(sessions) as session:
        await mentions.save(session, blog, [found(document(body="Die Vaude Jacke"))], now=NOW)
    later = NOW + timedelta(hours=1)
    edited = document(body="Die Vaude Jacke, nachträglich gelobt")
    async with db.transaction(sessions) as session:
        new = await mentions.save(session, blog, [found(edited)], now=later)

    assert new == {}
    async with db.transaction(sessions) as session:
        (row,) = (await session.scalars(select(Document))).all()
    assert row.text == "Die Vaude Jacke, nachträglich gelobt"
    assert row.content_hash == fingerprint.content_hash(f"{edited.title}\n{edited.text}")
    assert row.first_seen_at == NOW


async def test_a_schema_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    engine = db.create_engine(sqlite_url(tmp_path / "newer.db"))
    try:
        await db.upgrade(engine)
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
        with pytest.raises(StoreError) as caught:
            await db.upgrade(engine)
    finally:
        await engine.dispose()
    message = str(caught.value)
    assert "9999_future" in message
    assert "newer than this version of monitor knows" in message
    assert "upgrade monitor" in message


async def test_create_engine_makes_the_folder_of_the_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "monitor.db"
    engine = db.create_engine(sqlite_url(path))
    try:
        await db.upgrade(engine)
    finally:
        await engine.dispose()
    assert path.is_file()


async def test_the_store_uses_no_deprecated_sqlalchemy_api(engine: AsyncEngine) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        async with db.transaction(db.sessions(engine)) as session:
            assert await mentions.listing(session) == []
