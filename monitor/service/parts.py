"""The long-lived parts a command needs, opened and closed together.

`open_service` connects (and migrates) the database, starts the one fetcher (the HTTP
client and every host's state) and picks the mailer, for the configuration it is given.
`open_database` is the database alone, for commands that only read or migrate it. Every
CLI command and the scheduler go through these two, so there is one place where the
process is wired and one where the database is opened and closed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from monitor import fetch
from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.crawl import lease, pipeline
from monitor.notify import email
from monitor.store import db


@dataclass(frozen=True, slots=True)
class Database:
    """An open database: its engine and the factory of sessions on it."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


@asynccontextmanager
async def open_database(settings: Settings, *, upgrade: bool = True) -> AsyncIterator[Database]:
    """The database the environment names, migrated to this version's schema first (unless
    `upgrade` is False), and disposed of on leaving, whatever happens inside."""
    engine = db.create_engine(settings.resolved_database_url)
    try:
        if upgrade:
            await db.upgrade(engine)
        yield Database(engine, db.sessions(engine))
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class Service:
    settings: Settings
    config: sources_yaml.Config
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    fetcher: fetch.Fetcher
    mailer: email.Mailer
    crawler: pipeline.Crawler


def open_fetcher(
    settings: Settings, config: sources_yaml.Config | None
) -> AbstractAsyncContextManager[fetch.Fetcher]:
    """The process's one fetcher, configured from the environment and sources.yaml (or its
    defaults, when there is none: `monitor try URL` works without one)."""
    shared = config.settings if config is not None else sources_yaml.Settings()
    return fetch.open_fetcher(
        contact=shared.contact,
        allow_hosts=settings.allow_hosts,
        robots_agent=shared.robots_user_agent,
        policies=config.hosts if config is not None else {},
        # One fetch ends well within what a crawl's heartbeat keeps its lease for.
        limits=fetch.Limits(total=lease.FETCH_DEADLINE.total_seconds()),
    )


@asynccontextmanager
async def open_service(
    settings: Settings, config: sources_yaml.Config, *, upgrade: bool = True
) -> AsyncIterator[Service]:
    async with (
        open_database(settings, upgrade=upgrade) as database,
        open_fetcher(settings, config) as fetcher,
    ):
        yield Service(
            settings=settings,
            config=config,
            engine=database.engine,
            sessions=database.sessions,
            fetcher=fetcher,
            mailer=email.mailer_from(settings),
            crawler=pipeline.Crawler.build(
                config, fetcher, database.sessions, sender=settings.mail_from
            ),
        )
