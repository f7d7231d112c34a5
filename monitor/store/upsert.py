"""INSERT … ON CONFLICT for whichever database the session talks to."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from monitor.store.schema import Base

# Both offer on_conflict_do_nothing(index_elements=…) and on_conflict_do_update(…), the
# part of ON CONFLICT the two databases share; callers use only that part.
Insert = postgresql.Insert | sqlite.Insert


def insert(session: AsyncSession, table: type[Base]) -> Insert:
    """A dialect-specific INSERT into `table` that offers ON CONFLICT."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"monitor supports SQLite and PostgreSQL, not {dialect}")
