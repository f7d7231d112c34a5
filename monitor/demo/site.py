"""The bundled demo site, served on 127.0.0.1: a feed and the article pages it links to.

Dates are computed at serve time from `hours_ago`, so the demo's items are always recent.
It runs in a thread (http.server) because it stands in for the outside world, not for
monitor's own I/O.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

import yaml


def _content() -> dict[str, Any]:
    text = resources.files("monitor.demo").joinpath("site/articles.yaml").read_text("utf-8")
    content: dict[str, Any] = yaml.safe_load(text)
    return content


def feed_xml(base: str, now: datetime) -> str:
    content = _content()
    items = []
    for article in content["articles"]:
        published = now - timedelta(hours=article["hours_ago"])
        items.append(
            f"""  <item>
    <title>{escape(article["title"])}</title>
    <link>{base}/{article["slug"]}?utm_source=rss&amp;utm_medium=feed</link>
    <guid isPermaLink="false">demo-{article["slug"]}</guid>
    <author>{escape(article["author"])}</author>
    <pubDate>{format_datetime(published)}</pubDate>
    <description>{escape(article["body"])}</description>
  </item>"""
        )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
<channel>
  <title>{escape(content["title"])}</title>
  <link>{base}/</link>
  <description>Demo</description>
  <language>de</language>
{chr(10).join(items)}
</channel>
</rss>
"""


def article_html(slug: str) -> str | None:
    for article in _content()["articles"]:
        if article["slug"] == slug:
            return (
                f"<!DOCTYPE html><html lang='de'><head><meta charset='utf-8'>"
                f"<title>{escape(article['title'])}</title></head><body><article>"
                f"<h1>{escape(article['title'])}</h1><p>{escape(article['author'])}</p>"
                f"{article['body']}</article></body></html>"
            )
    return None


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        path = self.path.split("?")[0].strip("/")
        base = f"http://{self.headers.get('Host')}"
        if path == "feed.xml":
            body, kind = feed_xml(base, datetime.now(UTC)), "application/rss+xml"
        elif (page := article_html(path)) is not None:
            body, kind = page, "text/html"
        else:
            self.send_error(404)
            return
        data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the demo prints its own summary."""


@contextmanager
def serve() -> Iterator[str]:
    """Serve the site on a free loopback port; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, name="demo-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
