"""A loopback HTTP/1.1 server the fetch tests script: routes, drips, bombs, redirects.

Raw asyncio streams rather than http.server, so a route can drip bytes, hold a request,
send any status and headers, and the server records when each request arrived and how
many were in flight (server-side timestamps are what politeness is judged by).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from monitor import fetch
from monitor.config.host_policy import HostPolicy


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    hold: float = 0.0  # seconds before answering
    drip: float | None = None  # seconds between single body bytes
    content_length: int | None = None  # declare this instead of len(body)


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    at: float  # time.monotonic() when the request head arrived


Route = Reply | Callable[[Seen], Reply | Awaitable[Reply]]

REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 304: "Not Modified",
           404: "Not Found", 408: "Request Timeout", 429: "Too Many Requests",
           500: "Internal Server Error", 503: "Service Unavailable"}  # fmt: skip


class Server:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def hits(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        path = lines[0].split(" ")[1]
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        seen = Seen(path, headers, time.monotonic())
        self.seen.append(seen)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            route = self.routes.get(path.split("?")[0], Reply(404, b"not here"))
            reply = route(seen) if callable(route) else route
            if isinstance(reply, Awaitable):
                reply = await reply
            if reply.hold:
                await asyncio.sleep(reply.hold)
            length = reply.content_length if reply.content_length is not None else len(reply.body)
            out = [f"HTTP/1.1 {reply.status} {REASONS.get(reply.status, 'Other')}",
                   f"Content-Length: {length}", "Connection: close"]  # fmt: skip
            out += [f"{k}: {v}" for k, v in reply.headers.items()]
            writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1"))
            if reply.drip is None:
                writer.write(reply.body)
                await writer.drain()
            else:
                for index in range(len(reply.body)):
                    writer.write(reply.body[index : index + 1])
                    await writer.drain()
                    await asyncio.sleep(reply.drip)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.in_flight -= 1
            writer.close()


# Small limits so every failure shows within a second.
LIMITS = fetch.Limits(
    connect_timeout=2.0, read_timeout=2.0, deadline=2.0, max_body_bytes=1024 * 1024,
    attempts=3, backoff_base=0.01, backoff_cap=0.05, max_wait=5.0, max_error_delay=0.05,
)  # fmt: skip
NO_DELAY = {"127.0.0.1": HostPolicy(delay=0), "localhost": HostPolicy(delay=0)}


def opener(
    *allow: str, limits: fetch.Limits = LIMITS, policies: dict[str, HostPolicy] | None = None,
    robots_agent: str = "monitor",
):  # fmt: skip
    """`async with opener("127.0.0.1") as fetcher:` with test limits and no delay."""
    return fetch.open_fetcher(
        contact="test@example.org", allow_hosts=allow, robots_agent=robots_agent,
        policies=NO_DELAY if policies is None else policies, limits=limits,
    )  # fmt: skip
