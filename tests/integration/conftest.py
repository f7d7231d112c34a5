"""Integration fixtures: a SQLite file in tmp_path brought to head through Alembic."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from monitor.store import db


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path.as_posix()}"


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on a fresh SQLite file, migrated with the real Alembic scripts."""
    engine = db.create_engine(sqlite_url(tmp_path / "monitor.db"))
    try:
        await db.upgrade(engine)
        yield engine
    finally:
        await engine.dispose()
