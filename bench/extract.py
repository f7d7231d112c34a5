# ruff: noqa: E501  (the generated page is engine markup, one element a line)
"""How much our extraction costs over raw selectolax, on a phpBB-style thread page.

    .venv/bin/python bench/extract.py [--rounds 100]

Generates ~120 KB pages of 50 posts in prosilver markup, then times, in this process,
round by round, taking turns at going first:

- raw: selectolax parses the page, selects the thread title and each post, reads the same
  parts (author, date as a datetime, permalink resolved against the page URL with
  `urljoin`, body text without its quotes) and the thread's newer and older pages - the
  least any extractor must do to read what we read;
- ours: `ForumAdapter.parse` - decoding, selectors with alternatives, quote removal,
  visible text with line breaks at blocks, session ids dropped from links, permalink
  keys, date parsing, the thread's follow-up requests and the Document objects.

Every call gets a page nobody has read before (same markup, new post ids): a crawl mostly
meets posts it has not seen, and neither side should find the other's URLs in a cache
(urllib's `urlsplit` keeps one, our permalink keys another).

The source itself is built once, outside the timing: it is config, validated when
sources.yaml is loaded, not per page.

Prints both, best and median of the rounds, in wall-clock time and in CPU time (this
thread's: steadier on a busy machine), the ratios of the bests and a table for the
README. The ratio is a figure, not a target: extraction is about a tenth of a whole
crawl's CPU (bench/crawl.py), so fast paths that only this benchmark can see are not
worth their code. Exits 1 if the two disagree on what they read (post
count, titles, authors, dates, permalinks, the body text's non-space characters, the
page to read next).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser

from monitor import domain
from monitor.sources import forum
from monitor.sources.base import Derived

POSTS = 50
ROUNDS = 100  # enough for the bests to settle on a shared machine
NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)
PAGE_URL = "https://forum.example.de/viewtopic.php?t=1481&start=50"
_FILLER = (
    "Die Brühgruppe quietscht seit der letzten Entkalkung, der Kundendienst von Müller "
    "meint, das sei normal. Ich habe Silikonfett probiert, aber es hilft nur zwei Tage. "
)
SOURCE = forum.ForumSource(
    type="forum", name="bench", url="https://forum.example.de/viewforum.php?f=4",
    preset="phpbb", timezone="Europe/Berlin", language="de",
)  # fmt: skip
DERIVED = Derived(timezone="Europe/Berlin")

# title, author, date, permalink, body text
Parts = tuple[str, str, datetime | None, str, str]


def page(first_id: int = 10_000) -> bytes:
    posts = []
    for number in range(POSTS):
        post_id = first_id + number
        quote = (
            f"<blockquote><div><cite>jemand hat geschrieben:</cite>{_FILLER}</div></blockquote>"
            if number % 3 == 0
            else ""
        )
        posts.append(f"""
<div id="p{post_id}" class="post has-profile bg{number % 2 + 1}"><div class="inner">
<dl class="postprofile" id="profile{post_id}"><dt class="has-profile-rank no-avatar">
<div class="avatar-container"></div>
<a href="./memberlist.php?mode=viewprofile&amp;u={number}" class="username">user{number}</a>
</dt><dd class="profile-rank">Stammgast</dd>
<dd class="profile-posts"><strong>Beiträge:</strong> <a href="./search.php?author_id={number}">12</a></dd>
</dl>
<div class="postbody"><div id="post_content{post_id}">
<h3><a href="./viewtopic.php?p={post_id}#p{post_id}">Re: Brühgruppe quietscht</a></h3>
<ul class="post-buttons"><li><a href="./posting.php?mode=quote&amp;p={post_id}" class="button button-icon-only"><i class="icon fa-quote-left fa-fw" aria-hidden="true"></i><span class="sr-only">Zitieren</span></a></li></ul>
<p class="author"><a class="unread" href="./viewtopic.php?p={post_id}#p{post_id}" title="Beitrag"><i class="icon fa-file fa-fw icon-lightgray icon-md" aria-hidden="true"></i><span class="sr-only">Beitrag</span></a>
<span class="responsive-hide">von <strong><a href="./memberlist.php?mode=viewprofile&amp;u={number}" class="username">user{number}</a></strong> &raquo; </span><time datetime="2024-03-{1 + number % 14:02d}T1{number % 10}:05:31+00:00">Do 14. Mär 2024, 19:05</time></p>
<div class="content">{quote}{_FILLER * 5}<br><br>Gruß, user{number}</div>
<div id="sig{post_id}" class="signature">Jura E8 · Eureka Mignon</div>
</div></div>
<div class="back2top"><a href="#top" class="top" title="Nach oben"><i class="icon fa-chevron-circle-up fa-fw icon-gray" aria-hidden="true"></i></a></div>
</div></div><hr class="divider" />""")
    head = (
        '<!DOCTYPE html><html dir="ltr" lang="de"><head><meta charset="utf-8" />'
        '<title>Brühgruppe quietscht - Kaffee-Forum</title></head><body><div id="wrap">'
        '<h2 class="topic-title"><a href="./viewtopic.php?t=1481">Brühgruppe quietscht</a></h2>'
        '<div class="action-bar bar-top"><div class="pagination">50 Beiträge<ul>'
        '<li class="arrow previous"><a class="button" href="./viewtopic.php?t=1481&amp;start=0" rel="prev">‹</a></li>'
        "</ul></div></div>"
    )
    return (head + "".join(posts) + "</div></body></html>").encode()


def raw(content: bytes) -> tuple[list[Parts], str | None]:
    """The minimum: parse, select the posts, read the same parts as text and attributes,
    and the link to the thread's older page (after looking for a newer one)."""
    tree = LexborHTMLParser(content.decode("utf-8"))
    found = []
    title_node = tree.css_first("h2.topic-title")
    title = title_node.text() if title_node is not None else ""
    for post in tree.css("div.post"):
        author = post.css_first("p.author .username")
        when = post.css_first("p.author time")
        written = when.attributes.get("datetime") if when is not None else None
        link = post.css_first("p.author a[href*='p=']")
        body = post.css_first("div.content")
        href = link.attributes.get("href") if link is not None else None
        if body is not None:
            for quote in body.css("blockquote"):
                quote.decompose()
        found.append((
            title,
            author.text() if author is not None else "",
            datetime.fromisoformat(written) if written else None,
            urljoin(PAGE_URL, href) if href else "",
            body.text(deep=True, separator=" ") if body is not None else "",
        ))  # fmt: skip
    newer = tree.css_first("div.action-bar.bar-top li.arrow.next a")
    older = (
        None if newer is not None else tree.css_first("div.action-bar.bar-top li.arrow.previous a")
    )
    older_href = older.attributes.get("href") if older is not None else None
    return found, urljoin(PAGE_URL, older_href) if older_href else None


def ours(content: bytes) -> domain.Page:
    request = domain.Request(PAGE_URL, kind="thread", context="depth=1&title=Br%C3%BChgruppe")
    response = domain.Response(
        request, request.url, 200, content, {"content-type": "text/html; charset=UTF-8"}
    )
    return forum.ADAPTER.parse(SOURCE, response, now=NOW, memory={}, derived=DERIVED)


def disagreements(content: bytes) -> list[str]:
    """Where the two read something different from the same page (empty: they agree)."""
    (expected, older), page = raw(content), ours(content)
    documents = page.documents
    if len(expected) != POSTS or len(documents) != POSTS:
        return [f"posts: raw read {len(expected)}, ours {len(documents)}, the page has {POSTS}"]
    found = []
    following = [request.url for request in page.requests]
    if following != [older]:
        found.append(f"next page: ours {following}, raw {older!r}")
    for number, ((title, author, published, link, body), document) in enumerate(
        zip(expected, documents, strict=True)
    ):
        if document.title != " ".join(title.split()):
            found.append(f"post {number}: title {document.title!r}, raw {title!r}")
        if document.author != author:
            found.append(f"post {number}: author {document.author!r}, raw {author!r}")
        if document.published_at != published:
            found.append(f"post {number}: date {document.published_at}, raw {published}")
        if document.url != link:
            found.append(f"post {number}: permalink {document.url!r}, raw {link!r}")
        ours_letters, raw_letters = len("".join(document.text.split())), len("".join(body.split()))
        if ours_letters != raw_letters:
            found.append(f"post {number}: text {ours_letters} non-space chars, raw {raw_letters}")
    return found


def timed(function: Callable[[bytes], object], content: bytes) -> tuple[float, float]:
    """(wall-clock, CPU) seconds of one call."""
    wall, cpu = time.perf_counter(), time.thread_time()
    function(content)
    return time.perf_counter() - wall, time.thread_time() - cpu


@dataclass
class Timings:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, timing: tuple[float, float]) -> None:
        self.wall.append(timing[0])
        self.cpu.append(timing[1])


def rounds(count: int) -> tuple[Timings, Timings]:
    """Both, on pages of their own, taking turns at going first."""
    raw_timings, our_timings = Timings(), Timings()
    for number in range(count):
        raw_page = page(first_id=100_000 + number * POSTS)
        our_page = page(first_id=500_000 + number * POSTS)
        if number % 2:
            our_timings.add(timed(ours, our_page))
            raw_timings.add(timed(raw, raw_page))
        else:
            raw_timings.add(timed(raw, raw_page))
            our_timings.add(timed(ours, our_page))
    return raw_timings, our_timings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    arguments = parser.parse_args(argv)
    # Warm-up on a page of its own: preset loading, dateparser import, first calls.
    ours(page(first_id=1_000))
    raw(page(first_id=1_000))
    problems = disagreements(page(first_id=5_000))
    if problems:
        print("raw selectolax and our extraction disagree:", file=sys.stderr)
        for problem in problems[:20]:
            print(f"  {problem}", file=sys.stderr)
        return 1
    raw_timings, our_timings = rounds(arguments.rounds)
    size = len(page()) / 1024
    print(f"page: {size:.0f} KB, {POSTS} posts, a new page each call, {arguments.rounds} rounds")
    rows = []
    for clock in ("wall", "cpu"):
        raw_list, our_list = getattr(raw_timings, clock), getattr(our_timings, clock)
        raw_best, our_best = min(raw_list), min(our_list)
        raw_median, our_median = statistics.median(raw_list), statistics.median(our_list)
        rows.append((clock, raw_best, raw_median, our_best, our_median))
        print(f"{clock:>4}: raw selectolax {raw_best * 1000:.2f} ms (median "
              f"{raw_median * 1000:.2f}), ours {our_best * 1000:.2f} ms (median "
              f"{our_median * 1000:.2f}), ratio {our_best / raw_best:.2f}x best, "
              f"{our_median / raw_median:.2f}x median")  # fmt: skip
    print("agreement: same titles, authors, dates, permalinks and text on every post, and")
    print("           the same page to read next")
    print()
    print(f"| extraction, {POSTS}-post phpBB page ({size:.0f} KB) | clock | best ms | median ms "
          "| per post µs |")  # fmt: skip
    print("|---|---|---:|---:|---:|")
    for clock, raw_best, raw_median, our_best, our_median in rows:
        for name, best, median in (("raw selectolax", raw_best, raw_median),
                                   ("monitor forum adapter", our_best, our_median)):  # fmt: skip
            print(f"| {name} | {clock} | {best * 1000:.2f} | {median * 1000:.2f} "
                  f"| {best / POSTS * 1e6:.0f} |")  # fmt: skip
        print(
            f"| ratio | {clock} | {our_best / raw_best:.2f}x | {our_median / raw_median:.2f}x | |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
