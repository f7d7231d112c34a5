"""Sending what the outbox holds: claim due rows, hand them to the mailer, record the answer.

A row is marked sent only after the server accepted it. Temporary failures (4xx, refused
or dropped connections, timeouts) are retried with exponential backoff and jitter; the
schedule lives in the database, so it survives restarts, up to MAX_ATTEMPTS. Permanent
ones (5xx) fail at once, visibly: the whole row when the server refuses the mail, only
the refused recipient when others got it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from monitor import text
from monitor.errors import PermanentDeliveryError, TemporaryDeliveryError
from monitor.notify.email import Accepted, Mailer
from monitor.store import db, outbox
from monitor.store.schema import Outbox
from monitor.telemetry import metrics

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=2)
# One row is claimed at a time, for this long: a sender killed mid-send strands only the
# mail in flight, until then. Longer than one SMTP exchange may take (its timeout).
SEND_LEASE = timedelta(minutes=1)


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


@dataclass
class _Sender:
    sessions: async_sessionmaker[AsyncSession]
    mailer: Mailer
    sender: str
    clock: Callable[[], datetime]
    rng: Callable[[], float]
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    async def deliver(self, row: Outbox) -> None:
        try:
            accepted = await self.mailer.send(
                row.message, sender=self.sender, recipients=row.recipients
            )
        except TemporaryDeliveryError as error:
            await self._retry(row, str(error), row.recipients)
        except PermanentDeliveryError as error:
            await self._fail(row, str(error))
        else:
            await self._accepted(row, accepted)

    async def _accepted(self, row: Outbox, accepted: Accepted) -> None:
        final = [who for who, (code, _) in accepted.refused.items() if code >= 500]
        later = [who for who, (code, _) in accepted.refused.items() if code < 500]
        refusals = "; ".join(f"{who}: {c} {m}" for who, (c, m) in accepted.refused.items())
        if final:
            async with db.transaction(self.sessions) as session:
                await outbox.add_failed_recipients(session, row.id, final)
            log.error(
                "mail refused for some recipients: %s", refusals,
                extra={"event": "mail_recipient_failed", "outbox_id": row.id,
                       "alert": row.alert, "recipients": ", ".join(final)},
            )  # fmt: skip
        if later:
            await self._retry(row, f"{outbox.RECIPIENTS_REFUSED}{refusals}", later)
            return
        self.sent += 1
        metrics.MAILS.labels("sent").inc()
        async with db.transaction(self.sessions) as session:
            await outbox.mark_sent(session, row.id, now=self.clock())
        log.info(
            "mail sent: %s", row.subject,
            extra={"event": "mail_sent", "outbox_id": row.id, "alert": row.alert,
                   "reply": text.one_line(accepted.reply)},
        )  # fmt: skip

    async def _retry(self, row: Outbox, error: str, recipients: list[str]) -> None:
        attempt = row.attempts + 1
        if attempt >= MAX_ATTEMPTS:
            await self._fail(row, f"gave up after {attempt} attempts: {error}")
            return
        self.retrying += 1
        metrics.MAILS.labels("retry").inc()
        next_at = self.clock() + backoff(attempt, jitter=self.rng())
        async with db.transaction(self.sessions) as session:
            await outbox.mark_retry(
                session, row.id, error=error, next_attempt_at=next_at, recipients=recipients
            )
        log.warning(
            "mail not sent yet: %s", error,
            extra={"event": "mail_retry", "outbox_id": row.id, "alert": row.alert,
                   "attempt": attempt, "next_attempt_at": next_at.isoformat(),
                   "error": text.one_line(error)},
        )  # fmt: skip

    async def _fail(self, row: Outbox, error: str) -> None:
        self.failed += 1
        metrics.MAILS.labels("failed").inc()
        async with db.transaction(self.sessions) as session:
            await outbox.mark_failed(session, row.id, error=error)
        log.error(
            "mail failed: %s", error,
            extra={"event": "mail_failed", "outbox_id": row.id, "alert": row.alert,
                   "error": text.one_line(error)},
        )  # fmt: skip


async def drain(
    sessions: async_sessionmaker[AsyncSession],
    mailer: Mailer,
    *,
    sender: str,
    clock: Callable[[], datetime],
    rng: Callable[[], float] = random.random,
) -> Drained:
    """Send every row that is due now, once each; return what happened.

    Rows are claimed one at a time, as they are sent (a crash strands only the one in
    flight, for SEND_LEASE). When a send succeeds, mails that wait out a backoff because
    the server was unreachable are due at once: the server is back.
    """
    worker = _Sender(sessions, mailer, sender, clock, rng)
    attempted: set[int] = set()
    while True:
        async with db.transaction(sessions) as session:
            rows = await outbox.claim_due(
                session, now=clock(), lease=SEND_LEASE, limit=1, skip=attempted
            )
        if not rows:
            return Drained(worker.sent, worker.retrying, worker.failed)
        (row,) = rows
        attempted.add(row.id)
        sent_before = worker.sent
        try:
            await worker.deliver(row)
        except asyncio.CancelledError:
            # Shutting down: hand the row back, so another process sends it now rather
            # than after the lease. It may have reached the server: then it is sent again,
            # with the same Message-ID.
            async with db.transaction(sessions) as session:
                await outbox.release(session, [row.id])
            raise
        if worker.sent > sent_before:
            async with db.transaction(sessions) as session:
                await outbox.due_now_server_is_back(session, now=clock())
