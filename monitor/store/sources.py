"""Sources as the database knows them: identity, crawl state, leases, HTTP validators."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from monitor.domain import Health, Trouble
from monitor.errors import LeaseLost
from monitor.store import upsert
from monitor.store.schema import Document, HttpCache, Source, SourceMemory


async def ensure(session: AsyncSession, *, name: str, type: str, url: str) -> Source:
    """The row for a configured source, created on first sight, url and type kept current."""
    statement = upsert.insert(session, Source).values(
        name=name, type=type, url=url, consecutive_failures=0
    )
    await session.execute(
        statement.on_conflict_do_update(index_elements=["name"], set_={"type": type, "url": url})
    )
    row = await session.scalar(select(Source).where(Source.name == name))
    assert row is not None
    return row


async def claim(
    session: AsyncSession,
    source_id: int,
    *,
    now: datetime,
    lease: timedelta,
    holder: str = "",
    force: bool = False,
) -> str | None:
    """Take the crawl lease of a source: its token, or None when another worker holds it
    (with `force`, take it all the same: that worker's later writes then fail).

    Every later write of the crawl's state (`renew`, `release`, `record_crawl`) names the
    token and happens only while it still holds: a worker whose lease ran out (a page
    slower than the lease, a stalled process) and was taken over by another cannot free,
    extend or overwrite that other worker's claim.
    """
    token = secrets.token_hex(16)
    statement = update(Source).where(Source.id == source_id)
    if not force:
        statement = statement.where(or_(Source.lease_until.is_(None), Source.lease_until < now))
    result = await session.execute(
        statement.values(lease_until=now + lease, lease_token=token, lease_holder=holder or None)
    )
    return token if result.rowcount else None  # type: ignore[attr-defined]


async def lease_of(session: AsyncSession, source_id: int) -> tuple[str | None, datetime | None]:
    """Who holds the source's crawl lease and until when (None, None when nobody does)."""
    row = (
        await session.execute(
            select(Source.lease_holder, Source.lease_until).where(Source.id == source_id)
        )
    ).one()
    return row.lease_holder, row.lease_until


async def renew(
    session: AsyncSession, source_id: int, token: str, *, now: datetime, lease: timedelta
) -> bool:
    """Extend the lease of claim `token`; False when it no longer holds (taken over)."""
    result = await session.execute(
        update(Source)
        .where(Source.id == source_id, Source.lease_token == token)
        .values(lease_until=now + lease)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release(session: AsyncSession, source_id: int, token: str) -> None:
    """Give the lease of claim `token` back (an interrupted crawl); another's stays."""
    await session.execute(
        update(Source)
        .where(Source.id == source_id, Source.lease_token == token)
        .values(lease_until=None, lease_token=None, lease_holder=None)
    )


async def record_crawl(
    session: AsyncSession,
    source_id: int,
    token: str,
    *,
    now: datetime,
    health: Health,
    items: int | None,
    error: str | None,
    hold_until: datetime | None = None,
    told: tuple[Trouble | None, int | None, str | None] = (None, None, None),
) -> None:
    """Store how a crawl went: success (`items` read) or failure (`error`, and what it ran
    into as `told`: trouble, status, URL), and the health that follows (see
    monitor.crawl.health). The lease is released, or kept until `hold_until` so that other
    replicas, whose timers tick at other moments, skip this interval.

    Raises LeaseLost when claim `token` no longer holds the source: then another worker
    crawls it, and this crawl's transaction must not be committed.
    """
    held = await session.execute(
        update(Source)
        .where(Source.id == source_id, Source.lease_token == token)
        .values(
            lease_until=hold_until,
            lease_token=token if hold_until else None,
            **({} if hold_until else {"lease_holder": None}),
        )
    )
    if not held.rowcount:  # type: ignore[attr-defined]
        raise LeaseLost(f"source {source_id}: its crawl lease was taken over by another worker")
    source = await session.get_one(Source, source_id)
    source.last_crawled_at = now
    source.health = health.state
    source.health_reason = health.reason
    source.consecutive_failures = health.consecutive_failures
    source.trouble, source.trouble_status, source.trouble_url = told
    if error is None:
        source.first_crawled_at = source.first_crawled_at or now
        source.last_success_at = now
        source.last_error = None
        source.items_last_seen = items
        source.yielded_before = source.yielded_before or bool(items)
    else:
        source.last_error = error


async def listing(session: AsyncSession) -> list[Source]:
    return list((await session.scalars(select(Source).order_by(Source.name))).all())


async def undated(session: AsyncSession) -> dict[int, int]:
    """Per source id, how many stored items had no date that could be read (they carry
    the time they were first seen instead): a sign the source's date selector misses."""
    query = (
        select(Document.source_id, func.count())
        .where(Document.published_at.is_(None))
        .group_by(Document.source_id)
    )
    return {source_id: int(number) for source_id, number in (await session.execute(query)).all()}


async def validators(session: AsyncSession, url: str) -> tuple[str | None, str | None]:
    """(ETag, Last-Modified) of the last response for `url`."""
    row = await session.get(HttpCache, url)
    return (row.etag, row.last_modified) if row else (None, None)


async def remember_validators(
    session: AsyncSession, url: str, *, etag: str | None, last_modified: str | None, now: datetime
) -> None:
    statement = upsert.insert(session, HttpCache).values(
        url=url, etag=etag, last_modified=last_modified, checked_at=now
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["url"],
            set_={"etag": etag, "last_modified": last_modified, "checked_at": now},
        )
    )


async def memory(session: AsyncSession, source_id: int) -> dict[str, str]:
    """What the source's adapter asked to remember on earlier crawls."""
    rows = await session.execute(
        select(SourceMemory.key, SourceMemory.value).where(SourceMemory.source_id == source_id)
    )
    return {name: value for name, value in rows.all()}


async def remembered(session: AsyncSession, key: str) -> dict[int, str]:
    """Each source's memory under `key`, by source id (sources without one left out)."""
    rows = await session.execute(
        select(SourceMemory.source_id, SourceMemory.value).where(SourceMemory.key == key)
    )
    return {source_id: value for source_id, value in rows.all()}


async def remember(
    session: AsyncSession, source_id: int, changes: Mapping[str, str | None], *, now: datetime
) -> None:
    """Apply an adapter's `Page.remember` pairs; None forgets a key."""
    forget = [key for key, value in changes.items() if value is None]
    if forget:
        await session.execute(
            delete(SourceMemory)
            .where(SourceMemory.source_id == source_id)
            .where(SourceMemory.key.in_(forget))
        )
    keep = [
        {"source_id": source_id, "key": k, "value": v, "updated_at": now}
        for k, v in changes.items()
        if v
    ]
    for start in range(0, len(keep), 500):
        statement = upsert.insert(session, SourceMemory).values(keep[start : start + 500])
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["source_id", "key"],
                set_={"value": statement.excluded.value, "updated_at": now},
            )
        )


FORGET_AFTER = timedelta(days=90)
"""How long adapter memory and HTTP validators are kept after they were last written.

A forum remembers a marker for every thread it has read; threads sink out of the list
pages it walks and are never written again. Forgetting one costs at most one request
(the thread looks changed once more, its posts are known), so a quarter of a year keeps
what a crawl uses and drops what it no longer meets.
"""


async def forget_stale(session: AsyncSession, *, before: datetime) -> tuple[int, int]:
    """Delete memory and validators last written before `before`: (memory, validators)."""
    memory = await session.execute(delete(SourceMemory).where(SourceMemory.updated_at < before))
    validators = await session.execute(delete(HttpCache).where(HttpCache.checked_at < before))
    return memory.rowcount, validators.rowcount  # type: ignore[attr-defined]
