"""The peer for bench/versus_scrapy.py: the same board crawl written for Scrapy + parsel.

    .venv/bin/python bench/_scrapy_peer.py PORT DATABASE

Run as a subprocess (Twisted's reactor runs once per process). Reads the board on
127.0.0.1:PORT as `monitor` does with the phpbb preset: the list page's thread rows,
every thread page (following "next"), each post's author, `time@datetime` date, message
without quotes and permalink; checks the three brands of bench/crawl.py (case-folded
substring, with Deuter's exclusion); stores every post in a documents table and each
brand found in a mentions table of the SQLite file DATABASE, one transaction per page.
Prints `PAGES <n> CPU <s> WALL <s>` (this process's CPU and the crawl's wall-clock
time) on its last line.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from datetime import datetime

import scrapy
from scrapy.crawler import CrawlerProcess

BRANDS = (("Müller Medical", "müller medical", None), ("Vaude", "vaude", None),
          ("Deuter", "deuter", "deutschland"))  # fmt: skip


class Board(scrapy.Spider):
    name = "board"
    custom_settings = {  # noqa: RUF012 - Scrapy's own convention
        "LOG_ENABLED": False,
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
        "DOWNLOAD_DELAY": 0,
        "TELNETCONSOLE_ENABLED": False,
        "COOKIES_ENABLED": False,
    }

    def __init__(self, port: int, database: str, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.start_urls = [f"http://127.0.0.1:{port}/viewforum.php?f=4"]
        self.db = sqlite3.connect(database, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE documents (key TEXT PRIMARY KEY, url TEXT, title TEXT, "
                        "text TEXT, author TEXT, published_at TEXT)")  # fmt: skip
        self.db.execute("CREATE TABLE mentions (brand TEXT, key TEXT, UNIQUE (brand, key))")
        self.pages = 0

    def parse(self, response: scrapy.http.Response) -> object:
        self.pages += 1
        for row in response.css("ul.topiclist.topics > li.row"):
            link = row.css("a.topictitle::attr(href)").get()
            if link:
                yield response.follow(link, self.thread)

    def thread(self, response: scrapy.http.Response) -> object:
        self.pages += 1
        title = response.css("h2.topic-title ::text").get(default="").strip()
        documents, mentions = [], []
        for post in response.css("div.post"):
            content = post.css("div.content")
            text = " ".join(
                part.strip()
                for part in content.xpath(".//text()[not(ancestor::blockquote)]").getall()
                if part.strip()
            )
            link = post.css("p.author a[href*='p=']::attr(href)").get()
            key = response.urljoin(link) if link else f"{response.url}#{len(documents)}"
            date = post.css("p.author time::attr(datetime)").get()
            published = datetime.fromisoformat(date).isoformat() if date else None
            author = post.css("p.author .username::text").get()
            documents.append((key, response.url, title, text, author, published))
            folded = f"{title}\n{text}".casefold()
            for brand, word, unless in BRANDS:
                if word in folded and not (unless and unless in folded):
                    mentions.append((brand, key))
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany("INSERT OR IGNORE INTO documents VALUES (?, ?, ?, ?, ?, ?)", documents)
        self.db.executemany("INSERT OR IGNORE INTO mentions VALUES (?, ?)", mentions)
        self.db.execute("COMMIT")
        following = response.css("div.action-bar.bar-top li.arrow.next a::attr(href)").get()
        if following:
            yield response.follow(following, self.thread)


def main() -> None:
    port, database = int(sys.argv[1]), sys.argv[2]
    process = CrawlerProcess(settings={"LOG_ENABLED": False})
    crawler = process.create_crawler(Board)
    started, wall = time.process_time(), time.perf_counter()
    process.crawl(crawler, port=port, database=database)
    process.start()
    cpu, wall = time.process_time() - started, time.perf_counter() - wall
    spider = crawler.spider
    assert spider is not None
    print(f"PAGES {spider.pages} CPU {cpu:.4f} WALL {wall:.4f}", flush=True)


if __name__ == "__main__":
    main()
