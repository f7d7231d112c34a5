"""Alembic environment. monitor passes an open connection in `config.attributes`;
run by hand, it connects to MONITOR_DATABASE_URL (or the default SQLite file) itself."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection

from monitor.config.environment import Settings
from monitor.store import db
from monitor.store.schema import Base

target_metadata = Base.metadata


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_standalone() -> None:
    engine = db.create_engine(Settings().resolved_database_url)
    async with engine.begin() as connection:
        await connection.run_sync(run_with)
    await engine.dispose()


given = context.config.attributes.get("connection")
if given is not None:
    run_with(given)
else:
    asyncio.run(run_standalone())
