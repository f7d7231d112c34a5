"""Engines, sessions and migrations. The only module that knows database URLs.

SQLite runs in WAL mode with a busy timeout and foreign keys on, so the crawler and the
sender (and a CLI command beside a running service) can share one file. SQLite has one
writer at a time, so a process's write transactions (`transaction`) take turns on the
event loop, each beginning IMMEDIATE: a transaction that began as a reader and then
writes fails at once with "database is locked" when another wrote in between (WAL
cannot move its snapshot on), whatever the busy timeout; one that holds the write lock
from its start cannot. Readers (plain sessions) begin deferred and never wait for a
writer. Another process's writer is waited for by SQLite's busy timeout.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import ResolutionError
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from monitor.errors import StoreError

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Connections one process may hold at once (the pool's size plus its overflow). What runs
# at once is bounded from this (`crawl.pipeline.CRAWLS_AT_ONCE`), so a process never waits
# for the pool, whatever number of sources it crawls.
CONNECTIONS = 40
_POOL = {"pool_size": CONNECTIONS // 2, "max_overflow": CONNECTIONS - CONNECTIONS // 2}


def missing_file(url: str) -> Path | None:
    """The SQLite file `url` names when it does not exist yet (None for a server database,
    which is there or not whatever this process sees, and for an existing file)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


def create_engine(url: str) -> AsyncEngine:
    """An async engine for `url`; creates the folder of a SQLite file if needed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **_POOL
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **_POOL)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # The driver's own transaction handling begins late and deferred; `_sqlite_begin`
    # begins instead (SQLAlchemy's documented recipe for SQLite transactions).
    connection.isolation_level = None


_WRITE = "monitor_write"  # execution option: this connection's transaction will write


def _sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(_WRITE)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# One writer per SQLite database and process (see the module docstring).
_WRITERS: weakref.WeakKeyDictionary[Engine, asyncio.Lock] = weakref.WeakKeyDictionary()


def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(
    factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A session whose work commits on leaving the block, or rolls back on an exception.

    On SQLite the block waits its turn to write (see the module docstring): keep it short,
    and never open one inside another.
    """
    bind = factory.kw.get("bind")
    if not isinstance(bind, AsyncEngine) or bind.dialect.name != "sqlite":
        async with factory() as session, session.begin():
            yield session
        return
    writer = _WRITERS.setdefault(bind.sync_engine, asyncio.Lock())
    async with writer, factory() as session:
        await session.connection(execution_options={_WRITE: True})
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


def migrations_dir() -> Path:
    """Where the Alembic scripts are: inside the installed package, or at the repo root."""
    packaged = Path(str(resources.files("monitor"))) / "_alembic"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "alembic"
    if checkout.is_dir():
        return checkout
    raise StoreError("the database migrations are missing from this installation")


def _alembic_config(connection: Connection) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["connection"] = connection
    return config


# Any constant both sides agree on: replicas starting together take turns migrating.
_MIGRATION_LOCK = 0x6D6F6E69746F72  # "monitor"


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Held until this transaction ends; the next replica then finds nothing to do.
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
    _refuse_newer_schema(connection)
    command.upgrade(_alembic_config(connection), "head")


def _refuse_newer_schema(connection: Connection) -> None:
    current = MigrationContext.configure(connection).get_current_revision()
    if current is not None and not _known_revision(current):
        raise StoreError(
            f"the database schema ({current}) is newer than this version of monitor knows: "
            "upgrade monitor, or point it at another database"
        )


def _known_revision(revision: str) -> bool:
    try:
        return ScriptDirectory(str(migrations_dir())).get_revision(revision) is not None
    except (CommandError, ResolutionError):  # Alembic raises for a revision it never heard of
        return False


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision this code knows; refuse a newer one."""
    async with engine.connect() as connection:
        # It reads the schema's revision, then writes: on SQLite, the write lock from the
        # start (see the module docstring), or a process migrating beside it breaks it.
        await connection.execution_options(**{_WRITE: True})
        async with connection.begin():
            await connection.run_sync(_upgrade)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def head_revision() -> str | None:
    return ScriptDirectory(str(migrations_dir())).get_current_head()
