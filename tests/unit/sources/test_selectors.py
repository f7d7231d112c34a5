"""Selector specs: CSS, `@attr`, alternatives; and the identity helpers."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from monitor.sources.reading import selectors

HTML = """
<div class="post" id="p7" data-author="anna">
  <p class="author"><a class="permalink" href="./viewtopic.php?p=7#p7">#7</a>
  <time datetime="2024-03-01T10:00:00Z">Fr 1. Mär 2024</time></p>
  <span class="empty"></span>
  <div class="content">Hallo <b>Welt</b><blockquote>Zitat</blockquote><p>Absatz</p></div>
</div>
"""


@pytest.fixture
def post() -> selectors.LexborNode:
    node = LexborHTMLParser(HTML).css_first("div.post")
    assert node is not None
    return node


def test_text_and_attributes(post: selectors.LexborNode) -> None:
    assert selectors.first(post, "a.permalink@href") == "./viewtopic.php?p=7#p7"
    assert selectors.first(post, "time@datetime") == "2024-03-01T10:00:00Z"
    assert selectors.first(post, "time") == "Fr 1. Mär 2024"
    assert selectors.first(post, "@data-author") == "anna"  # the element itself
    assert selectors.first(post, "a.missing@href") is None


def test_alternatives_take_the_first_value(post: selectors.LexborNode) -> None:
    assert selectors.first(post, "span.empty || time@datetime") == "2024-03-01T10:00:00Z"
    assert selectors.first(post, "time@nothing || a.permalink") == "#7"
    assert selectors.every(post, "a.gone@href || time@datetime") == ["2024-03-01T10:00:00Z"]


def test_body_text_leaves_quotes_out(post: selectors.LexborNode) -> None:
    body = post.css_first("div.content")
    assert body is not None
    assert selectors.body_text(body, "blockquote") == "Hallo Welt\nAbsatz"


def test_an_anchor_link_to_the_element_and_parts_in_the_element_before_it() -> None:
    tree = LexborHTMLParser(
        "<div id='post-41' class='header'><span class='date'>1. März 2024</span>"
        "<a class='link' href='#post-41'>#41</a></div>\n<!-- reply -->"
        "<div class='reply' id='r41'><p>Text</p></div><div class='reply'><p>Zwei</p></div>"
    )
    first, second = tree.css("div.reply")
    assert selectors.first(first, "@#id") == "#r41"
    assert selectors.first(first, "< .date") == "1. März 2024"
    assert selectors.first(first, "< a.link@href || @#id") == "#post-41"
    assert selectors.first(first, "< @id") == "post-41"  # the element before, itself
    assert selectors.every(first, "< span || p") == ["1. März 2024"]
    assert selectors.nodes(first, "< .missing || p")[0].text() == "Text"
    # The element before the second reply is the first reply: no header there.
    assert selectors.first(second, "< .date") is None
    assert selectors.first(second, "@#id") is None


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("div[[", "not a valid CSS selector"),
        ("a ||", "empty alternative"),
        ("", "empty"),
        ("<", "'<' needs a selector"),
    ],
)
def test_bad_specs_are_refused_with_a_reason(spec: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        selectors.check(spec)


def test_session_ids_are_dropped_from_links() -> None:
    sid = "0123456789abcdef0123456789abcdef"
    base = "https://forum.example.de/viewforum.php?f=2"
    assert (
        selectors.absolute(base, f"./viewtopic.php?p=5&sid={sid}#p5")
        == "https://forum.example.de/viewtopic.php?p=5#p5"
    )
    assert selectors.absolute(base, "./viewtopic.php?t=5&s=short") == (
        "https://forum.example.de/viewtopic.php?t=5&s=short"
    )


def test_permalink_keys_keep_the_post_id() -> None:
    assert selectors.permalink_key("https://F.example.de/viewtopic.php?p=5&utm_source=x#p5") == (
        "https://f.example.de/viewtopic.php?p=5#p5"
    )
    assert selectors.permalink_key("https://f.example.de/showthread.php?t=5#post77") != (
        selectors.permalink_key("https://f.example.de/showthread.php?t=5#post78")
    )


@pytest.mark.parametrize(
    ("base", "link", "expected"),
    [
        ("https://f.example.de/viewtopic.php?t=1&start=50", "./viewtopic.php?p=5#p5",
         "https://f.example.de/viewtopic.php?p=5#p5"),
        ("https://f.example.de/forum/showthread.php?t=5", "showthread.php?t=5&page=2",
         "https://f.example.de/forum/showthread.php?t=5&page=2"),
        ("https://f.example.de/threads/x.5/page-2", "/threads/x.5/post-7",
         "https://f.example.de/threads/x.5/post-7"),
        ("https://f.example.de/a/b/c.php", "../d.php?x=1;sid=0123456789abcdef0123",
         "https://f.example.de/a/d.php?x=1"),
        ("https://f.example.de/x", "  https://other.example/y?s=0123456789abcdef  ",
         "https://other.example/y"),
        ("https://f.example.de/x", "?q=1&s=short", "https://f.example.de/x?q=1&s=short"),
    ],
)  # fmt: skip
def test_links_are_resolved_as_a_browser_does_and_lose_session_ids(
    base: str, link: str, expected: str
) -> None:
    assert selectors.absolute(base, link) == expected


def test_body_text_keeps_line_breaks_of_blocks_and_collapses_any_space() -> None:
    node = LexborHTMLParser(
        "<div><p>Die\u2003Brühgruppe  quietscht</p><br><ul><li>eins</li><li>zwei</li></ul>"
        "<script>x()</script>\u00a0Ende\u3000.</div>"
    ).css_first("div")
    assert node is not None
    assert selectors.body_text(node, None) == "Die Brühgruppe quietscht\neins\nzwei\nEnde ."


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("https://f.example.de/index.php?PHPSESSID=8ag3b1l0pkq7r2s9t4u6v5w0x1&topic=5.0",
         "https://f.example.de/index.php?topic=5.0"),  # PHP's ids are not always hex
        ("https://f.example.de/thread.jsp;jsessionid=A1B2C3D4E5F6A7B8C9D0?id=5#p3",
         "https://f.example.de/thread.jsp?id=5#p3"),
        ("https://f.example.de/thread;jsessionid=A1B2C3D4E5F6A7B8C9D0",
         "https://f.example.de/thread"),
        ("https://f.example.de/showthread.php?s=0123456789abcdef0123456789abcdef&t=5",
         "https://f.example.de/showthread.php?t=5"),
        ("https://f.example.de/search.php?s=brühgruppe+quietscht&t=5",
         "https://f.example.de/search.php?s=brühgruppe+quietscht&t=5"),  # a search, not an id
        ("https://f.example.de/x?sid=short", "https://f.example.de/x?sid=short"),
    ],
)  # fmt: skip
def test_session_ids_in_any_form_are_removed(link: str, expected: str) -> None:
    assert selectors.without_session(link) == expected
