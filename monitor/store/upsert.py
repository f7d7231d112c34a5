"""INSERT … ON CONFLICT for whichever database the session talks to."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert(session: AsyncSession, table: Any) -> Any:
    """A dialect-specific INSERT that offers `on_conflict_do_nothing/do_update`."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"monitor supports SQLite and PostgreSQL, not {dialect}")
