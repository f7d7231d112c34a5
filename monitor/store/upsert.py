"""INSERT … ON CONFLICT for whichever database the session talks to."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from monitor.store.schema import Base

# Both offer on_conflict_do_nothing(index_elements=…) and on_conflict_do_update(…), the
# part of ON CONFLICT the two databases share; callers use only that part.
Insert = postgresql.Insert | sqlite.Insert


def insert(session: AsyncSession, table: type[Base]) -> Insert:
    """A dialect-specific INSERT into `table` that offers ON CONFLICT.

    A Core INSERT into the model's table, not an ORM one: given a list of rows it is one
    executemany, where the ORM would first turn each row into a unit-of-work command
    (most of the cost of storing a crawl's documents, measured in bench/store.py).
    """
    dialect = session.get_bind().dialect.name
    core = cast(Table, table.__table__)
    if dialect == "postgresql":
        return postgresql.insert(core)
    if dialect == "sqlite":
        return sqlite.insert(core)
    raise NotImplementedError(f"monitor supports SQLite and PostgreSQL, not {dialect}")
