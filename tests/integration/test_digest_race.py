"""Digests exactly once per mention, whatever runs at the same time: two `monitor digest
--send` (digest.prepare) racing a crawl that stores one more mention, and the service's
window close beside them. Made deterministic with a pause point: the first caller has
read its mentions and waits, right before queuing, until the other has queued and
committed. On PostgreSQL, where the second writes while the first has read; on SQLite
a writer holds the write lock from its BEGIN (store.db), so the second waits for the
first instead, which the last test shows.
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


@pytest.mark.postgres
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


@pytest.mark.postgres
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


@pytest.mark.sqlite_only
async def test_on_sqlite_a_second_digest_send_waits_for_the_first_and_finds_nothing_left(
    mailroom: Mailroom, smtp_sink: mailsink.MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = mailroom.config(ALERT)
    async with (
        mailroom.service(config, smtp_sink.url) as first,
        mailroom.service(config, smtp_sink.url) as second,
    ):
        await mailroom.store(first, "Blog", [post(1)], now=NOW)
        reached, go = paused_before_queueing(monkeypatch)
        slow = asyncio.create_task(prepare(first))  # has read mention 1, holds the lock
        await reached.wait()
        other = asyncio.create_task(prepare(second))  # another process: it must wait
        await asyncio.sleep(0.5)
        waited = not other.done()
        go.set()
        late, fast = await slow, await other
        async with db.transaction(first.sessions) as session:
            rows = (await session.execute(select(Delivery.mention_id))).all()

    assert waited
    assert late.mentions == 1
    assert late.outbox_id is not None
    assert fast.outbox_id is None
    assert Counter(mention for (mention,) in rows) == {1: 1}
