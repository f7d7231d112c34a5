"""Throwaway PostgreSQL databases on the server named by MONITOR_TEST_POSTGRES_URL.

    MONITOR_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres pytest

The URL names a server and a database to connect to for administration (usually
`postgres`). `fresh_database` creates a uniquely named `monitor_test_…` database there,
empty, and drops it afterwards (connections left open are terminated first). `migrate`
brings one to head with the real Alembic scripts (monitor.store.db.upgrade); `reset`
empties a migrated one again, which is much cheaper than a new database on a busy server
(CREATE DATABASE copies template1: about a second under load). Without the variable the
PostgreSQL tests are skipped, saying how to turn them on.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from monitor.store import db, schema

ENV = "MONITOR_TEST_POSTGRES_URL"
EXAMPLE = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SKIP_REASON = (
    f"PostgreSQL tests SKIPPED: {ENV} is not set. To run them against a server, set e.g. "
    f"{ENV}={EXAMPLE} (the tests create their own databases there and drop them)"
)
PREFIX = "monitor_test_"


def server_url() -> URL | None:
    """The administration URL from the environment (driver psycopg), or None."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return None
    url = make_url(raw)
    if url.get_backend_name() != "postgresql":
        raise pytest.UsageError(f"{ENV} must be a postgresql:// URL, not {url.drivername}://")
    return url.set(drivername="postgresql+psycopg")


def require_server() -> URL:
    """The administration URL, or skip the calling test loudly."""
    url = server_url()
    if url is None:
        pytest.skip(SKIP_REASON)
    return url


def _connect(url: URL) -> psycopg.Connection[tuple[object, ...]]:
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        return psycopg.connect(conninfo, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.fail(f"{ENV} is set but the server cannot be reached: {error}", pytrace=False)


def terminate(admin: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()",
        (name,),
    )


@contextmanager
def fresh_database() -> Iterator[str]:
    """Create an empty, uniquely named database; yield its SQLAlchemy URL (async psycopg);
    terminate whatever is still connected to it and drop it afterwards."""
    server = require_server()
    name = f"{PREFIX}{os.getpid()}_{secrets.token_hex(4)}"
    with _connect(server) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with _connect(server) as admin:
            terminate(admin, name)
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def migrate(url: str) -> None:
    """Bring the database at `url` to head through Alembic, as `monitor` does on start.

    Runs on a thread of its own, so its event loop never meets the one pytest-asyncio
    keeps for the tests."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, _migrate(url)).result()


async def _migrate(url: str) -> None:
    engine = db.create_engine(url)
    try:
        await db.upgrade(engine)
    finally:
        await engine.dispose()


def reset(url: str) -> None:
    """Delete every row of a migrated database (but `alembic_version`) and restart its id
    sequences; connections a previous test left open are terminated first. DELETE, child
    tables first: TRUNCATE costs a new file per table, ten times slower here."""
    target = make_url(url)
    assert target.database is not None
    ordered = [table.name for table in reversed(schema.Base.metadata.sorted_tables)]
    with _connect(target) as connection:
        terminate(connection, target.database)
        present = {
            str(name)
            for (name,) in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        }
        unknown = present - set(ordered) - {"alembic_version"}
        with connection.transaction():
            if unknown:  # a table the models do not know: no order to delete in
                connection.execute(
                    sql.SQL("TRUNCATE {} CASCADE").format(
                        sql.SQL(", ").join(map(sql.Identifier, sorted(unknown)))
                    )
                )
            for name in ordered:
                if name in present:
                    connection.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(name)))
            connection.execute(
                "SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) "
                "FROM pg_sequences WHERE schemaname = current_schema()"
            )
