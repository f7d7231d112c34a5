"""Pages of a given size on several loopback hosts, for bench/client.py: a subprocess, so
its CPU is not counted as the benchmark's.

    .venv/bin/python bench/_pages.py --hosts 4 --kilobytes 100

Serves the same HTML page of `--kilobytes` KB at every path on 127.0.0.2 … 127.0.0.<1 +
hosts>, one port for all (the fetcher keeps one politeness gate per host name, so more
hosts allow more requests at once), HTTP/1.1 with keep-alive; `/robots.txt` is a 404.
The first line on stdout is `READY <port>`; closing stdin stops it.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=4)
    parser.add_argument("--kilobytes", type=int, default=100)
    args = parser.parse_args()
    body = (b"<html><body>" + b"<p>Vaude Jacke Regen Berg</p>" * (args.kilobytes * 1024 // 29)
            + b"</body></html>")  # fmt: skip

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path == "/robots.txt":
                self.send_response(404)
                self.send_header("content-length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    probe = socket.socket()
    probe.bind(("127.0.0.2", 0))
    port = probe.getsockname()[1]
    probe.close()
    servers = []
    for host in range(args.hosts):
        server = ThreadingHTTPServer((f"127.0.0.{2 + host}", port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    print(f"READY {port}", flush=True)
    sys.stdin.read()
    for server in servers:
        server.shutdown()


if __name__ == "__main__":
    main()
