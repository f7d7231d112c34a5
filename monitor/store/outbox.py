"""The outbox: mails decided on, waiting to be sent, retried, or given up on.

A row is written in the same transaction as the decision to send (the mentions it
carries are marked delivered then), and only marked sent after the SMTP server accepted
it. So a crash loses nothing; at worst one mail is sent twice, with the same Message-ID.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from monitor import domain
from monitor.store import mentions, upsert
from monitor.store.schema import Delivery, Document, Mention, Outbox, Source

PENDING, SENT, FAILED = "pending", "sent", "failed"


async def undelivered(
    session: AsyncSession,
    *,
    alert: str,
    brands: Sequence[str],
    sources: Sequence[str] = (),
    limit: int = 500,
) -> list[domain.StoredMention]:
    """Alertable mentions of `brands` (and `sources`, if given) this alert has not sent yet."""
    delivered = exists().where(and_(Delivery.alert == alert, Delivery.mention_id == Mention.id))
    query = (
        mentions.listed_query()
        .where(Mention.alertable.is_(True))
        .where(Mention.brand.in_(brands))
        .where(~delivered)
    )
    if sources:
        query = query.where(Source.name.in_(sources))
    query = query.order_by(Document.published_at.desc(), Mention.id.desc()).limit(limit)
    return [mentions.to_stored(*row) for row in (await session.execute(query)).tuples()]


async def enqueue(
    session: AsyncSession,
    *,
    dedup_key: str,
    alert: str,
    kind: str,
    subject: str,
    recipients: Sequence[str],
    message: bytes,
    mention_ids: Sequence[int],
    now: datetime,
) -> int | None:
    """Queue a mail and record its mentions as delivered for `alert`.

    Returns the new row's id, or None if a mail with this `dedup_key` was queued before
    (by this process, an earlier run, or another replica).
    """
    statement = (
        upsert.insert(session, Outbox)
        .values(
            dedup_key=dedup_key,
            alert=alert,
            kind=kind,
            subject=subject,
            recipients=list(recipients),
            message=message,
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(Outbox.id)
    )
    outbox_id: int | None = await session.scalar(statement)
    if outbox_id is None:
        return None
    if mention_ids:
        rows = [{"alert": alert, "mention_id": m, "outbox_id": outbox_id} for m in mention_ids]
        await session.execute(
            upsert.insert(session, Delivery)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["alert", "mention_id"])
        )
    return outbox_id


async def claim_due(
    session: AsyncSession, *, now: datetime, lease: timedelta, limit: int = 20
) -> list[Outbox]:
    """Lease up to `limit` pending rows whose time has come; other workers skip them."""
    due = (
        select(Outbox.id)
        .where(Outbox.status == PENDING, Outbox.next_attempt_at <= now)
        .where(or_(Outbox.lease_until.is_(None), Outbox.lease_until < now))
        .order_by(Outbox.next_attempt_at, Outbox.id)
        .limit(limit)
    )
    claimed: list[Outbox] = []
    for outbox_id in (await session.scalars(due)).all():
        result = await session.execute(
            update(Outbox)
            .where(Outbox.id == outbox_id, Outbox.status == PENDING)
            .where(or_(Outbox.lease_until.is_(None), Outbox.lease_until < now))
            .values(lease_until=now + lease)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            claimed.append(await session.get_one(Outbox, outbox_id))
    return claimed


async def mark_sent(session: AsyncSession, outbox_id: int, *, now: datetime) -> None:
    await session.execute(
        update(Outbox)
        .where(Outbox.id == outbox_id)
        .values(
            status=SENT,
            sent_at=now,
            lease_until=None,
            attempts=Outbox.attempts + 1,
            last_error=None,
        )
    )


async def mark_retry(
    session: AsyncSession, outbox_id: int, *, error: str, next_attempt_at: datetime
) -> None:
    await session.execute(
        update(Outbox)
        .where(Outbox.id == outbox_id)
        .values(
            lease_until=None,
            attempts=Outbox.attempts + 1,
            last_error=error,
            next_attempt_at=next_attempt_at,
        )
    )


async def mark_failed(session: AsyncSession, outbox_id: int, *, error: str) -> None:
    await session.execute(
        update(Outbox)
        .where(Outbox.id == outbox_id)
        .values(status=FAILED, lease_until=None, attempts=Outbox.attempts + 1, last_error=error)
    )


async def recent(session: AsyncSession, *, limit: int = 50) -> list[Outbox]:
    query = select(Outbox).order_by(Outbox.id.desc()).limit(limit)
    return list((await session.scalars(query)).all())
