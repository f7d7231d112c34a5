"""Reading feeds: the feed adapter against bare feedparser on the same 50-entry feeds.

    .venv/bin/python bench/feeds.py [--feeds 40]

Generates `--feeds` RSS feeds of 50 entries each (about 1 KB of HTML per entry: bold,
links, entities), then in this process, interleaved, three rounds each:

- bare: `feedparser.parse` with its defaults (what a hand-written reader calls);
- adapter: `FeedAdapter.parse` on the same bytes as a Response: our charset reading,
  feedparser without its sanitizer and link rewriting, HTML stripped to visible text,
  document keys and dates.

Prints feeds per second for both (medians) and the ratio. Target: the adapter at least
2x bare feedparser.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

import feedparser

from monitor import domain, sources
from monitor.sources.feed import ADAPTER

ROUNDS = 3
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BODY = "<p>Die <b>Vaude</b> Jacke &amp; der <a href='/x'>Rucksack</a> sind super. " * 8 + "</p>"


def feed(number: int) -> bytes:
    items = "".join(
        f"<item><title>Titel {number}-{i} über Vaude</title>"
        f"<link>https://blog{number}.example/{i}?utm_source=rss</link>"
        f"<guid>https://blog{number}.example/{i}</guid>"
        f"<pubDate>{(NOW - timedelta(hours=i)).strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
        f"<description><![CDATA[{BODY}]]></description></item>"
        for i in range(50)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Blog {number}</title><link>https://blog{number}.example/</link>{items}"
        "</channel></rss>"
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=40)
    args = parser.parse_args()
    feeds = [feed(number) for number in range(args.feeds)]
    headers = {"content-type": "application/rss+xml; charset=utf-8"}
    source = sources.adapter_for  # noqa: F841 - the registry is warm before timing
    config = __import__("pydantic").TypeAdapter(sources.SourceConfig)
    src = config.validate_python({"type": "feed", "name": "bench", "url": "https://b.example/"})
    derived = sources.Derived("Europe/Berlin")
    bare, ours = [], []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for content in feeds:
            feedparser.parse(content, response_headers=headers)
        bare.append(len(feeds) / (time.perf_counter() - started))
        started = time.perf_counter()
        for number, content in enumerate(feeds):
            url = f"https://blog{number}.example/feed.xml"
            response = domain.Response(domain.Request(url, kind="feed"), url, 200, content, headers)
            page = ADAPTER.parse(src, response, now=NOW, memory={}, derived=derived)
            assert len(page.documents) == 50
        ours.append(len(feeds) / (time.perf_counter() - started))
    b, o = statistics.median(bare), statistics.median(ours)
    print(f"{args.feeds} feeds of 50 entries, median of {ROUNDS} interleaved rounds:")
    print(f"  bare feedparser  {b:8.1f} feeds/s")
    print(f"  feed adapter     {o:8.1f} feeds/s")
    print(f"  ratio            {o / b:8.2f}x   (target: 2x)")


if __name__ == "__main__":
    main()
