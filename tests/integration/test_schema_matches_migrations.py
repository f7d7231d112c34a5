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
from sqlalchemy import Column, Connection, MetaData, Text
from sqlalchemy.ext.asyncio import AsyncEngine

from monitor.store import schema


def _differences(connection: Connection, metadata: MetaData = schema.Base.metadata) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    found: list[Any] = compare_metadata(context, metadata)
    # Alembic's own bookkeeping table is not one of the models.
    return [diff for diff in found if "alembic_version" not in repr(diff)]


async def test_a_migrated_database_is_what_the_models_say(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []


async def test_the_comparison_sees_a_column_the_migrations_lack(engine: AsyncEngine) -> None:
    """The check above can fail: a model column no migration made is reported (on a copy
    of the models, so the shared PostgreSQL database keeps its schema)."""
    models = MetaData(naming_convention=schema.NAMING_CONVENTION)
    for table in schema.Base.metadata.tables.values():
        table.to_metadata(models)
    models.tables["known_names"].append_column(Column("note", Text))
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences, models)
    assert [diff[0] for diff in differences] == ["add_column"], differences
    assert differences[0][3].name == "note"
