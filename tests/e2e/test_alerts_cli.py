"""Alerts through the `monitor` command as an operator runs it: `monitor check --smtp`, and a
`monitor run` killed between two sends.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

from sqlalchemy import select

from monitor.alerting import delivery
from monitor.demo import mailsink
from monitor.notify.email import SmtpMailer
from monitor.store import db
from monitor.store.schema import Outbox
from tests.conftest import Entry, FeedServer, ScriptedSmtp, rss_feed
from tests.e2e.conftest import MONITOR, clean_env, run_monitor

MAIL_FROM = "monitor@example.org"


def write_config(folder: Path, *, admins: str = "[admin@example.org, ops@example.org]") -> None:
    (folder / "sources.yaml").write_text(
        f"settings:\n  admins: {admins}\nbrands: [{{name: Vaude, query: Vaude}}]\n",
        encoding="utf-8",
    )


def test_check_smtp_sends_a_test_mail_to_the_admins(
    tmp_path: Path, smtp_sink: mailsink.MailSink
) -> None:
    write_config(tmp_path)
    result = run_monitor(
        "check", "--smtp", cwd=tmp_path, MONITOR_SMTP_URL=smtp_sink.url, MONITOR_MAIL_FROM=MAIL_FROM
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (mail,) = smtp_sink.received
    assert sorted(mail.recipients) == ["admin@example.org", "ops@example.org"]
    # In the mails' language (sources.yaml's settings.language, German unless it says).
    assert mail.message["Subject"] == "monitor: Testmail"
    assert "funktioniert der Mailversand" in mail.part("plain")


def test_check_smtp_against_a_closed_port_exits_1_naming_the_failure(tmp_path: Path) -> None:
    write_config(tmp_path)
    port = mailsink.free_port()
    closed = f"smtp://127.0.0.1:{port}"
    result = run_monitor("check", "--smtp", cwd=tmp_path, MONITOR_SMTP_URL=closed)
    assert result.returncode == 1, result.stdout + result.stderr
    said = " ".join(result.stderr.split())
    assert f"error: the SMTP server 127.0.0.1:{port} cannot be reached" in said
    assert "check MONITOR_SMTP_URL" in said
    assert "Errno" not in said
    german = run_monitor("check", "--smtp", cwd=tmp_path, MONITOR_SMTP_URL=closed,
                         LANG="de_DE.UTF-8")  # fmt: skip
    assert german.returncode == 1
    assert f"Fehler: Der SMTP-Server 127.0.0.1:{port} ist nicht erreichbar" in " ".join(
        german.stderr.split()
    )


def test_check_smtp_without_admins_exits_2_saying_whom_to_add(
    tmp_path: Path, smtp_sink: mailsink.MailSink
) -> None:
    write_config(tmp_path, admins="[]")
    result = run_monitor("check", "--smtp", cwd=tmp_path, MONITOR_SMTP_URL=smtp_sink.url)
    assert result.returncode == 2
    assert "admins" in result.stderr
    assert smtp_sink.received == []


def _message_id(data: bytes) -> str:
    return str(message_from_bytes(data, policy=policy.default)["Message-ID"])


async def _rows(database: Path) -> list[Outbox]:
    engine = db.create_engine(f"sqlite+aiosqlite:///{database.as_posix()}")
    try:
        async with db.transaction(db.sessions(engine)) as session:
            return list((await session.scalars(select(Outbox).order_by(Outbox.id))).all())
    finally:
        await engine.dispose()


async def _drain(database: Path, smtp: ScriptedSmtp, *, at: datetime) -> delivery.Drained:
    engine = db.create_engine(f"sqlite+aiosqlite:///{database.as_posix()}")
    mailer = SmtpMailer("127.0.0.1", smtp.port, False, None, None, 10.0)
    try:
        return await delivery.drain(db.sessions(engine), mailer, sender=MAIL_FROM, clock=lambda: at)
    finally:
        await engine.dispose()


def test_a_run_killed_between_two_sends_loses_nothing_and_repeats_only_with_the_same_id(
    tmp_path: Path, feed_server: FeedServer, scripted_smtp: Callable[..., ScriptedSmtp]
) -> None:
    """What happens, and what this test holds the code to:

    `monitor crawl` queues one immediate mail per source (four). `monitor run` starts
    sending them to a server that takes ~1 s per message, and is SIGKILLed right after the
    server accepted the first. The killed process had leased only the row it was sending
    (rows are claimed one at a time, for delivery.SEND_LEASE, one minute). A sender
    restarted at once (delivery.drain in this process, against the same SQLite file and
    SMTP server) sends every other mail at once, and the one that was in flight once its
    lease has run out (its clock set past it, rather than waiting a minute).

    Every queued mail must arrive within one minute of the restart; a mail may arrive
    twice only if it was in flight at the kill (accepted by the server, not yet recorded
    as sent), and then with the same Message-ID. Observed over repeated runs: mostly no
    repeat at all (the dead process had recorded the first mail as sent before the kill
    landed); sometimes the mail in flight arrives twice, with the same Message-ID (the
    kill landed between the server's 250 and the commit of mark_sent). Both are within the
    README's guarantee.
    """
    sources = ""
    for n in range(4):
        published = datetime.now(UTC) - timedelta(hours=1)
        url = feed_server.serve(
            f"/feed{n}.xml",
            rss_feed(
                [Entry(f"Vaude Beitrag {n}", feed_server.url(f"/p/{n}"), "Vaude!", published)]
            ),
        )
        sources += f"  - {{name: blog{n}, type: feed, url: '{url}'}}\n"
    (tmp_path / "sources.yaml").write_text(
        "brands: [{name: Vaude, query: Vaude}]\n"
        "sources:\n" + sources + "alerts:\n"
        "  - {name: now, recipients: [ops@example.org], immediate: {}}\n"
        "hosts:\n  127.0.0.1: {delay: 0}\n",
        encoding="utf-8",
    )
    smtp = scripted_smtp(data_delay=1.0)
    env = {
        "MONITOR_ALLOW_HOSTS": "127.0.0.1",
        "MONITOR_SMTP_URL": smtp.url,
        "MONITOR_MAIL_FROM": MAIL_FROM,
        # Not the default 8080, which a `monitor run` of another test or worker may hold.
        "MONITOR_HTTP_PORT": str(mailsink.free_port()),
    }
    crawl = run_monitor("crawl", "--no-send", cwd=tmp_path, **env)  # monitor run sends
    assert crawl.returncode == 0, crawl.stderr
    database = tmp_path / "data" / "monitor.db"
    queued = asyncio.run(_rows(database))
    assert [row.status for row in queued] == ["pending"] * 4
    expected = Counter({_message_id(row.message): 1 for row in queued})

    process = subprocess.Popen(
        [str(MONITOR), "run"], cwd=tmp_path, env=clean_env(**env),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not smtp.received and time.monotonic() < deadline:
            time.sleep(0.02)
        assert smtp.received, "monitor run sent nothing"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    time.sleep(1.1)  # let a message that was in the server's DATA pause finish there
    at_kill = len(smtp.received)
    assert at_kill < 4, "everything was sent before the kill: the test proves nothing"
    after_kill = asyncio.run(_rows(database))
    assert any(row.status == "pending" for row in after_kill)

    restarted_at = datetime.now(UTC)
    at_once = asyncio.run(_drain(database, smtp, at=restarted_at))
    leased = [row for row in asyncio.run(_rows(database)) if row.status == "pending"]
    # Only the row in flight at the kill still waits (if the kill came before its 250).
    assert len(leased) <= 1, leased
    resumed = asyncio.run(
        _drain(database, smtp, at=restarted_at + delivery.SEND_LEASE + timedelta(seconds=1))
    )
    final = asyncio.run(_rows(database))

    assert timedelta(minutes=1) >= delivery.SEND_LEASE
    assert at_once.failed == at_once.retrying == resumed.failed == resumed.retrying == 0
    assert resumed.sent == len(leased)
    sent_by_the_dead = sum(row.status == "sent" for row in after_kill)
    assert sent_by_the_dead + at_once.sent + resumed.sent == 4
    assert [row.status for row in final] == ["sent"] * 4
    got = Counter(_message_id(mail.data) for mail in smtp.received)
    assert set(got) == set(expected)  # nothing lost
    repeats = {mid: n for mid, n in got.items() if n > 1}
    assert len(repeats) <= 1, repeats  # only the mail in flight at the kill
    assert all(n == 2 for n in repeats.values())
    for mail in smtp.received:
        assert mail.recipients == ["ops@example.org"]


def test_an_urgent_mention_reaches_the_smtp_server_at_once_and_sigterm_stops_quietly(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    """`monitor run` as a subprocess: the crawl that finds an urgent mention wakes the
    sender, so the mail reaches the SMTP server seconds after the fetch, not on the
    sender's 30 s tick (bench/urgent.py measures how many). SIGTERM then ends it within
    the documented 10 s, with no error-level line for the deliberate stop."""
    published = datetime.now(UTC) - timedelta(minutes=5)
    url = feed_server.serve("/feed.xml", rss_feed([
        Entry("Vaude Jacke: Rückruf", feed_server.url("/p/1"), "Vaude ruft zurück", published)
    ]))  # fmt: skip
    (tmp_path / "sources.yaml").write_text(
        "brands: [{name: Vaude, query: Vaude}]\n"
        f"sources:\n  - {{name: blog, type: feed, url: '{url}', every: 1h}}\n"
        "alerts:\n  - {name: now, recipients: [ops@example.org], immediate: {}}\n"
        "hosts:\n  127.0.0.1: {delay: 0}\n",
        encoding="utf-8",
    )
    env = {"MONITOR_ALLOW_HOSTS": "127.0.0.1", "MONITOR_SMTP_URL": smtp_sink.url,
           "MONITOR_MAIL_FROM": MAIL_FROM, "MONITOR_HTTP_PORT": "0"}  # fmt: skip
    process = subprocess.Popen(
        [str(MONITOR), "run"], cwd=tmp_path, env=clean_env(**env),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 25  # under the 30 s tick: a mail sent on it fails
        while not smtp_sink.received and time.monotonic() < deadline:
            time.sleep(0.02)
        assert smtp_sink.received, "no mail within 25 s of the start"
        stopping = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
        stopped_in = time.monotonic() - stopping
    finally:
        if process.poll() is None:
            process.kill()
    (mail,) = smtp_sink.received
    (fetch,) = feed_server.requests_for("/feed.xml")
    assert "Rückruf" in mail.message["Subject"] or "Rückruf" in mail.part("plain")
    assert mail.at - fetch.at < 5, f"{mail.at - fetch.at:.2f} s from the fetch to the server"
    assert process.returncode == 0
    assert stopped_in < 10
    errors = [line for line in stderr.decode().splitlines() if "error" in line.lower()]
    assert errors == []
