"""Many feeds on loopback for bench/scale.py: a lean asyncio HTTP/1.1 server, run as a
subprocess so its CPU is not counted as the benchmark's.

    .venv/bin/python bench/_loopback.py --feeds 2000 --hosts 50 [--entries 20]

Feed `i` lives at `http://127.0.0.<2 + i % hosts>:<port>/feed/<i>.xml`: one IP per "host",
because the fetcher keys its politeness gates by host name, not by port. Every IP listens on
the same port. The first line on stdout is `READY <port>`.

Each feed is RSS 2.0 with `--entries` items and a version; its ETag and Last-Modified
follow the version, and a request whose If-None-Match names the current ETag gets a 304
with no body. `GET /_advance?round=<r>&share=<s>` (on any IP) gives a seeded `s` share of
the feeds one new item each (the oldest drops off) and answers the number changed.
`/robots.txt` allows everything. Every other path is a 404.
"""

from __future__ import annotations

import argparse
import asyncio
import email.utils
import random
import socket
import sys
from urllib.parse import parse_qs, urlsplit

BASE_TIME = 1_717_200_000  # 2024-06-01: Last-Modified and pubDate count up from here
ROBOTS = b"User-agent: *\nAllow: /\n"
_WORDS = (  # noqa: SIM905 - a word list reads best as text
    "Jacke Rucksack Wanderung Berg Wetter Regen Schnee Qualität Preis Kundendienst "
    "Lieferung Bestellung Erfahrung Empfehlung Bewertung Zelt Schlafsack Tour Gipfel Hütte "
    "the jacket backpack hiking mountain weather rain review tent summit order delivery"
).split()
_BRANDS = ("Vaude", "Müller Medical", "Deuter")


def host_ip(feed: int, hosts: int) -> str:
    return f"127.0.0.{2 + feed % hosts}"


def feed_url(feed: int, hosts: int, port: int) -> str:
    return f"http://{host_ip(feed, hosts)}:{port}/feed/{feed}.xml"


class Feeds:
    """Every feed's version and its rendered body, rendered again only when it changes."""

    def __init__(self, count: int, entries: int) -> None:
        self.count = count
        self.entries = entries
        self.versions = [0] * count
        self._bodies: dict[int, tuple[int, bytes]] = {}

    def etag(self, feed: int) -> str:
        return f'"f{feed}-v{self.versions[feed]}"'

    def last_modified(self, feed: int) -> str:
        return email.utils.formatdate(BASE_TIME + 60 * self.versions[feed], usegmt=True)

    def advance(self, round_: int, share: float) -> int:
        chosen = random.Random(round_).sample(range(self.count), round(self.count * share))
        for feed in chosen:
            self.versions[feed] += 1
        return len(chosen)

    def body(self, feed: int) -> bytes:
        version = self.versions[feed]
        cached = self._bodies.get(feed)
        if cached is not None and cached[0] == version:
            return cached[1]
        newest = self.entries + version
        items = "".join(self._item(feed, n) for n in range(newest, newest - self.entries, -1))
        text = (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>Blog {feed}</title><link>https://blog{feed}.example/</link>"
            f"<description>Outdoor blog number {feed}</description>{items}</channel></rss>"
        )
        rendered = text.encode()
        self._bodies[feed] = (version, rendered)
        return rendered

    @staticmethod
    def _item(feed: int, number: int) -> str:
        rng = random.Random(feed * 1_000_003 + number)
        words = rng.choices(_WORDS, k=60)
        if rng.random() < 0.1:  # one item in ten mentions a brand
            words.insert(rng.randrange(len(words)), rng.choice(_BRANDS))
        title = " ".join(words[:6]).capitalize()
        published = email.utils.formatdate(BASE_TIME + 60 * number, usegmt=True)
        return (
            f"<item><title>{title}</title>"
            f"<link>https://blog{feed}.example/{number}.html</link>"
            f"<guid>https://blog{feed}.example/{number}.html</guid>"
            f"<pubDate>{published}</pubDate>"
            f"<description>{' '.join(words)}</description></item>"
        )


def _response(status: str, headers: list[tuple[str, str]], body: bytes = b"") -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}"]
    head += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


class _Connection(asyncio.Protocol):
    def __init__(self, feeds: Feeds) -> None:
        self.feeds = feeds
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:  # GET only: a request is its head
            head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = [*lines[0].split(" "), "", ""][:3]
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            self.transport.write(self._answer(method, target, headers))
            if headers.get("connection", "").lower() == "close":
                self.transport.close()
                return

    def _answer(self, method: str, target: str, headers: dict[str, str]) -> bytes:
        path = urlsplit(target).path
        if method != "GET":
            return _response("405 Method Not Allowed", [])
        if path == "/robots.txt":
            return _response("200 OK", [("Content-Type", "text/plain")], ROBOTS)
        if path == "/_advance":
            query = parse_qs(urlsplit(target).query)
            changed = self.feeds.advance(int(query["round"][0]), float(query["share"][0]))
            return _response("200 OK", [("Content-Type", "text/plain")], str(changed).encode())
        name = path.removeprefix("/feed/").removesuffix(".xml")
        if not path.startswith("/feed/") or not name.isdigit() or int(name) >= self.feeds.count:
            return _response("404 Not Found", [])
        feed = int(name)
        validators = [("ETag", self.feeds.etag(feed)),
                      ("Last-Modified", self.feeds.last_modified(feed))]  # fmt: skip
        if headers.get("if-none-match") == self.feeds.etag(feed):
            return _response("304 Not Modified", validators)
        return _response(
            "200 OK",
            [("Content-Type", "application/rss+xml; charset=utf-8"), *validators],
            self.feeds.body(feed),
        )


async def serve(feeds: Feeds, hosts: int) -> None:
    loop = asyncio.get_running_loop()
    for _ in range(20):  # the port is taken on the first IP, then must be free on the others
        sockets: list[socket.socket] = []
        try:
            for index in range(hosts):
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sockets.append(sock)
                port = sockets[0].getsockname()[1] if index else 0
                sock.bind((f"127.0.0.{2 + index}", port))
                sock.listen(1024)
            break
        except OSError:
            for sock in sockets:
                sock.close()
    else:
        raise SystemExit("no port free on every loopback IP")
    servers = [await loop.create_server(lambda: _Connection(feeds), sock=s) for s in sockets]
    print(f"READY {sockets[0].getsockname()[1]}", flush=True)
    # Runs until the parent closes our stdin (or kills us).
    await loop.run_in_executor(None, sys.stdin.read)
    for server in servers:
        server.close()


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--feeds", type=int, required=True)
    options.add_argument("--hosts", type=int, required=True)
    options.add_argument("--entries", type=int, default=20)
    arguments = options.parse_args()
    if not 1 <= arguments.hosts <= 250:
        raise SystemExit("--hosts: 1 to 250 (127.0.0.2 … 127.0.0.251)")
    asyncio.run(serve(Feeds(arguments.feeds, arguments.entries), arguments.hosts))


if __name__ == "__main__":
    main()
