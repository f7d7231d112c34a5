"""Shared test parts: a loopback feed server, SMTP servers (a sink and a scripted one), a
feed writer, and Hypothesis's profiles.

Everything runs on 127.0.0.1; nothing reaches beyond the machine.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import hypothesis
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from monitor import domain
from monitor.alerting import delivery, digest, immediate
from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.demo import mailsink
from monitor.service.parts import Service, open_service
from monitor.store import db
from monitor.store import mentions as store_mentions
from monitor.store import sources as store_sources
from monitor.store.schema import Outbox

# Hypothesis checks the same properties everywhere; a CI run (`.ci/run` sets CI=true) tries
# half as many examples. "dev" is Hypothesis's own default (100 examples, 200 ms each);
# "ci" is what Hypothesis itself loads when CI is set (the same examples every run, no
# example database, no deadline: CI's machine is shared and a slow example there says
# nothing about the code), with fewer examples. Both are spelled out, not inherited from
# whichever profile Hypothesis loaded at import. HYPOTHESIS_PROFILE=dev (or ci) chooses.
DEV_EXAMPLES = 100
_DEFAULT = hypothesis.settings.get_profile("default")
hypothesis.settings.register_profile("dev", _DEFAULT, max_examples=DEV_EXAMPLES)
hypothesis.settings.register_profile(
    "ci", _DEFAULT, max_examples=DEV_EXAMPLES // 2, derandomize=True, database=None,
    deadline=None, print_blob=True, suppress_health_check=[hypothesis.HealthCheck.too_slow],
)  # fmt: skip
_IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
hypothesis.settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if _IN_CI else "dev")
)


def examples(dev: int) -> int:
    """For a test that asks for more examples than the default: `dev` under the dev
    profile, as many more under any other (`@settings(max_examples=examples(300))`), so
    the profile scales it instead of being overridden by it."""
    return max(1, dev * hypothesis.settings.default.max_examples // DEV_EXAMPLES)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first, the rest in their order: the test workers take files in
    this order, so the longest start early and many short ones fill the end, and the
    workers finish together rather than one waiting for the other's last long file."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@dataclass
class Route:
    """What the server answers for one path. `etag` turns on If-None-Match → 304."""

    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    etag: str | None = None
    delay: float = 0.0  # seconds before the answer: a slow page, redirect or robots.txt
    headers: dict[str, str] = field(default_factory=dict)  # e.g. a redirect's Location


@dataclass(frozen=True)
class Hit:
    path: str
    headers: dict[str, str]
    status: int
    at: float = field(default_factory=time.time)  # when the request arrived (epoch s)


@dataclass
class FeedServer:
    """A threaded HTTP server on 127.0.0.1 with routes tests may change between crawls."""

    base: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Requests being answered now, and the most at once, per path.
    in_flight: Counter[str] = field(default_factory=Counter)
    most_at_once: Counter[str] = field(default_factory=Counter)
    connections: int = 0  # TCP connections accepted since the server started
    most_in_flight: int = 0  # the most requests of delayed routes answered at once

    def url(self, path: str) -> str:
        return self.base + path

    def serve(
        self,
        path: str,
        body: bytes | str,
        *,
        content_type: str = "application/rss+xml; charset=utf-8",
        status: int = 200,
        etag: str | None = None,
        delay: float = 0.0,
        headers: dict[str, str] | None = None,
    ) -> str:
        """Answer `path` with `body` from now on (after `delay` seconds); returns the URL."""
        content = body.encode("utf-8") if isinstance(body, str) else body
        with self.lock:
            self.routes[path] = Route(content, content_type, status, etag, delay,
                                      dict(headers or {}))  # fmt: skip
        return self.url(path)

    def requests_for(self, path: str) -> list[Hit]:
        with self.lock:
            return [hit for hit in self.hits if hit.path == path]

    def _answer(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            route = self.routes.get(path)
        if route is None:
            status, reply, body = 404, {"content-type": "text/plain"}, b"not found"
        elif route.etag is not None and headers.get("if-none-match") == route.etag:
            status, reply, body = 304, {"etag": route.etag}, b""
        else:
            status, body = route.status, route.body
            reply = {"content-type": route.content_type, **route.headers}
            if route.etag is not None:
                reply["etag"] = route.etag
        with self.lock:
            self.hits.append(Hit(path, headers, status))
        if route is not None and route.delay:
            with self.lock:
                self.in_flight[path] += 1
                self.most_at_once[path] = max(self.most_at_once[path], self.in_flight[path])
                self.most_in_flight = max(self.most_in_flight, self.in_flight.total())
            time.sleep(route.delay)
            with self.lock:
                self.in_flight[path] -= 1
        return status, reply, body


def _handler_for(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, reply, body = server._answer(self.path, headers)
            self.send_response(status)
            for name, value in reply.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output quiet

    return Handler


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A loopback HTTP server; set its answers with `feed_server.serve(path, body)`."""
    state = FeedServer()

    class CountingServer(ThreadingHTTPServer):
        def get_request(self) -> tuple[Any, Any]:
            accepted = super().get_request()
            with state.lock:
                state.connections += 1
            return accepted

    httpd = CountingServer(("127.0.0.1", 0), _handler_for(state))
    httpd.daemon_threads = True
    host, port = httpd.server_address[:2]
    state.base = f"http://{host}:{port}"
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="feed-server", daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def smtp_sink() -> Iterator[mailsink.MailSink]:
    """A real SMTP server (aiosmtpd) on loopback; what it gets is in `.received`."""
    with mailsink.running() as sink:
        yield sink


@dataclass(frozen=True)
class Entry:
    """One RSS item. `description` is HTML (it is escaped into the XML as feeds do)."""

    title: str
    link: str | None = None
    description: str = ""
    published_at: datetime | None = None
    guid: str | None = None


def rss_feed(entries: Sequence[Entry], *, title: str = "Test feed") -> str:
    """An RSS 2.0 document holding `entries`."""
    items = []
    for entry in entries:
        parts = [f"<title>{escape(entry.title)}</title>"]
        if entry.link is not None:
            parts.append(f"<link>{escape(entry.link)}</link>")
        if entry.guid is not None:
            parts.append(f'<guid isPermaLink="false">{escape(entry.guid)}</guid>')
        parts.append(f"<description>{escape(entry.description)}</description>")
        if entry.published_at is not None:
            parts.append(f"<pubDate>{format_datetime(entry.published_at)}</pubDate>")
        items.append("<item>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<rss version="2.0"><channel><title>{escape(title)}</title>'
        "<link>https://blog.example/</link><description>test</description>"
        + "\n".join(items)
        + "</channel></rss>"
    )


@dataclass
class ScriptedHandler:
    """An aiosmtpd handler whose answers a test scripts: RCPT replies per address, DATA
    replies in turn (then 250), and an optional pause in DATA before answering."""

    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_replies: list[str] = field(default_factory=list)
    data_delay: float = 0.0
    received: list[mailsink.Received] = field(default_factory=list)
    data_attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.data_attempts += 1
            scripted = self.data_replies.pop(0) if self.data_replies else None
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        if scripted is not None:
            return scripted
        mail = mailsink.Received(
            envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)
        )
        with self.lock:
            self.received.append(mail)
        return "250 Message accepted for delivery"


@dataclass
class ScriptedSmtp:
    host: str
    port: int
    handler: ScriptedHandler

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def received(self) -> list[mailsink.Received]:
        with self.handler.lock:
            return list(self.handler.received)


@pytest.fixture
def scripted_smtp() -> Iterator[Callable[..., ScriptedSmtp]]:
    """Start real SMTP servers (aiosmtpd, loopback) with scripted answers, e.g.
    `scripted_smtp(data_replies=["451 4.3.0 try later"])` or
    `scripted_smtp(rcpt_replies={"gone@example.org": "550 5.1.1 no such user"})`."""
    controllers: list[Controller] = []

    def start(
        *,
        rcpt_replies: dict[str, str] | None = None,
        data_replies: Sequence[str] = (),
        data_delay: float = 0.0,
    ) -> ScriptedSmtp:
        handler = ScriptedHandler(dict(rcpt_replies or {}), list(data_replies), data_delay)
        controller = Controller(handler, hostname="127.0.0.1", port=mailsink.free_port())
        controller.start()
        controllers.append(controller)
        return ScriptedSmtp("127.0.0.1", controller.port, handler)

    try:
        yield start
    finally:
        for controller in controllers:
            controller.stop()


SENDER = "Monitor <monitor@example.org>"


@dataclass
class Mailroom:
    """The parts the alert and delivery tests share: a sources.yaml written as text, the
    real service (SQLite file through Alembic, fetcher, SMTP mailer) and a few doors into
    it that the scheduler would otherwise open at its own times."""

    folder: Path

    def config(
        self,
        alerts: str,
        *,
        sources: dict[str, str] | None = None,
        brands: str = "  - {name: Vaude, query: Vaude}\n"
        "  - {name: Müller Medical, query: '\"Müller Medical\"'}\n",
        settings: str = "",
    ) -> sources_yaml.Config:
        """`alerts` is the YAML list under `alerts:`; `sources` maps feed names to URLs."""
        source_lines = "".join(
            f"  - {{type: feed, name: {name}, url: '{url}'}}\n"
            for name, url in (sources or {}).items()
        )
        return sources_yaml.parse(
            "settings:\n  timezone: Europe/Berlin\n  language: de\n" + settings
            + "brands:\n" + brands
            + "sources:\n" + (source_lines or "  []\n")
            + "alerts:\n" + alerts
            + "hosts:\n  127.0.0.1: {delay: 0}\n"
        )  # fmt: skip

    def settings(self, smtp_url: str) -> Settings:
        return Settings(
            data_dir=self.folder,
            database_url=None,
            smtp_url=smtp_url,
            mail_from=SENDER,
            allow_hosts=("127.0.0.1",),
        )

    def service(
        self, config: sources_yaml.Config, smtp_url: str
    ) -> AbstractAsyncContextManager[Service]:
        return open_service(self.settings(smtp_url), config)

    async def drain(self, service: Service, *, now: datetime) -> delivery.Drained:
        return await delivery.drain(
            service.sessions, service.mailer, sender=SENDER, clock=lambda: now, rng=lambda: 0.5
        )

    async def close(self, service: Service, alert: str, *, now: datetime) -> digest.Prepared | None:
        """What the scheduler's digest job does for `alert` at `now`, before sending."""
        return await digest.close_window(
            service.config, service.config.alert(alert), service.sessions, sender=SENDER, now=now
        )

    async def store(
        self,
        service: Service,
        source: str,
        documents: Sequence[domain.Document],
        *,
        now: datetime,
        alertable: bool = True,
    ) -> dict[int, store_mentions.Found]:
        """Save documents as a crawl of `source` would (e.g. reviews with ratings, which
        feeds do not carry) and queue the immediate alerts, in one transaction."""
        async with db.transaction(service.sessions) as session:
            row = await store_sources.ensure(
                session, name=source, type="reviews", url=f"https://{source.lower()}.example/"
            )
            found = [
                store_mentions.Found(document, match, alertable)
                for document in documents
                for match in service.crawler.matcher.match(document)
            ]
            new = await store_mentions.save(session, row.id, found, now=now)
            await immediate.queue_immediate(
                session, service.config, service.crawler.rules, new,
                source=source, sender=SENDER, now=now,
            )  # fmt: skip
        return new

    async def outbox(self, service: Service) -> list[Outbox]:
        async with db.transaction(service.sessions) as session:
            return list((await session.scalars(select(Outbox).order_by(Outbox.id))).all())


@pytest.fixture
def mailroom(tmp_path: Path) -> Mailroom:
    """See Mailroom: the service on a SQLite file in tmp_path."""
    return Mailroom(tmp_path)
