"""What no crawl has written for a quarter is forgotten: adapter memory (a forum's thread
markers) and HTTP validators, so per-source state does not grow for ever. On SQLite and
PostgreSQL, through the real migrations, including the one that added the timestamps."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from monitor.crawl import pipeline
from monitor.store import db
from monitor.store import sources as stored_sources
from tests import postgres
from tests.integration.conftest import Database, sqlite_url

NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)
LONG_AGO = NOW - stored_sources.FORGET_AFTER - timedelta(days=1)
RECENTLY = NOW - stored_sources.FORGET_AFTER + timedelta(days=1)


async def test_memory_and_validators_no_crawl_wrote_for_a_quarter_are_forgotten(
    engine: AsyncEngine,
) -> None:
    sessions = db.sessions(engine)
    async with db.transaction(sessions) as session:
        source = await stored_sources.ensure(
            session, name="Forum", type="forum", url="https://f.de/"
        )
        await stored_sources.remember(
            session, source.id, {"thread:sunk": "p=1", "thread:busy": "p=2"}, now=LONG_AGO
        )
        # Written again since (its thread changed and was read): kept.
        await stored_sources.remember(session, source.id, {"thread:busy": "p=9"}, now=RECENTLY)
        await stored_sources.remember(session, source.id, {"list:2": "a=b"}, now=NOW)
        for url, when in (("https://f.de/t=1", LONG_AGO), ("https://f.de/t=2", RECENTLY)):
            await stored_sources.remember_validators(
                session, url, etag='"x"', last_modified=None, now=when
            )

    forgotten = await pipeline.forget_stale_state(sessions, now=NOW)
    again = await pipeline.forget_stale_state(sessions, now=NOW)

    assert forgotten == (1, 1)
    assert again == (0, 0)
    async with db.transaction(sessions) as session:
        assert await stored_sources.memory(session, source.id) == {
            "thread:busy": "p=9", "list:2": "a=b",
        }  # fmt: skip
        assert await stored_sources.validators(session, "https://f.de/t=1") == (None, None)
        assert await stored_sources.validators(session, "https://f.de/t=2") == ('"x"', None)


@contextmanager
def empty_database(database: Database, tmp_path: Path) -> Iterator[str]:
    """A database without tables, of the test's backend."""
    if database.backend == "postgres":
        with postgres.fresh_database() as url:
            yield url
    else:
        yield sqlite_url(tmp_path / "before-0006.db")


async def test_the_migration_dates_existing_memory_so_it_is_kept_a_full_period(
    database: Database, tmp_path: Path
) -> None:
    with empty_database(database, tmp_path) as url:
        engine = db.create_engine(url)
        try:
            await check_migration(engine)
        finally:
            await engine.dispose()


async def check_migration(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.upgrade(db._alembic_config(sync), "0005"))
        await connection.execute(text(
            "INSERT INTO sources (id, name, type, url, consecutive_failures, health, "
            "yielded_before) VALUES (1, 'Forum', 'forum', 'https://f.de/', 0, 'ok', false)"
        ))  # fmt: skip
        await connection.execute(text(
            "INSERT INTO source_memory (source_id, key, value) VALUES (1, 'thread:a', 'p=1')"
        ))  # fmt: skip
    before = datetime.now(UTC)
    await db.upgrade(engine)
    sessions = db.sessions(engine)
    # Right after the upgrade nothing is stale; a quarter later the entry goes.
    assert await pipeline.forget_stale_state(sessions, now=before) == (0, 0)
    async with db.transaction(sessions) as session:
        assert await stored_sources.memory(session, 1) == {"thread:a": "p=1"}
    later = before + stored_sources.FORGET_AFTER + timedelta(minutes=1)
    assert await pipeline.forget_stale_state(sessions, now=later) == (1, 0)
