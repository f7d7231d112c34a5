"""Digests: the mentions an alert has not yet sent, rendered and queued as one mail.

Queuing and marking the mentions delivered happen in one transaction, and the outbox key
is derived from the exact set of mentions, so two workers preparing the same digest at
once queue it once. Sending is the outbox's job (see delivery).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from monitor import config as config_module
from monitor.notify import message, render
from monitor.store import db, outbox

MAX_MENTIONS_PER_DIGEST = 500


@dataclass(frozen=True, slots=True)
class Prepared:
    alert: str
    mentions: int
    outbox_id: int | None
    rendered: render.Rendered | None


async def prepare(
    config: config_module.Config,
    alert: config_module.Alert,
    sessions: async_sessionmaker[AsyncSession],
    *,
    sender: str,
    now: datetime,
    queue: bool = True,
) -> Prepared:
    """Render the alert's pending mentions; with `queue`, put the mail in the outbox.

    Without `queue` (a preview) nothing is recorded. An empty digest renders nothing.
    """
    async with db.transaction(sessions) as session:
        pending = await outbox.undelivered(
            session,
            alert=alert.name,
            brands=[brand.name for brand in config.brands_for(alert)],
            sources=alert.sources,
            limit=MAX_MENTIONS_PER_DIGEST,
        )
        if not pending:
            return Prepared(alert.name, 0, None, None)
        rendered = render.digest(
            alert=alert.name,
            recipients=alert.recipients,
            mentions=pending,
            language=alert.language or config.settings.language,
            timezone=alert.timezone or config.settings.timezone,
            now=now,
        )
        if not queue:
            return Prepared(alert.name, len(pending), None, rendered)
        ids = sorted(m.id for m in pending)
        dedup_key = f"digest:{alert.name}:" + hashlib.sha256(repr(ids).encode()).hexdigest()[:24]
        outbox_id = await outbox.enqueue(
            session,
            dedup_key=dedup_key,
            alert=alert.name,
            kind="digest",
            subject=rendered.subject,
            recipients=alert.recipients,
            message=message.build(
                rendered, sender=sender, recipients=alert.recipients, dedup_key=dedup_key, now=now
            ),
            mention_ids=ids,
            now=now,
        )
        return Prepared(alert.name, len(pending), outbox_id, rendered)
