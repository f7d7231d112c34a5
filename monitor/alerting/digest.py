"""Digests: the mentions an alert has not yet sent, rendered and queued as one mail.

A digest window closes on the alert's schedule (`close_window`); closing is recorded once
per (alert, window end) in the database, so a replica or a restart cannot send it twice,
and a window that closed while the service was down is closed (and sent) when it comes
back. Queuing the mail and marking its mentions delivered happen in that same
transaction, and a mention can be marked delivered for an alert once only: whatever runs
at the same time (`monitor digest --send`, the service's window close, replicas), no
mention is in two digests of one alert; the one that comes second reads again and queues
what is left, or says which mail has them. Sending is the outbox's job (see delivery).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy.exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from monitor import domain
from monitor.config import schedule, sources_yaml
from monitor.domain import MessageKind, NameKind
from monitor.errors import AlreadyQueued, StoreError
from monitor.notify import render
from monitor.store import db, names, outbox

log = logging.getLogger(__name__)

MAX_MENTIONS_PER_DIGEST = 500


@dataclass(frozen=True, slots=True)
class Prepared:
    alert: str
    mentions: int
    outbox_id: int | None
    rendered: render.Rendered | None
    # Set when another process queued these mentions a moment before: its mail's id.
    already_queued_by: int | None = None


# Reading the pending mentions again after another process queued some of them (or, on
# SQLite, held the write lock past the busy timeout): a few times at most.
_ATTEMPTS = 3


def _raced(error: Exception) -> bool:
    """Whether `error` means another writer got there first (SQLite: still writing)."""
    return isinstance(error, AlreadyQueued) or (
        isinstance(error, sqlalchemy.exc.OperationalError) and "locked" in str(error)
    )


def _render(
    config: sources_yaml.Config,
    alert: sources_yaml.Alert,
    pending: list[domain.StoredMention],
    now: datetime,
) -> render.Rendered:
    assert alert.digest is not None
    return render.digest(
        alert=alert.name,
        period=schedule.period_name(alert.digest_schedule),
        schedule=alert.digest,
        recipients=alert.recipients,
        mentions=pending,
        language=alert.language or config.settings.language,
        timezone=alert.timezone or config.settings.timezone,
        now=now,
    )


async def _pending(
    session: AsyncSession,
    config: sources_yaml.Config,
    alert: sources_yaml.Alert,
    stored_before: datetime | None = None,
) -> list[domain.StoredMention]:
    return await outbox.undelivered(
        session,
        alert=alert.name,
        brands=[brand.name for brand in config.brands_for(alert)],
        sources=alert.sources,
        stored_before=stored_before,
        limit=MAX_MENTIONS_PER_DIGEST,
    )


async def _queue(
    session: AsyncSession,
    alert: sources_yaml.Alert,
    rendered: render.Rendered,
    pending: list[domain.StoredMention],
    *,
    dedup_key: str,
    sender: str,
    now: datetime,
) -> int | None:
    return await outbox.enqueue_mail(
        session, rendered, dedup_key=dedup_key, alert=alert.name, kind=MessageKind.DIGEST,
        recipients=alert.recipients, sender=sender, mention_ids=[m.id for m in pending],
        now=now, exclusive=True,
    )  # fmt: skip


async def prepare(
    config: sources_yaml.Config,
    alert: sources_yaml.Alert,
    sessions: async_sessionmaker[AsyncSession],
    *,
    sender: str,
    now: datetime,
    queue: bool = True,
) -> Prepared:
    """Render the alert's pending mentions now, outside its schedule (`monitor digest`).

    With `queue`, the mail goes to the outbox; without (a preview) nothing is recorded.
    An empty digest renders nothing.
    """
    raced: list[int] = []  # the mentions read before another process queued them
    for _ in range(_ATTEMPTS):
        try:
            async with db.transaction(sessions) as session:
                pending = await _pending(session, config, alert)
                if not pending:
                    taken = (
                        await outbox.holding(session, alert=alert.name, mention_ids=raced)
                        if raced
                        else None
                    )
                    return Prepared(alert.name, 0, None, None, already_queued_by=taken)
                raced = [m.id for m in pending]
                rendered = _render(config, alert, pending, now)
                if not queue:
                    return Prepared(alert.name, len(pending), None, rendered)
                # Keyed by the exact set of mentions: two workers doing this at once with
                # the same mentions queue it once; with overlapping ones, the second finds
                # them taken (exclusive) and reads again.
                ids = sorted(m.id for m in pending)
                key = f"digest:{alert.name}:" + hashlib.sha256(repr(ids).encode()).hexdigest()[:24]
                outbox_id = await _queue(
                    session, alert, rendered, pending, dedup_key=key, sender=sender, now=now
                )
                return Prepared(alert.name, len(pending), outbox_id, rendered)
        except Exception as error:
            if not _raced(error):
                raise
    raise StoreError(f"{alert.name}: the digest could not be queued: other processes kept "
                     "queueing the same mentions; try again")  # fmt: skip


async def close_window(
    config: sources_yaml.Config,
    alert: sources_yaml.Alert,
    sessions: async_sessionmaker[AsyncSession],
    *,
    sender: str,
    now: datetime,
) -> Prepared | None:
    """Close the alert's most recent window if nobody has; None when there was nothing to do.

    Windows that ended before the alert first appeared are never sent, so adding an alert
    does not send a digest for a past it was not part of.
    """
    timezone = alert.timezone or config.settings.timezone
    window_end = schedule.last_tick(alert.digest_schedule, timezone, now)
    for attempt in range(_ATTEMPTS):
        try:
            return await _close(config, alert, sessions, window_end, sender=sender, now=now)
        except Exception as error:
            if not _raced(error) or attempt == _ATTEMPTS - 1:
                raise
    return None  # not reached


async def _close(
    config: sources_yaml.Config,
    alert: sources_yaml.Alert,
    sessions: async_sessionmaker[AsyncSession],
    window_end: datetime,
    *,
    sender: str,
    now: datetime,
) -> Prepared | None:
    async with db.transaction(sessions) as session:
        added = (await names.added_at(session, NameKind.ALERT, [alert.name], now=now))[alert.name]
        if window_end < added:
            return None
        window_id = await outbox.close_window(
            session, alert=alert.name, window_end=window_end, now=now
        )
        if window_id is None:
            return None
        pending = await _pending(session, config, alert, stored_before=window_end)
        if not pending and not alert.send_empty:
            log.info("digest window empty", extra={"event": "digest_empty", "alert": alert.name})
            return Prepared(alert.name, 0, None, None)
        rendered = _render(config, alert, pending, window_end)
        key = f"digest:{alert.name}:{window_end.isoformat()}"
        outbox_id = await _queue(
            session, alert, rendered, pending, dedup_key=key, sender=sender, now=now
        )
        await outbox.settle_window(session, window_id, mentions=len(pending), outbox_id=outbox_id)
        log.info(
            "digest queued",
            extra={"event": "digest_queued", "alert": alert.name, "mentions": len(pending),
                   "window_end": window_end.isoformat()},
        )  # fmt: skip
        return Prepared(alert.name, len(pending), outbox_id, rendered)
