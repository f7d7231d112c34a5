"""Sending what the outbox holds to real SMTP servers (aiosmtpd on loopback) that are down,
answer 451, refuse recipients with 550: delivery.drain with an injected clock, so every
retry is due exactly when the test says.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.alerting import delivery
from monitor.config import sources_yaml
from monitor.crawl import pipeline
from monitor.demo import mailsink
from monitor.store.schema import Outbox
from tests.conftest import Entry, FeedServer, Mailroom, ScriptedSmtp, rss_feed
from tests.e2e.conftest import run_monitor
from tests.integration.conftest import database_env

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
ALERTS = (
    "  - name: all\n    recipients: [all@example.org]\n    immediate: {}\n"
    "  - name: team\n    recipients: [anna@example.org, gone@example.org]\n"
    "    digest: daily at 08:00\n"
)


def feed(name: str, n: int) -> str:
    return rss_feed([
        Entry(f"Vaude bei {name} {i}", f"https://{name}.example/{i}", f"Vaude {i}",
              NOW - timedelta(hours=1))
        for i in range(n)
    ])  # fmt: skip


def closed_port() -> str:
    return f"smtp://127.0.0.1:{mailsink.free_port()}"  # bound and released: nothing listens


def message_ids(mails: list[mailsink.Received]) -> Counter[str]:
    return Counter(str(mail.message["Message-ID"]) for mail in mails)


async def test_mail_decided_while_smtp_is_down_goes_out_once_each_when_it_is_back(
    mailroom: Mailroom, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    config, (first, second), waiting = await _an_outage(mailroom, feed_server)

    assert first == delivery.Drained(retrying=2)  # one immediate mail per crawl
    assert second == delivery.Drained(retrying=3)  # and the digest, and the two again
    assert {row.status for row in waiting} == {"pending"}
    assert [row.attempts for row in waiting] == [2, 2, 1]
    for row in waiting:
        assert "Connect call failed" in (row.last_error or ""), row.last_error
    due = max(row.next_attempt_at for row in waiting) + timedelta(seconds=1)

    async with mailroom.service(config, smtp_sink.url) as service:
        back = await mailroom.drain(service, now=due)
        again = await mailroom.drain(service, now=due + timedelta(days=1))
        done = await mailroom.outbox(service)

    assert back == delivery.Drained(sent=3)
    assert again == delivery.Drained()
    assert {row.status for row in done} == {"sent"}
    assert message_ids(smtp_sink.received) == Counter({
        str(_header(row.message, "Message-ID")): 1 for row in done
    })  # fmt: skip
    assert sorted(len(mail.recipients) for mail in smtp_sink.received) == [1, 1, 2]


async def _an_outage(
    mailroom: Mailroom, feed_server: FeedServer
) -> tuple[sources_yaml.Config, tuple[delivery.Drained, delivery.Drained], list[Outbox]]:
    """Two crawls and a digest while the SMTP server is away: three mails queued and tried
    (the immediate ones twice); the config, both drains and the outbox rows after them."""
    config = mailroom.config(
        ALERTS,
        sources={
            "blog": feed_server.serve("/blog.xml", feed("blog", 2)),
            "forum": feed_server.serve("/forum.xml", feed("forum", 1)),
        },
    )
    tomorrow = NOW + timedelta(days=1)
    async with mailroom.service(config, closed_port()) as service:
        await mailroom.close(service, "team", now=NOW - timedelta(days=1))
        for source in config.sources:
            await pipeline.poll_source(service.crawler, source, now=NOW)
        first = await mailroom.drain(service, now=NOW)
        await mailroom.close(service, "team", now=tomorrow)
        second = await mailroom.drain(service, now=tomorrow)
        return config, (first, second), await mailroom.outbox(service)


def _header(data: bytes, name: str) -> str:
    return mailsink.Received("", [], data).message[name]


async def test_a_451_is_retried_later_and_the_mail_is_then_sent_once(
    mailroom: Mailroom,
    feed_server: FeedServer,
    scripted_smtp: Callable[..., ScriptedSmtp],
) -> None:
    smtp = scripted_smtp(data_replies=["451 4.3.0 try later"])
    config = mailroom.config(ALERTS, sources={"blog": feed_server.serve("/b.xml", feed("b", 1))})

    async with mailroom.service(config, smtp.url) as service:
        await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        refused = await mailroom.drain(service, now=NOW)
        (row,) = await mailroom.outbox(service)
        too_early = await mailroom.drain(service, now=row.next_attempt_at - timedelta(seconds=1))
        sent = await mailroom.drain(service, now=row.next_attempt_at)
        (after,) = await mailroom.outbox(service)

    assert refused == delivery.Drained(retrying=1)
    assert row.status == "pending"
    assert row.last_error == "451 4.3.0 try later"
    # First retry after a minute, ±25 % jitter (the test's rng says 0.5: exactly a minute).
    assert row.next_attempt_at == NOW + delivery.FIRST_RETRY
    assert too_early == delivery.Drained()
    assert sent == delivery.Drained(sent=1)
    assert (after.status, after.attempts, after.last_error) == ("sent", 2, None)
    assert smtp.handler.data_attempts == 2
    assert len(smtp.received) == 1


async def test_a_550_for_one_recipient_fails_only_that_one_and_shows_in_monitor_outbox(
    mailroom: Mailroom,
    feed_server: FeedServer,
    scripted_smtp: Callable[..., ScriptedSmtp],
    tmp_path: Path,
) -> None:
    smtp = scripted_smtp(rcpt_replies={"gone@example.org": "550 5.1.1 no such user"})
    config = mailroom.config(ALERTS, sources={"blog": feed_server.serve("/b.xml", feed("b", 1))})

    async with mailroom.service(config, smtp.url) as service:
        await mailroom.close(service, "team", now=NOW - timedelta(days=1))
        await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        await mailroom.close(service, "team", now=NOW + timedelta(days=1))
        drained = await mailroom.drain(service, now=NOW + timedelta(days=1))
        later = await mailroom.drain(service, now=NOW + timedelta(days=2))
        rows = {row.alert: row for row in await mailroom.outbox(service)}

    assert drained == delivery.Drained(sent=2)
    assert later == delivery.Drained()
    digest_row = rows["team"]
    assert digest_row.status == "sent"
    assert digest_row.failed_recipients == ["gone@example.org"]
    by_recipients = sorted(mail.recipients for mail in smtp.received)
    assert by_recipients == [["all@example.org"], ["anna@example.org"]]

    shown = run_monitor(
        "outbox", cwd=tmp_path, MONITOR_DATA_DIR=str(tmp_path), COLUMNS="400",
        **database_env(tmp_path),
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    (line,) = [line for line in shown.stdout.splitlines() if " team " in line]
    assert " sent " in line
    assert "refused: gone@example.org" in line


async def test_a_mail_every_recipient_refuses_with_550_fails_with_the_servers_answer(
    mailroom: Mailroom,
    feed_server: FeedServer,
    scripted_smtp: Callable[..., ScriptedSmtp],
) -> None:
    smtp = scripted_smtp(rcpt_replies={"all@example.org": "550 5.1.1 no such user"})
    config = mailroom.config(ALERTS, sources={"blog": feed_server.serve("/b.xml", feed("b", 1))})

    async with mailroom.service(config, smtp.url) as service:
        await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        drained = await mailroom.drain(service, now=NOW)
        later = await mailroom.drain(service, now=NOW + timedelta(days=1))
        (row,) = await mailroom.outbox(service)

    assert drained == delivery.Drained(failed=1)
    assert later == delivery.Drained()
    assert row.status == "failed"
    assert row.last_error is not None
    assert "all@example.org: 550 5.1.1 no such user" in row.last_error
    assert smtp.received == []


async def test_a_recipient_refused_for_now_with_450_is_retried_alone(
    mailroom: Mailroom,
    feed_server: FeedServer,
    scripted_smtp: Callable[..., ScriptedSmtp],
) -> None:
    busy = scripted_smtp(rcpt_replies={"gone@example.org": "450 4.2.1 mailbox busy"})
    config = mailroom.config(ALERTS, sources={"blog": feed_server.serve("/b.xml", feed("b", 1))})

    async with mailroom.service(config, busy.url) as service:
        await mailroom.close(service, "team", now=NOW - timedelta(days=1))
        await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        await mailroom.close(service, "team", now=NOW + timedelta(days=1))
        first = await mailroom.drain(service, now=NOW + timedelta(days=1))
        row = next(r for r in await mailroom.outbox(service) if r.alert == "team")
    busy.handler.rcpt_replies.clear()  # the mailbox has room again
    async with mailroom.service(config, busy.url) as service:
        second = await mailroom.drain(service, now=row.next_attempt_at)
        after = next(r for r in await mailroom.outbox(service) if r.alert == "team")

    assert first == delivery.Drained(sent=1, retrying=1)
    assert row.status == "pending"
    assert row.recipients == ["gone@example.org"]
    assert second == delivery.Drained(sent=1)
    assert after.status == "sent"
    # The immediate mail, the digest to anna, then the digest to gone alone: once each.
    assert [m.recipients for m in busy.received] == [
        ["all@example.org"],
        ["anna@example.org"],
        ["gone@example.org"],
    ]
    assert len(message_ids(busy.received)) == 2


async def test_after_max_attempts_a_mail_is_given_up_on_visibly(
    mailroom: Mailroom, feed_server: FeedServer
) -> None:
    config = mailroom.config(ALERTS, sources={"blog": feed_server.serve("/b.xml", feed("b", 1))})
    clock = NOW
    outcomes: list[delivery.Drained] = []

    async with mailroom.service(config, closed_port()) as service:
        await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        for _ in range(delivery.MAX_ATTEMPTS + 2):
            outcomes.append(await mailroom.drain(service, now=clock))
            (row,) = await mailroom.outbox(service)
            clock = row.next_attempt_at + timedelta(seconds=1)

    retries = delivery.MAX_ATTEMPTS - 1
    assert outcomes == (
        [delivery.Drained(retrying=1)] * retries
        + [delivery.Drained(failed=1)]
        + [delivery.Drained()] * 2
    )
    assert row.status == "failed"
    assert row.attempts == delivery.MAX_ATTEMPTS
    assert row.last_error is not None
    assert row.last_error.startswith(f"gave up after {delivery.MAX_ATTEMPTS} attempts: ")
    # The waits doubled, capped at LONGEST_RETRY.
    assert clock - NOW > sum(
        (min(delivery.FIRST_RETRY * 2**i, delivery.LONGEST_RETRY) for i in range(retries)),
        timedelta(),
    )


async def test_when_smtp_is_back_every_waiting_mail_goes_with_the_first_that_succeeds(
    mailroom: Mailroom, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    """Mails that failed during an outage wait out backoffs of different lengths; the first
    one due after the server is back brings the others forward: all go in that drain, not
    each at the end of its own wait (up to two hours)."""
    config, _, waiting = await _an_outage(mailroom, feed_server)
    first_due = min(row.next_attempt_at for row in waiting)
    assert max(row.next_attempt_at for row in waiting) > first_due  # they wait differently

    async with mailroom.service(config, smtp_sink.url) as service:
        back = await mailroom.drain(service, now=first_due)
        done = await mailroom.outbox(service)

    assert back == delivery.Drained(sent=3)
    assert {row.status for row in done} == {"sent"}
