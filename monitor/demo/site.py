"""The bundled demo site, served on 127.0.0.1: a blog with its feed, an outdoor forum
(phpBB, in ISO-8859-1) and a shop's product page with reviews: one of each kind of place
monitor watches, so the demo shows what it is for.

The content is data (`site/*.yaml`); dates are computed at serve time from `hours_ago`,
so the demo's items are always recent. It runs in a thread (http.server) because it
stands in for the outside world, not for monitor's own I/O.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from monitor.demo import board

FORUM = "/forum"  # the board's folder: its links are relative, so any folder works
SHOP = "/shop/kompressionsstruempfe-alpin/bewertungen"
_ZONE = ZoneInfo("Europe/Berlin")


def _data(name: str) -> dict[str, Any]:
    text = resources.files("monitor.demo").joinpath(f"site/{name}.yaml").read_text("utf-8")
    content: dict[str, Any] = yaml.safe_load(text)
    return content


def feed_xml(base: str, now: datetime) -> str:
    content = _data("articles")
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
    for article in _data("articles")["articles"]:
        if article["slug"] == slug:
            return (
                f"<!DOCTYPE html><html lang='de'><head><meta charset='utf-8'>"
                f"<title>{escape(article['title'])}</title></head><body><article>"
                f"<h1>{escape(article['title'])}</h1><p>{escape(article['author'])}</p>"
                f"{article['body']}</article></body></html>"
            )
    return None


def forum(now: datetime) -> board.Board:
    """The demo board (`site/forum.yaml`) as it stands at `now`."""
    content = _data("forum")
    made = board.Board(site=content["site"], forum=content["forum"], datetime_attribute=False)
    for thread in content["threads"]:
        posts = []
        for post in thread["posts"]:
            at = now - timedelta(hours=post["hours_ago"])
            posts.append(board.Post(0, post["author"], at, post["body"], _written(at, now)))
        made.add_thread(thread["title"], posts)
    # Ids in the order posts were written, as a board numbers them.
    every_post = [post for thread in made.threads for post in thread.posts]
    for number, post in enumerate(sorted(every_post, key=lambda post: post.at)):
        post.id = 1000 + number
    return made


def _written(at: datetime, now: datetime) -> str | None:
    """How phpBB's German pack writes a recent date ("Heute, 10:15"); older: absolute."""
    day = (now.astimezone(_ZONE).date() - at.astimezone(_ZONE).date()).days
    names = {0: "Heute", 1: "Gestern"}
    return f"{names[day]}, {at.astimezone(_ZONE):%H:%M}" if day in names else None


def shop_html(base: str, now: datetime) -> str:
    """The shop's product page (`site/shop.yaml`): reviews as schema.org JSON-LD and HTML."""
    content = _data("shop")
    page = f"{base}{SHOP}"
    reviews = [
        {
            "@type": "Review",
            "@id": f"{page}#review-{entry['id']}",
            "name": entry["title"],
            "author": {"@type": "Person", "name": entry["author"]},
            "datePublished": (now - timedelta(hours=entry["hours_ago"]))
            .astimezone(_ZONE).isoformat(timespec="minutes"),
            "reviewBody": entry["body"],
            "reviewRating": {"@type": "Rating", "ratingValue": entry["stars"], "bestRating": 5},
        }
        for entry in content["reviews"]
    ]  # fmt: skip
    data = {
        "@context": "https://schema.org", "@type": "Product", "name": content["product"],
        "brand": {"@type": "Brand", "name": content["brand"]}, "review": reviews,
    }  # fmt: skip
    visible = "".join(
        f'<article class="review" id="review-{entry["id"]}"><h3>{escape(entry["title"])}</h3>'
        f"<p>{'★' * entry['stars']} {escape(entry['author'])}</p>"
        f"<p>{escape(entry['body'])}</p></article>"
        for entry in content["reviews"]
    )
    # "</" must not end the script early: JSON allows "<\/" for it.
    embedded = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return (
        "<!DOCTYPE html><html lang='de'><head><meta charset='utf-8'>"
        f"<title>{escape(content['product'])} – {escape(content['shop'])}</title>"
        f'<script type="application/ld+json">{embedded}</script></head><body>'
        f"<h1>{escape(content['product'])}</h1><section>{visible}</section></body></html>"
    )


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        now = datetime.now(UTC)
        path = self.path.split("?")[0].strip("/")
        base = f"http://{self.headers.get('Host')}"
        if self.path.startswith(FORUM + "/"):
            made = forum(now)
            markup = made.pages().get(self.path[len(FORUM) :])
            if markup is None:
                self.send_error(404)
                return
            # Latin-1, declared only in the page's <meta charset>, as old boards do.
            self._send(made.encode(markup), "text/html")
            return
        if self.path == SHOP:
            body, kind = shop_html(base, now), "text/html"
        elif path == "feed.xml":
            body, kind = feed_xml(base, now), "application/rss+xml"
        elif (page := article_html(path)) is not None:
            body, kind = page, "text/html"
        else:
            self.send_error(404)
            return
        self._send(body.encode("utf-8"), f"{kind}; charset=utf-8")

    def _send(self, data: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
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
