"""How soon an urgent mention reaches the SMTP server: from the fetch that found it to the
server's acceptance of the mail, with `monitor run` as an operator runs it.

    .venv/bin/python bench/urgent.py [--sources 20]

A loopback HTTP server (a thread here) serves `--sources` feeds, each with one item naming
the brand; a real SMTP server (aiosmtpd, a thread here) accepts mail. `monitor run` runs as
a subprocess with one feed source per feed and an `immediate: {}` alert: every mention is
urgent. The server notes when each feed was fetched, the SMTP server when each mail came;
each mail names its item's link, which pairs them.

Baseline, in this process: the same mail handed to the same SMTP server directly with
aiosmtplib (connect, send, quit): the least any sender pays. Prints p50/p95 of the
latency, its ratio to the baseline, and the 30 s sender tick it no longer waits for.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import aiosmtplib

from monitor.demo import mailsink

TICK = 30.0  # the sender's safety-net interval (service.scheduler.OUTBOX_EVERY)


def feed(number: int, base: str) -> bytes:
    when = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(time.time() - 300))
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>f</title>"
        f"<item><title>Vaude Rückruf {number}</title><link>{base}/item/{number}</link>"
        f"<description>Vaude ruft zurück</description><pubDate>{when}</pubDate></item>"
        "</channel></rss>"
    ).encode()


def serve(count: int) -> tuple[ThreadingHTTPServer, str, dict[int, float]]:
    fetched: dict[int, float] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if not self.path.startswith("/feed/"):
                self.send_response(404)
                self.end_headers()
                return
            number = int(self.path.rsplit("/", 1)[1])
            fetched.setdefault(number, time.time())
            body = feed(number, base)
            self.send_response(200)
            self.send_header("content-type", "application/rss+xml; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, base, fetched


def run_monitor(folder: Path, base: str, sink: mailsink.MailSink, count: int) -> None:
    sources = "".join(
        f"  - {{name: feed{n}, type: feed, url: '{base}/feed/{n}', every: 1h}}\n"
        for n in range(count)
    )
    (folder / "sources.yaml").write_text(
        "brands: [{name: Vaude, query: Vaude}]\nsources:\n" + sources
        + "alerts:\n  - {name: now, recipients: [ops@example.org], immediate: {}}\n"
        "hosts:\n  127.0.0.1: {delay: 0, concurrency: 8}\n",
        encoding="utf-8",
    )  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_ALLOW_HOSTS="127.0.0.1", MONITOR_SMTP_URL=sink.url,
               MONITOR_HTTP_PORT="0", MONITOR_LOG_LEVEL="WARNING")  # fmt: skip
    monitor = shutil.which("monitor", path=str(Path(sys.executable).parent))
    assert monitor, "install the project first (pip install -e .)"
    process = subprocess.Popen([monitor, "run"], cwd=folder, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while len(sink.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        process.terminate()
        process.wait(timeout=15)


async def direct(sink: mailsink.MailSink, rounds: int) -> list[float]:
    message = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: x\r\n\r\nVaude\r\n"
    taken = []
    for _ in range(rounds):
        started = time.perf_counter()
        await aiosmtplib.send(message, sender="a@example.org", recipients=["b@example.org"],
                              hostname=sink.host, port=sink.port)  # fmt: skip
        taken.append(time.perf_counter() - started)
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=20)
    count = parser.parse_args().sources
    httpd, base, fetched = serve(count)
    with mailsink.running() as sink, tempfile.TemporaryDirectory() as folder:
        run_monitor(Path(folder), base, sink, count)
        latencies = []
        for mail in sink.received:
            for number, at in fetched.items():
                if f"{base}/item/{number}".encode() in mail.data:
                    latencies.append(mail.at - at)
        floor = asyncio.run(direct(sink, 20))
    httpd.shutdown()
    if len(latencies) < count:
        raise SystemExit(f"only {len(latencies)} of {count} mails arrived within 60 s")
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    base_send = statistics.median(floor)
    print(f"{count} urgent mentions, fetch -> SMTP server's acceptance:")
    print(f"  p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
    print(f"  baseline (one direct aiosmtplib send): {base_send * 1000:.1f} ms; "
          f"p50 is {p50 / base_send:.1f}x it")  # fmt: skip
    print(f"  the sender's {TICK:.0f} s tick, which urgent mail no longer waits for: "
          f"p95 is {p95 / TICK:.3f}x it")  # fmt: skip


if __name__ == "__main__":
    main()
