"""Races on PostgreSQL, as replicas run them: N sessions on N engines (each its own
connection pool, as separate processes have), started together with asyncio.gather and,
where the race is inside one transaction, lined up on a barrier so every transaction is
open when the contested statement runs. The database decides who wins; each test checks
that exactly one does.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from monitor import domain
from monitor.alerting import delivery, digest
from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.demo import mailsink
from monitor.domain import OutboxStatus
from monitor.notify import email
from monitor.store import db, mentions, outbox
from monitor.store import sources as stored_sources
from monitor.store.schema import DigestWindow, Document, Mention, Outbox, Sighting, Source
from tests.integration.conftest import Database

pytestmark = pytest.mark.postgres  # the [postgres] variant of `database` only

WORKERS = 6
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SENDER = "Monitor <monitor@example.org>"
T = TypeVar("T")


@pytest.fixture
async def workers(
    engine: AsyncEngine, database: Database
) -> AsyncIterator[list[async_sessionmaker[AsyncSession]]]:
    """Session factories on WORKERS engines of their own (the `engine` fixture migrated)."""
    engines = [db.create_engine(database.url) for _ in range(WORKERS)]
    try:
        yield [db.sessions(each) for each in engines]
    finally:
        await asyncio.gather(*(each.dispose() for each in engines))


async def race(
    factories: list[async_sessionmaker[AsyncSession]],
    contested: Callable[[int, AsyncSession], Awaitable[T]],
) -> list[T]:
    """Run `contested(i, session)` in WORKERS transactions that are all open at once."""
    barrier = asyncio.Barrier(len(factories))

    async def one(i: int, factory: async_sessionmaker[AsyncSession]) -> T:
        async with db.transaction(factory) as session:
            await session.execute(text("SELECT 1"))  # connected, transaction begun
            await barrier.wait()
            return await contested(i, session)

    return await asyncio.gather(*(one(i, f) for i, f in enumerate(factories)))


async def new_source(engine: AsyncEngine, name: str = "Blog") -> int:
    async with db.transaction(db.sessions(engine)) as session:
        row = await stored_sources.ensure(
            session, name=name, type="feed", url=f"https://{name.lower()}.example/feed"
        )
        return row.id


def posts(count: int) -> list[mentions.Found]:
    """Distinct posts (different texts, so no two are one story), each mentioning Vaude."""
    found = []
    for n in range(count):
        body = f"Beitrag {n}: die Vaude Jacke Nummer {n} im Test"
        start = body.index("Vaude")
        document = domain.Document(
            key=f"https://blog.example/p/{n}",
            url=f"https://blog.example/p/{n}",
            title=f"Test {n}",
            text=body,
            published_at=NOW - timedelta(hours=1),
        )
        match = domain.Match("Vaude", ("Vaude",), domain.Snippet(body, ((start, start + 5),)))
        found.append(mentions.Found(document, match, alertable=True))
    return found


async def count(engine: AsyncEngine, table: type) -> int:
    async with db.transaction(db.sessions(engine)) as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_sessions_saving_the_same_mentions_at_once_store_each_once(
    engine: AsyncEngine, workers: list[async_sessionmaker[AsyncSession]]
) -> None:
    blog = await new_source(engine)
    batch = posts(5)

    results = await race(
        workers, lambda _, session: mentions.save(session, blog, batch, now=NOW, near_duplicate=0.8)
    )

    new_ids = [mention_id for result in results for mention_id in result]
    assert len(new_ids) == 5, [sorted(r) for r in results]  # each mention new to one worker
    assert len(set(new_ids)) == 5
    assert await count(engine, Document) == 5
    assert await count(engine, Mention) == 5


async def test_sources_carrying_the_same_posts_in_another_order_store_each_once(
    engine: AsyncEngine, workers: list[async_sessionmaker[AsyncSession]]
) -> None:
    blogs = [await new_source(engine, f"Source{i}") for i in range(WORKERS)]
    batch = posts(8)
    orders = [random.Random(i).sample(batch, len(batch)) for i in range(WORKERS)]

    results = await race(
        workers,
        lambda i, session: mentions.save(session, blogs[i], orders[i], now=NOW, near_duplicate=0.8),
    )

    assert sum(len(result) for result in results) == 8
    assert await count(engine, Document) == 8
    assert await count(engine, Mention) == 8
    assert await count(engine, Sighting) == 8 * WORKERS  # each source saw each post


async def test_sessions_claiming_one_source_lease_at_once_let_one_win(
    engine: AsyncEngine, workers: list[async_sessionmaker[AsyncSession]]
) -> None:
    blog = await new_source(engine)
    lease = timedelta(seconds=60)

    won = await race(
        workers,
        lambda _, session: stored_sources.claim(session, blog, now=NOW, lease=lease),
    )
    again = await race(
        workers,
        lambda _, session: stored_sources.claim(session, blog, now=NOW + lease / 2, lease=lease),
    )
    expired = await race(
        workers,
        lambda _, session: stored_sources.claim(
            session, blog, now=NOW + lease + timedelta(seconds=1), lease=lease
        ),
    )

    def held(tokens: list[str | None]) -> int:
        return sum(token is not None for token in tokens)

    assert held(won) == 1, won
    assert held(again) == 0, again  # held: nobody else
    assert held(expired) == 1, expired  # expired: exactly one takes it over
    # The one who lost it to the takeover can neither renew nor free the new claim.
    (first,) = [t for t in won if t]
    (second,) = [t for t in expired if t]
    async with db.transaction(workers[0]) as session:
        renewed = await stored_sources.renew(session, blog, first, now=NOW, lease=lease)
        await stored_sources.release(session, blog, first)
    async with db.transaction(workers[0]) as session:
        still = await session.scalar(select(Source.lease_token).where(Source.id == blog))
    assert renewed is False
    assert still == second


ONE_DIGEST = (
    "settings:\n  timezone: Europe/Berlin\n"
    "brands:\n  - {name: Vaude, query: Vaude}\n"
    "sources:\n  - {type: feed, name: Blog, url: 'https://blog.example/feed'}\n"
    "alerts:\n"
    "  - name: team\n    recipients: [team@example.org]\n    digest: every 1 hour\n"
    "    send_empty: true\n"
)


async def test_sessions_closing_the_same_digest_window_at_once_queue_one_mail(
    engine: AsyncEngine, workers: list[async_sessionmaker[AsyncSession]]
) -> None:
    config = sources_yaml.parse(ONE_DIGEST)
    alert = config.alert("team")
    blog = await new_source(engine)
    # The alert appears between two ticks, as a running service would see it.
    seen = NOW + timedelta(minutes=30)
    assert await digest.close_window(config, alert, workers[0], sender=SENDER, now=seen) is None
    async with db.transaction(workers[0]) as session:
        await mentions.save(session, blog, posts(3), now=seen)

    rounds = []
    for hour in range(1, 4):  # three windows, each closed by every worker at once
        tick = NOW + timedelta(hours=hour, seconds=5)
        rounds.append(
            await asyncio.gather(
                *(
                    digest.close_window(config, alert, factory, sender=SENDER, now=tick)
                    for factory in workers
                )
            )
        )

    for closed in rounds:
        assert sum(result is not None for result in closed) == 1, closed
    assert [next(r for r in closed if r is not None).mentions for closed in rounds] == [3, 0, 0]
    assert await count(engine, DigestWindow) == 3
    assert await count(engine, Outbox) == 3  # send_empty: the empty windows mail too


async def queue_mails(engine: AsyncEngine, number: int) -> None:
    async with db.transaction(db.sessions(engine)) as session:
        for n in range(number):
            await outbox.enqueue(
                session,
                dedup_key=f"test:{n}",
                alert="team",
                kind="immediate",
                subject=f"Mail {n}",
                recipients=["team@example.org"],
                message=(
                    f"From: {SENDER}\r\nTo: team@example.org\r\nSubject: Mail {n}\r\n"
                    f"Message-ID: <mail-{n}@monitor.test>\r\n\r\nBody {n}\r\n"
                ).encode(),
                mention_ids=[],
                now=NOW,
            )


async def test_sessions_claiming_outbox_rows_at_once_each_get_different_rows(
    engine: AsyncEngine, workers: list[async_sessionmaker[AsyncSession]]
) -> None:
    await queue_mails(engine, 30)
    lease = timedelta(minutes=5)

    async def claim_until_none_left(factory: async_sessionmaker[AsyncSession]) -> list[int]:
        mine: list[int] = []
        while True:
            async with db.transaction(factory) as session:
                rows = await outbox.claim_due(session, now=NOW, lease=lease, limit=4)
                left = await session.scalar(
                    select(func.count()).select_from(Outbox).where(Outbox.lease_until.is_(None))
                )
            mine += [row.id for row in rows]
            if not rows and not left:
                return mine

    claimed = await asyncio.gather(*(claim_until_none_left(f) for f in workers))

    every = [row_id for mine in claimed for row_id in mine]
    assert sorted(every) == list(range(1, 31)), Counter(every).most_common(3)


async def test_replicas_draining_one_outbox_at_once_send_each_mail_once(
    engine: AsyncEngine,
    workers: list[async_sessionmaker[AsyncSession]],
    smtp_sink: mailsink.MailSink,
) -> None:
    await queue_mails(engine, 12)
    mailer = email.mailer_from(Settings(smtp_url=smtp_sink.url, mail_from=SENDER))

    drained = await asyncio.gather(
        *(
            delivery.drain(factory, mailer, sender=SENDER, clock=lambda: NOW, rng=lambda: 0.5)
            for factory in workers
        )
    )

    ids = Counter(str(mail.message["Message-ID"]) for mail in smtp_sink.received)
    assert sum(d.sent for d in drained) == 12
    assert len(ids) == 12
    assert set(ids.values()) == {1}, ids.most_common(3)
    async with db.transaction(workers[0]) as session:
        statuses = Counter((await session.scalars(select(Outbox.status))).all())
    assert statuses == {OutboxStatus.SENT: 12}
