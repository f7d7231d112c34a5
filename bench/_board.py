"""A phpBB board on loopback for bench/crawl.py, run as a subprocess so its CPU is not
counted as the benchmark's.

    .venv/bin/python bench/_board.py [--threads 30] [--posts 30]

The board is `monitor.demo.board.Board` (prosilver markup, UTF-8, `time@datetime`
dates), generated from a fixed seed: `--threads` threads on one list page, each with
`--posts` posts of about 600 characters, ten to a page; one post in ten names a brand,
one in seven quotes the post before. Every page is rendered once, then served from memory
by a threading HTTP server on 127.0.0.1. The first line on stdout is `READY <port>`;
closing stdin stops it.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from monitor.demo.board import Board, quote

SEED = 20241203
# The newest post is a day before this; bench/crawl.py crawls "now" at this instant.
NOW = datetime(2024, 12, 3, 12, 0, tzinfo=UTC)
_WORDS = (  # noqa: SIM905 - a word list reads best as text
    "Die Brühgruppe quietscht seit der letzten Entkalkung und der Kundendienst meint das "
    "sei normal Ich habe Silikonfett probiert aber es hilft nur zwei Tage Lieferung kam "
    "pünktlich Qualität stimmt Preis ist hoch Erfahrung Empfehlung Bewertung Rücksendung "
    "Garantie Ersatzteil Dichtung Wasser Tank Pumpe leise laut warm kalt gestern heute"
).split()
_BRANDS = ("Müller Medical", "Vaude", "Deuter")


def board(threads: int, posts: int) -> Board:
    """The benchmark's board: deterministic for the same arguments."""
    rng = random.Random(SEED)
    made = Board(
        charset="utf-8", meta_charset="UTF-8", topics_per_page=max(1, threads),
        posts_per_page=10,
    )  # fmt: skip
    for number in range(threads):
        at = NOW - timedelta(days=30) + timedelta(hours=number)
        entries = []
        previous = ""
        for index in range(posts):
            words = [rng.choice(_WORDS) for _ in range(90)]
            if rng.random() < 0.1:
                words.insert(rng.randrange(len(words)), rng.choice(_BRANDS))
            body = " ".join(words) + "."
            if previous and rng.random() < 1 / 7:
                body = quote(f"user{index - 1}", previous[:200]) + body
            entries.append((f"user{index}", at + timedelta(minutes=7 * index), body))
            previous = body
        made.add_thread(f"Thema {number}: {rng.choice(_WORDS)} {rng.choice(_WORDS)}", entries)
    return made


def serve(pages: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path == "/robots.txt":
                self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
            elif self.path in pages:
                self._send(200, pages[self.path], "text/html; charset=UTF-8")
            else:
                self._send(404, b"not here", "text/plain")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=30)
    parser.add_argument("--posts", type=int, default=30)
    arguments = parser.parse_args()
    made = board(arguments.threads, arguments.posts)
    pages = {path: made.encode(markup) for path, markup in made.pages().items()}
    server = serve(pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"READY {server.server_address[1]} {len(pages)}", flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
    server.shutdown()


if __name__ == "__main__":
    main()
