"""The outbox: mails decided on, waiting to be sent, retried, or given up on.

A row is written in the same transaction as the decision to send (the mentions it
carries are marked delivered then), and only marked sent after the SMTP server accepted
it. So a crash loses nothing; at worst one mail is sent twice, with the same Message-ID.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from monitor import domain
from monitor.domain import MessageKind, OutboxStatus
from monitor.errors import AlreadyQueued
from monitor.notify import message
from monitor.notify.render import Rendered
from monitor.store import mentions, upsert
from monitor.store.schema import Delivery, DigestWindow, Document, Mention, Outbox, Source


async def undelivered(
    session: AsyncSession,
    *,
    alert: str,
    brands: Sequence[str],
    sources: Sequence[str] = (),
    stored_before: datetime | None = None,
    limit: int = 500,
) -> list[domain.StoredMention]:
    """Alertable mentions of `brands` (and `sources`, if given) this alert has not sent yet,
    optionally only those stored before a time (the end of a digest window)."""
    delivered = exists().where(and_(Delivery.alert == alert, Delivery.mention_id == Mention.id))
    query = (
        mentions.listed_query()
        .where(Mention.alertable.is_(True))
        .where(Mention.brand.in_(brands))
        .where(~delivered)
    )
    if sources:
        query = query.where(Source.name.in_(sources))
    if stored_before is not None:
        query = query.where(Mention.created_at <= stored_before)
    query = query.order_by(Document.published_at.desc(), Mention.id.desc()).limit(limit)
    return await mentions.with_places(session, (await session.execute(query)).all())


async def enqueue(
    session: AsyncSession,
    *,
    dedup_key: str,
    alert: str,
    kind: MessageKind,
    subject: str,
    recipients: Sequence[str],
    message: bytes,
    mention_ids: Sequence[int],
    now: datetime,
    exclusive: bool = False,
) -> int | None:
    """Queue a mail and record its mentions as delivered for `alert`.

    Returns the new row's id, or None if a mail with this `dedup_key` was queued before
    (by this process, an earlier run, or another replica). With `exclusive` (digests),
    raises AlreadyQueued when any of the mentions is in another mail of `alert` already:
    the (alert, mention) row is unique, so of two processes that read the same mentions
    at once the second waits for the first and then finds them taken; the caller rolls
    back and reads again. No mention is in two digests of one alert.
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
            status=OutboxStatus.PENDING,
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
        recorded = await session.scalars(
            upsert.insert(session, Delivery)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["alert", "mention_id"])
            .returning(Delivery.mention_id)
        )
        if exclusive and len(recorded.all()) < len(set(mention_ids)):
            taken = await session.scalar(
                select(Delivery.outbox_id)
                .where(Delivery.alert == alert, Delivery.mention_id.in_(list(mention_ids)))
                .where(Delivery.outbox_id != outbox_id)
                .limit(1)
            )
            raise AlreadyQueued(alert, taken)
    return outbox_id


async def holding(session: AsyncSession, *, alert: str, mention_ids: Sequence[int]) -> int | None:
    """The mail of `alert` that holds any of `mention_ids`, if one does."""
    found: int | None = await session.scalar(
        select(Delivery.outbox_id)
        .where(Delivery.alert == alert, Delivery.mention_id.in_(list(mention_ids)))
        .order_by(Delivery.outbox_id)
        .limit(1)
    )
    return found


async def enqueue_mail(
    session: AsyncSession,
    rendered: Rendered,
    *,
    dedup_key: str,
    alert: str,
    kind: MessageKind,
    recipients: Sequence[str],
    sender: str,
    mention_ids: Sequence[int],
    now: datetime,
    exclusive: bool = False,
) -> int | None:
    """`enqueue` a rendered mail: built into its message (Message-ID from `dedup_key`)."""
    built = message.build(
        rendered, sender=sender, recipients=recipients, dedup_key=dedup_key, now=now
    )
    return await enqueue(
        session, dedup_key=dedup_key, alert=alert, kind=kind, subject=rendered.subject,
        recipients=recipients, message=built, mention_ids=mention_ids, now=now,
        exclusive=exclusive,
    )  # fmt: skip


async def close_window(
    session: AsyncSession, *, alert: str, window_end: datetime, now: datetime
) -> int | None:
    """Record that `alert`'s window ending at `window_end` is closed; its row id, or None if
    it was closed before (by this process, an earlier run, or another replica)."""
    statement = (
        upsert.insert(session, DigestWindow)
        .values(alert=alert, window_end=window_end, closed_at=now, mentions=0)
        .on_conflict_do_nothing(index_elements=["alert", "window_end"])
        .returning(DigestWindow.id)
    )
    window_id: int | None = await session.scalar(statement)
    return window_id


async def settle_window(
    session: AsyncSession, window_id: int, *, mentions: int, outbox_id: int | None
) -> None:
    await session.execute(
        update(DigestWindow)
        .where(DigestWindow.id == window_id)
        .values(mentions=mentions, outbox_id=outbox_id)
    )


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    lease: timedelta,
    limit: int = 1,
    skip: Collection[int] = (),
) -> list[Outbox]:
    """Lease up to `limit` pending rows whose time has come (not those in `skip`, tried
    already by this worker); other workers skip them. Urgent kinds come first."""
    due = (
        select(Outbox.id)
        .where(Outbox.status == OutboxStatus.PENDING, Outbox.next_attempt_at <= now)
        .where(or_(Outbox.lease_until.is_(None), Outbox.lease_until < now))
        .order_by((Outbox.kind == MessageKind.DIGEST).asc(), Outbox.next_attempt_at, Outbox.id)
        .limit(limit)
    )
    if skip:
        due = due.where(Outbox.id.not_in(list(skip)))
    claimed: list[Outbox] = []
    for outbox_id in (await session.scalars(due)).all():
        result = await session.execute(
            update(Outbox)
            .where(Outbox.id == outbox_id, Outbox.status == OutboxStatus.PENDING)
            .where(or_(Outbox.lease_until.is_(None), Outbox.lease_until < now))
            .values(lease_until=now + lease)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            claimed.append(await session.get_one(Outbox, outbox_id))
    return claimed


# What `_Sender._retry` writes when the server refused some recipients for now (mailbox
# full): not a sign the server was away, so a later success does not bring it forward.
RECIPIENTS_REFUSED = "refused for now: "


async def due_now_server_is_back(session: AsyncSession, *, now: datetime) -> int:
    """Mails waiting out a backoff because the server failed are due now (it just accepted
    one): after an outage, all go within one send, not each at the end of its own wait.
    Returns how many."""
    result = await session.execute(
        update(Outbox)
        .where(Outbox.status == OutboxStatus.PENDING, Outbox.next_attempt_at > now)
        .where(Outbox.attempts > 0, Outbox.last_error.is_not(None))
        .where(Outbox.last_error.not_like(f"{RECIPIENTS_REFUSED}%"))
        .values(next_attempt_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def release(session: AsyncSession, outbox_ids: Sequence[int]) -> None:
    """Give back the leases of rows still pending (sent or failed rows keep their state)."""
    await session.execute(
        update(Outbox)
        .where(Outbox.id.in_(outbox_ids), Outbox.status == OutboxStatus.PENDING)
        .values(lease_until=None)
    )


async def mark_sent(session: AsyncSession, outbox_id: int, *, now: datetime) -> None:
    """The server accepted the mail for every recipient still due."""
    await session.execute(
        update(Outbox)
        .where(Outbox.id == outbox_id)
        .values(
            status=OutboxStatus.SENT,
            sent_at=now,
            lease_until=None,
            attempts=Outbox.attempts + 1,
            last_error=None,
        )
    )


async def mark_retry(
    session: AsyncSession,
    outbox_id: int,
    *,
    error: str,
    next_attempt_at: datetime,
    recipients: Sequence[str] | None = None,
) -> None:
    """Try again at `next_attempt_at`, to `recipients` only if given (the ones still due)."""
    extra = {"recipients": list(recipients)} if recipients is not None else {}
    await session.execute(
        update(Outbox)
        .where(Outbox.id == outbox_id)
        .values(
            **extra,
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
        .values(
            status=OutboxStatus.FAILED,
            lease_until=None,
            attempts=Outbox.attempts + 1,
            last_error=error,
        )
    )


async def add_failed_recipients(
    session: AsyncSession, outbox_id: int, failed: Sequence[str]
) -> None:
    """Recipients the server refused for good, while the mail goes on to the others."""
    row = await session.get_one(Outbox, outbox_id)
    row.failed_recipients = sorted({*(row.failed_recipients or []), *failed})


async def recent(session: AsyncSession, *, limit: int = 50) -> list[Outbox]:
    query = select(Outbox).order_by(Outbox.id.desc()).limit(limit)
    return list((await session.scalars(query)).all())
