"""Integration fixtures: a database on SQLite and on PostgreSQL, brought to head through
Alembic.

Every test that uses `database` (directly, or through `engine` or `mailroom`) runs twice,
as `[sqlite]` (a new file in tmp_path) and `[postgres]` (on the server named by
MONITOR_TEST_POSTGRES_URL, see tests/postgres.py; skipped loudly without it). The
PostgreSQL database is this session's own: created under a unique name and migrated
through Alembic on first use, emptied before each test, dropped at the end.

    @pytest.mark.sqlite_only   runs the [sqlite] variant only (e.g. PRAGMA checks)
    @pytest.mark.postgres      runs the [postgres] variant only (e.g. races between sessions)

Tests that open the service with their own `Settings(data_dir=tmp_path, …)` route it here
with `database_url=database_url(tmp_path)` and `pytestmark = usefixtures("database")`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from monitor.config.environment import Settings
from monitor.store import db
from tests import postgres
from tests.conftest import Mailroom

SQLITE, POSTGRES = "sqlite", "postgres"


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path.as_posix()}"


@dataclass(frozen=True)
class Database:
    """Where a test's data lives: `backend` is "sqlite" or "postgres", and its URL."""

    backend: str
    url: str


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: run only the [sqlite] database variant")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database" not in metafunc.fixturenames:
        return
    sqlite = pytest.param(SQLITE, id=SQLITE)
    on_postgres = pytest.param(POSTGRES, id=POSTGRES, marks=pytest.mark.postgres)
    if metafunc.definition.get_closest_marker("sqlite_only"):
        backends = [sqlite]
    elif metafunc.definition.get_closest_marker("postgres"):
        backends = [on_postgres]
    else:
        backends = [sqlite, on_postgres]
    metafunc.parametrize("database", backends, indirect=True)


_URLS: dict[Path, str] = {}


def database_url(tmp_path: Path) -> str:
    """The URL of the `database` fixture of the test whose tmp_path this is."""
    try:
        return _URLS[tmp_path]
    except KeyError:
        raise LookupError(
            "no database for this test: add pytestmark = pytest.mark.usefixtures('database')"
        ) from None


def database_env(tmp_path: Path) -> dict[str, str]:
    """MONITOR_DATABASE_URL for a `monitor` subprocess that should see the test's data."""
    return {"MONITOR_DATABASE_URL": database_url(tmp_path)}


@pytest.fixture(scope="session")
def postgres_session_database() -> Iterator[str]:
    """This session's PostgreSQL database, migrated with the real Alembic scripts."""
    with postgres.fresh_database() as url:
        postgres.migrate(url)
        yield url


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database with no rows: a new SQLite file in tmp_path (where Settings(data_dir=
    tmp_path) puts it; no tables yet), or the session's PostgreSQL database, emptied."""
    if getattr(request, "param", SQLITE) == SQLITE:
        found = Database(SQLITE, sqlite_url(tmp_path / "monitor.db"))
    else:
        url = request.getfixturevalue("postgres_session_database")
        postgres.reset(url)
        found = Database(POSTGRES, url)
    _URLS[tmp_path] = found.url
    try:
        yield found
    finally:
        _URLS.pop(tmp_path, None)


@pytest.fixture
async def engine(database: Database) -> AsyncIterator[AsyncEngine]:
    """An engine on the test's database, migrated with the real Alembic scripts."""
    engine = db.create_engine(database.url)
    try:
        await db.upgrade(engine)
        yield engine
    finally:
        await engine.dispose()


@dataclass
class DatabaseMailroom(Mailroom):
    """The Mailroom of tests/conftest.py on the test's `database`."""

    database_url: str = ""

    def settings(self, smtp_url: str) -> Settings:
        return super().settings(smtp_url).model_copy(update={"database_url": self.database_url})


@pytest.fixture
def mailroom(tmp_path: Path, database: Database) -> Mailroom:
    """See tests/conftest.py: Mailroom, here on SQLite and on PostgreSQL."""
    return DatabaseMailroom(tmp_path, database.url)
