"""Digests: the mentions an alert has not yet sent, rendered and queued as one mail.

A digest window closes on the alert's schedule (`close_window`); closing is recorded once
per (alert, window end) in the database, so a replica or a restart cannot send it twice,
and a window that closed while the service was down is closed (and sent) when it comes
back. Queuing the mail and marking its mentions delivered happen in that same
transaction. Sending is the outbox's job (see delivery).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from monitor import domain
from monitor.config import schedule, sources_yaml
from monitor.domain import MessageKind, NameKind
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
        now=now,
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
    async with db.transaction(sessions) as session:
        pending = await _pending(session, config, alert)
        if not pending:
            return Prepared(alert.name, 0, None, None)
        rendered = _render(config, alert, pending, now)
        if not queue:
            return Prepared(alert.name, len(pending), None, rendered)
        # Keyed by the exact set of mentions: two workers doing this at once queue it once.
        ids = sorted(m.id for m in pending)
        key = f"digest:{alert.name}:" + hashlib.sha256(repr(ids).encode()).hexdigest()[:24]
        outbox_id = await _queue(
            session, alert, rendered, pending, dedup_key=key, sender=sender, now=now
        )
        return Prepared(alert.name, len(pending), outbox_id, rendered)


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
