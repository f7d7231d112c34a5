"""Migrations on PostgreSQL, each test on an empty database of its own: replicas upgrading
at once take turns, and a schema newer than the code is refused there as on SQLite.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from monitor.errors import StoreError
from monitor.store import db
from tests import postgres

pytestmark = pytest.mark.postgres


async def test_engines_upgrading_an_empty_database_at_once_migrate_it_once() -> None:
    with postgres.fresh_database() as url:
        engines = [db.create_engine(url) for _ in range(4)]
        try:
            await asyncio.wait_for(asyncio.gather(*(db.upgrade(e) for e in engines)), 60)
            async with engines[0].connect() as connection:
                versions = (await connection.execute(text("SELECT * FROM alembic_version"))).all()
        finally:
            await asyncio.gather(*(e.dispose() for e in engines))

    assert [tuple(row) for row in versions] == [(db.head_revision(),)]


async def test_a_schema_newer_than_the_code_is_refused() -> None:
    with postgres.fresh_database() as url:
        engine = db.create_engine(url)
        try:
            await db.upgrade(engine)
            async with engine.begin() as connection:
                await connection.execute(
                    text("UPDATE alembic_version SET version_num = '9999_future'")
                )
            with pytest.raises(StoreError) as caught:
                await db.upgrade(engine)
        finally:
            await engine.dispose()

    assert "9999_future" in str(caught.value)
    assert "newer than this version of monitor knows" in str(caught.value)
