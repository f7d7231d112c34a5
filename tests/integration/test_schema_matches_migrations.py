"""The migrations and the models describe the same schema.

A database brought to head through Alembic (as every install is) is compared with the
SQLAlchemy metadata the code queries through, with Alembic's own autogenerate comparison:
tables, columns, types, nullability, server defaults, indexes, unique constraints and
foreign keys. A column added to a model without a migration, or a migration that forgot an
index, fails here on SQLite and on PostgreSQL, before it fails in production.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from monitor.store import schema


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    found: list[Any] = compare_metadata(context, schema.Base.metadata)
    # Alembic's own bookkeeping table is not one of the models.
    return [diff for diff in found if "alembic_version" not in repr(diff)]


async def test_a_migrated_database_is_what_the_models_say(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []


async def test_the_comparison_sees_a_column_the_migrations_lack(engine: AsyncEngine) -> None:
    """The check above can fail: drop a column the models have, and it is reported."""
    async with engine.begin() as connection:
        await connection.exec_driver_sql("ALTER TABLE known_names DROP COLUMN added_at")
        differences = await connection.run_sync(_differences)
    assert any("added_at" in repr(diff) for diff in differences), differences
