"""Mails a crawl decides on: immediate alerts and source-health notices, queued in the
crawl's own transaction, so none is lost or doubled.

For each immediate alert, the mentions a crawl newly stored that the rule finds urgent
(see urgency) go out as one mail: one mention, or one batch when a crawl finds several.
The outbox row is written in the same transaction as the mentions; its key is derived
from the mentions, so no retry or replica can queue it twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from monitor import sources
from monitor.alerting import urgency
from monitor.config import sources_yaml
from monitor.domain import Health, HealthEvent, MessageKind, Trouble
from monitor.notify import render
from monitor.store import mentions, outbox


def rules(config: sources_yaml.Config) -> tuple[urgency.Rule, ...]:
    return tuple(
        urgency.compile_rule(
            alert.name,
            brands=alert.brands,
            sources=alert.sources,
            rating_at_most=alert.immediate.rating_at_most,
            query=alert.immediate.query,
        )
        for alert in config.immediate_alerts
        if alert.immediate is not None
    )


async def queue_immediate(
    session: AsyncSession,
    config: sources_yaml.Config,
    compiled: Sequence[urgency.Rule],
    new: Mapping[int, mentions.Found],
    *,
    source: str,
    sender: str,
    now: datetime,
) -> list[int]:
    """Queue the immediate mails the new mentions set off; return the outbox ids."""
    alertable = {i: f for i, f in new.items() if f.alertable}
    queued: list[int] = []
    for rule in compiled:
        reasons = {
            mention_id: why
            for mention_id, found in alertable.items()
            if (why := urgency.reason(rule, found.document, brand=found.match.brand,
                                      source=source)) is not None
        }  # fmt: skip
        if not reasons:
            continue
        alert = config.alert(rule.alert)
        stored = await mentions.by_ids(session, sorted(reasons))
        urgent = [render.Urgent(m, reasons[m.id].kind, reasons[m.id].terms) for m in stored]
        rendered = render.immediate(
            alert=alert.name,
            recipients=alert.recipients,
            urgent=urgent,
            language=alert.language or config.settings.language,
            timezone=alert.timezone or config.settings.timezone,
        )
        ids = sorted(reasons)
        key = f"immediate:{alert.name}:" + hashlib.sha256(repr(ids).encode()).hexdigest()[:24]
        outbox_id = await outbox.enqueue_mail(
            session, rendered, dedup_key=key, alert=alert.name, kind=MessageKind.IMMEDIATE,
            recipients=alert.recipients, sender=sender, mention_ids=ids, now=now,
        )  # fmt: skip
        if outbox_id is not None:
            queued.append(outbox_id)
    return queued


async def queue_health(
    session: AsyncSession,
    config: sources_yaml.Config,
    source: sources.SourceBase,
    event: HealthEvent,
    state: Health,
    told: tuple[Trouble | None, int | None, str | None],
    *,
    sender: str,
    now: datetime,
) -> int | None:
    """Queue the one "needs attention" or "recovered" mail for the admins, if any are set;
    it says what went wrong in the catalogue's words (`told`: see render.health)."""
    admins = config.settings.admins
    if not admins:
        return None
    rendered = render.health(
        source=source.name,
        url=source.url,
        event=event,
        told=told,
        failures=state.consecutive_failures,
        recipients=admins,
        language=config.settings.language,
    )
    key = f"health:{source.name}:{event}:{now.isoformat()}"
    return await outbox.enqueue_mail(
        session, rendered, dedup_key=key, alert="admins", kind=MessageKind.HEALTH,
        recipients=admins, sender=sender, mention_ids=[], now=now,
    )  # fmt: skip
