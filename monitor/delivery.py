"""Sending what the outbox holds: claim due rows, hand them to the mailer, record the answer.

A row is marked sent only after the server accepted it. Temporary failures are retried
with exponential backoff and jitter (the schedule lives in the database, so it survives
restarts) up to MAX_ATTEMPTS; permanent ones fail the row at once, visibly.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from monitor import text
from monitor.errors import PermanentDeliveryError, TemporaryDeliveryError
from monitor.notify.email import Mailer
from monitor.store import db, outbox

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=2)
SEND_LEASE = timedelta(minutes=5)


def backoff(attempt: int, *, jitter: float) -> timedelta:
    """Wait before retry number `attempt` (1-based): doubling, capped, times 1±25 % jitter.

    `jitter` is a number in [0, 1) passed in so the schedule is testable.
    """
    base: timedelta = min(FIRST_RETRY * 2 ** (attempt - 1), LONGEST_RETRY)
    return base * (0.75 + 0.5 * jitter)


@dataclass(frozen=True, slots=True)
class Drained:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


async def drain(
    sessions: async_sessionmaker[AsyncSession],
    mailer: Mailer,
    *,
    sender: str,
    clock: Callable[[], datetime],
    rng: Callable[[], float] = random.random,
) -> Drained:
    """Send every due row once; return what happened. Reads the clock per row."""
    sent = retrying = failed = 0
    while True:
        async with db.transaction(sessions) as session:
            rows = await outbox.claim_due(session, now=clock(), lease=SEND_LEASE)
        if not rows:
            return Drained(sent, retrying, failed)
        for row in rows:
            try:
                reply = await mailer.send(row.message, sender=sender, recipients=row.recipients)
            except TemporaryDeliveryError as error:
                attempt = row.attempts + 1
                async with db.transaction(sessions) as session:
                    if attempt >= MAX_ATTEMPTS:
                        failed += 1
                        await outbox.mark_failed(session, row.id, error=f"gave up: {error}")
                    else:
                        retrying += 1
                        next_at = clock() + backoff(attempt, jitter=rng())
                        await outbox.mark_retry(
                            session, row.id, error=str(error), next_attempt_at=next_at
                        )
                log.warning(
                    "mail not sent yet: %s", error,
                    extra={"event": "mail_retry", "outbox_id": row.id, "alert": row.alert,
                           "attempt": attempt, "error": text.one_line(str(error))},
                )  # fmt: skip
            except PermanentDeliveryError as error:
                failed += 1
                async with db.transaction(sessions) as session:
                    await outbox.mark_failed(session, row.id, error=str(error))
                log.error(
                    "mail refused: %s", error,
                    extra={"event": "mail_failed", "outbox_id": row.id, "alert": row.alert,
                           "error": text.one_line(str(error))},
                )  # fmt: skip
            else:
                sent += 1
                async with db.transaction(sessions) as session:
                    await outbox.mark_sent(session, row.id, now=clock())
                log.info(
                    "mail sent: %s", row.subject,
                    extra={"event": "mail_sent", "outbox_id": row.id, "alert": row.alert,
                           "reply": text.one_line(reply)},
                )  # fmt: skip
