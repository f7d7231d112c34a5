"""Shared test parts: a loopback feed server, an SMTP sink, and a feed writer.

Everything runs on 127.0.0.1; nothing reaches beyond the machine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

import pytest

from monitor.demo import mailsink


@dataclass
class Route:
    """What the server answers for one path. `etag` turns on If-None-Match → 304."""

    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    etag: str | None = None


@dataclass(frozen=True)
class Hit:
    path: str
    headers: dict[str, str]
    status: int


@dataclass
class FeedServer:
    """A threaded HTTP server on 127.0.0.1 with routes tests may change between crawls."""

    base: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

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
    ) -> str:
        """Answer `path` with `body` from now on; returns the full URL."""
        content = body.encode("utf-8") if isinstance(body, str) else body
        with self.lock:
            self.routes[path] = Route(content, content_type, status, etag)
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
            reply = {"content-type": route.content_type}
            if route.etag is not None:
                reply["etag"] = route.etag
        with self.lock:
            self.hits.append(Hit(path, headers, status))
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
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(state))
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
