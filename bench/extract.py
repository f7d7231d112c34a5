# ruff: noqa: E501  (the generated page is engine markup, one element a line)
"""How much our extraction costs over raw selectolax, on a phpBB-style thread page.

    .venv/bin/python bench/extract.py

Generates a ~100 KB page of 50 posts in prosilver markup, then times, in this process:

- raw: selectolax parses the page, selects each post and reads the same parts (author,
  date attribute, permalink, body text, title) - the least any extractor must do;
- ours: `ForumAdapter.parse` on the same bytes - decoding, selectors with alternatives,
  quote removal, visible text, permalink keys, date parsing and the Document objects.

Prints both (best of several rounds), the ratio (target: at most 1.15) and a small table
for the README.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from selectolax.lexbor import LexborHTMLParser

from monitor import domain
from monitor.sources import forum

POSTS = 50
ROUNDS = 30
NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)
_FILLER = (
    "Die Brühgruppe quietscht seit der letzten Entkalkung, der Kundendienst von Müller "
    "meint, das sei normal. Ich habe Silikonfett probiert, aber es hilft nur zwei Tage. "
)


def page() -> bytes:
    posts = []
    for number in range(POSTS):
        post_id = 10_000 + number
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


def raw(content: bytes) -> int:
    """The minimum: parse, select the posts, read the same parts as text and attributes."""
    tree = LexborHTMLParser(content.decode("utf-8"))
    found = 0
    title_node = tree.css_first("h2.topic-title")
    title = title_node.text() if title_node is not None else ""
    for post in tree.css("div.post"):
        author = post.css_first("p.author .username")
        when = post.css_first("p.author time")
        link = post.css_first("p.author a[href*='p=']")
        body = post.css_first("div.content")
        parts = (
            title,
            author.text() if author is not None else "",
            when.attributes.get("datetime") if when is not None else "",
            link.attributes.get("href") if link is not None else "",
            body.text(deep=True, separator=" ") if body is not None else "",
        )
        found += len(parts)
    return found


def ours(content: bytes) -> int:
    source = forum.ForumSource(
        type="forum", name="bench", url="https://forum.example.de/viewforum.php?f=4",
        preset="phpbb", timezone="Europe/Berlin", language="de",
    )  # fmt: skip
    request = domain.Request(
        "https://forum.example.de/viewtopic.php?t=1481&start=50", kind="thread",
        context="depth=1&title=Br%C3%BChgruppe",
    )  # fmt: skip
    response = domain.Response(
        request, request.url, 200, content, {"content-type": "text/html; charset=UTF-8"}
    )
    parsed = forum.ADAPTER.parse(source, response, now=NOW, memory={})
    assert len(parsed.documents) == POSTS, len(parsed.documents)
    return len(parsed.documents)


def best_of(function: Callable[[bytes], int], content: bytes) -> tuple[float, float]:
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        function(content)
        timings.append(time.perf_counter() - started)
    return min(timings), statistics.median(timings)


def main() -> None:
    content = page()
    ours(content)  # warm up: preset loading, dateparser import, selector compilation
    raw_best, raw_median = best_of(raw, content)
    our_best, our_median = best_of(ours, content)
    ratio = our_best / raw_best
    print(f"page: {len(content) / 1024:.0f} KB, {POSTS} posts, best of {ROUNDS} rounds")
    print(f"raw selectolax: {raw_best * 1000:.2f} ms (median {raw_median * 1000:.2f} ms)")
    print(f"our extraction: {our_best * 1000:.2f} ms (median {our_median * 1000:.2f} ms)")
    print(f"ratio: {ratio:.2f}x (target <= 1.15x)")
    print()
    print("| extraction | best ms | median ms | per post µs |")
    print("|---|---:|---:|---:|")
    for name, best, median in (("raw selectolax", raw_best, raw_median),
                               ("monitor forum adapter", our_best, our_median)):  # fmt: skip
        print(f"| {name} | {best * 1000:.2f} | {median * 1000:.2f} | {best / POSTS * 1e6:.0f} |")


if __name__ == "__main__":
    main()
