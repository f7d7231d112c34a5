"""Digests exactly once per mention, whatever runs at the same time: two `monitor digest
--send` (digest.prepare) racing a crawl that stores one more mention, and the service's
window close beside them. Made deterministic with a pause point: the first caller has
read its mentions and waits, right before queuing, until the other has queued and
committed. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from monitor import domain
from monitor.alerting import digest
from monitor.demo import mailsink
from monitor.service.parts import Service
from monitor.store import db, outbox
from monitor.store.schema import Delivery
from tests.conftest import SENDER, Mailroom

NOW = datetime(2024, 3, 15, 9, 0, tzinfo=UTC)
ALERT = "  - {name: team, recipients: [team@example.org], digest: daily at 08:00}\n"


def post(number: int) -> domain.Document:
    return domain.Document(
        key=f"https://blog.example/{number}", url=f"https://blog.example/{number}",
        title=f"Vaude Beitrag {number}", text="Vaude", published_at=NOW - timedelta(hours=1),
    )  # fmt: skip


def paused_before_queueing(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[asyncio.Event, asyncio.Event]:
    """The first digest to queue stops right before it does: `reached` is set, and it goes
    on once `go` is set. Later callers pass through."""
    reached, go = asyncio.Event(), asyncio.Event()
    real: Callable[..., Awaitable[int | None]] = outbox.enqueue_mail
    first = [True]

    async def enqueue_mail(*args: Any, **kwargs: Any) -> int | None:
        if first[0]:
            first[0] = False
            reached.set()
            await go.wait()
        return await real(*args, **kwargs)

    monkeypatch.setattr(outbox, "enqueue_mail", enqueue_mail)
    return reached, go


async def prepare(service: Service) -> digest.Prepared:
    config = service.config
    return await digest.prepare(config, config.alert("team"), service.sessions, sender=SENDER,
                                now=NOW)  # fmt: skip


async def test_two_digest_sends_racing_a_crawl_put_no_mention_in_two_mails(
    mailroom: Mailroom, smtp_sink: mailsink.MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = mailroom.config(ALERT)
    async with (
        mailroom.service(config, smtp_sink.url) as first,
        mailroom.service(config, smtp_sink.url) as second,
    ):
        await mailroom.store(first, "Blog", [post(1)], now=NOW)
        reached, go = paused_before_queueing(monkeypatch)
        slow = asyncio.create_task(prepare(first))  # reads mention 1, then waits
        await reached.wait()
        await mailroom.store(second, "Blog", [post(2)], now=NOW)  # the crawl: mention 2
        fast = await prepare(second)  # reads 1 and 2, queues them, commits
        go.set()
        late = await slow
        async with db.transaction(first.sessions) as session:
            delivered = await session.execute(select(Delivery.mention_id, Delivery.outbox_id))
            rows = delivered.all()
        mails = await mailroom.outbox(first)

    assert fast.mentions == 2
    assert fast.outbox_id is not None
    assert late.outbox_id is None
    assert late.already_queued_by == fast.outbox_id
    assert len(mails) == 1
    assert Counter(mention for mention, _ in rows) == {1: 1, 2: 1}  # each in one mail
    assert {mail for _, mail in rows} == {fast.outbox_id}


async def test_the_window_close_racing_a_digest_send_puts_each_mention_in_one_mail(
    mailroom: Mailroom, smtp_sink: mailsink.MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`monitor digest --send` has read the pending mentions when the service closes the
    08:00 window and queues them: the send finds them taken and says by which mail."""
    config = mailroom.config(ALERT)
    async with (
        mailroom.service(config, smtp_sink.url) as first,
        mailroom.service(config, smtp_sink.url) as second,
    ):
        # The alert exists since the day before (a window before it would not be sent).
        await mailroom.close(first, "team", now=NOW - timedelta(days=1))
        await mailroom.store(first, "Blog", [post(1), post(2)], now=NOW - timedelta(hours=2))
        reached, go = paused_before_queueing(monkeypatch)
        slow = asyncio.create_task(prepare(first))
        await reached.wait()
        closed = await mailroom.close(second, "team", now=NOW)
        go.set()
        late = await slow
        async with db.transaction(first.sessions) as session:
            rows = (await session.execute(select(Delivery.mention_id))).all()

    assert closed is not None
    assert closed.mentions == 2
    assert late.outbox_id is None
    assert late.already_queued_by == closed.outbox_id
    assert Counter(mention for (mention,) in rows) == {1: 1, 2: 1}
