"""The quick ways of reading text give what the plain ways gave, character for character.

Each property compares a function with the implementation it replaced, copied here as it
was (`reference_*`): visible text and tidying (monitor.text), post bodies and one-line
values (monitor.sources.reading.selectors), dates (monitor.sources.reading.dates). Markup
is generated with the elements that matter (blocks, invisible elements, quotes, SVG and
MathML, templates) and text with every kind of whitespace Python knows.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime

from hypothesis import example, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor import text
from monitor.sources.reading import dates, selectors

WHITESPACE = [chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()]

# --- the replaced implementations, as they were --------------------------------------

_REF_INVISIBLE = ("script", "style", "noscript", "template", "head")
_REF_BLOCKS = (
    "p, div, br, li, ul, ol, tr, td, th, h1, h2, h3, h4, h5, h6, blockquote, pre, section, "
    "article, header, footer, table, dd, dt, hr"
)
_REF_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_REF_BLANK_LINES = re.compile(r"\s*\n\s*")
_REF_LOOKS_LIKE_MARKUP = re.compile(r"<[a-zA-Z/!]|&[#a-zA-Z0-9]+;")


def reference_tidy(written: str) -> str:
    written = _REF_SPACES.sub(" ", written)
    return _REF_BLANK_LINES.sub("\n", written).strip()


def reference_visible_text(markup: str) -> str:
    if not _REF_LOOKS_LIKE_MARKUP.search(markup):
        return reference_tidy(markup)
    tree = LexborHTMLParser(markup)
    root = tree.body or tree.root
    if root is None:
        return ""
    for node in root.css(",".join(_REF_INVISIBLE)):
        node.decompose()
    for node in root.css(_REF_BLOCKS):
        node.insert_before("\n")
        node.insert_after("\n")
    return reference_tidy(root.text(deep=True, separator=""))


def reference_body_text(node: LexborNode, quote: str | None) -> str:
    removed = ["script, style, noscript, template, head"]
    if quote:
        removed += [css for css, _ in selectors.compile_spec(quote).alternatives if css]
    for element in node.css(", ".join(removed)):
        element.decompose()
    for element in node.css(_REF_BLOCKS):
        element.insert_before("\n")
        element.insert_after("\n")
    return reference_selectors_tidy(node.text(deep=True, separator=""))


def reference_selectors_tidy(written: str) -> str:
    lines = (" ".join(line.split()) for line in written.split("\n"))
    return "\n".join(line for line in lines if line)


def reference_inline_text(node: LexborNode) -> str:
    return " ".join(node.text(deep=True, separator=" ").split())


# --- generated text and markup ---------------------------------------------------------

WORDS = ["Brühgruppe", "quietscht", "a", "B", "Müller", "€", "😀", "&amp;", "&nbsp;",
         "&#x2003;", "&lt;3", "x<y", "ß"]  # fmt: skip
SPACES = [" ", " ", "  ", "\n", "\n\n", " \n ", "\t", "\r\n", "\xa0", "\u2003", "\u3000",
          "\u2028", "\x1c", "\x0b", "\x85", "&#10;"]  # fmt: skip
TAGS = ["p", "div", "br", "span", "a", "b", "blockquote", "script", "style", "noscript",
        "template", "ul", "li", "table", "tr", "td", "section", "head", "pre", "cite",
        "img", "svg", "math", "header", "foreignObject", "h3", "dd", "hr", "x-post"]  # fmt: skip
CLASSES = ["", ' class="quote"', ' class="content"', ' class="quote content"']

spaced_text = st.lists(
    st.one_of(st.sampled_from(WORDS), st.sampled_from(SPACES), st.sampled_from(WHITESPACE)),
    max_size=30,
).map("".join)


@st.composite
def markup(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 4 and draw(st.booleans()):
            tag = draw(st.sampled_from(TAGS))
            inner = draw(markup(depth + 1))
            parts.append(f"<{tag}{draw(st.sampled_from(CLASSES))}>{inner}</{tag}>")
        else:
            parts.append(draw(spaced_text))
    return "".join(parts)


QUOTES = [None, "", "blockquote", "blockquote || .quote", ".quote", "div > blockquote:first-child",
          "@class", "cite || @title", "p:has(br)"]  # fmt: skip


# --- properties ------------------------------------------------------------------------


@settings(max_examples=1500, deadline=None)
@given(spaced_text)
@example(" " * 5000 + "x")
@example("\u2003 " * 3000 + "\n")
@example("a \n \n\t b\u2028\u2003c\n")
def test_tidy_is_what_it_was(written: str) -> None:
    assert text.tidy(written) == reference_tidy(written)


@settings(max_examples=800, deadline=None)
@given(st.one_of(markup(), spaced_text))
@example(
    "<p>a</p><svg><section>b</section></svg><math><li>c</li></math><template><p>d</p></template>"
)
@example("<noscript><style>x</style><p>y</p></noscript><div>z<br>w</div>")
def test_visible_text_is_what_it_was(written: str) -> None:
    assert text.visible_text(written) == reference_visible_text(written)


@settings(max_examples=800, deadline=None)
@given(markup(), st.sampled_from(QUOTES))
@example(
    '<blockquote class="quote"><div><cite>x</cite>y</div></blockquote>z<br><br>w', "blockquote"
)
@example("<script>s</script><p>a<style>t</style></p><br>b", None)
def test_body_text_and_the_tree_it_leaves_are_what_they_were(inner: str, quote: str | None) -> None:
    page = (
        f'<html><body><div class="post"><div class="content">{inner}</div>tail</div></body></html>'
    )
    ours, theirs = LexborHTMLParser(page), LexborHTMLParser(page)
    our_node, their_node = ours.css_first("div.content"), theirs.css_first("div.content")
    assert our_node is not None
    assert their_node is not None
    assert selectors.body_text(our_node, quote) == reference_body_text(their_node, quote)
    # The same tree afterwards but for where line breaks were put in: later reads (which
    # collapse whitespace) see the same.
    assert _without_whitespace(ours.html) == _without_whitespace(theirs.html)


def _without_whitespace(markup: str | None) -> str:
    return "".join((markup or "").split())


@settings(max_examples=1500, deadline=None)
@given(spaced_text)
@example("x" * 70 + "  " + "y")
@example(" " + "x" * 70 + "\u3000y ")
def test_one_line_values_are_what_they_were(written: str) -> None:
    assert selectors._one_line(written) == " ".join(written.split())
    assert selectors._tidy(written) == reference_selectors_tidy(written)


@settings(max_examples=300, deadline=None)
@given(markup())
def test_inline_text_is_what_it_was(inner: str) -> None:
    node = LexborHTMLParser(f"<div>{inner}</div>").css_first("div")
    assert node is not None
    assert selectors.inline_text(node) == reference_inline_text(node)


def test_the_odd_spaces_are_every_space_but_the_space() -> None:
    assert set(selectors._ODD_SPACES) == set(WHITESPACE) - {" "}


# --- dates -----------------------------------------------------------------------------

NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)
_REF_SPACES_DATES = re.compile(r"\s+")


def reference_parse(value: str, *, timezone: str | None, languages: tuple[str, ...]):
    """dates.parse as it was: whitespace cleaned first, then the fast forms, then dateparser."""
    cleaned = _REF_SPACES_DATES.sub(" ", value.replace("\u00a0", " ")).strip()
    if not cleaned:
        return None
    zone = dates._zone(timezone)
    found = dates._fast(cleaned, zone)
    if found is None:
        local_now = NOW.astimezone(zone).replace(tzinfo=None)
        found = dates._dateparser(cleaned, local_now, zone.key, languages)
    if found is None or not dates._EARLIEST <= found <= NOW + dates._FUTURE_SLACK:
        return None
    return found


iso_dates = st.tuples(
    st.sampled_from(["2024", "1989", "2099", "２０２４", "٢٠٢٤"]),
    st.sampled_from(["-03-01", "-13-01", "-02-30", "-03-1"]),
    st.sampled_from(["", "T10:05", "T10:05:31", " 10:05:31.123456", "t23:59", "T25:00"]),
    st.sampled_from(["", "Z", "z", "+01:00", "-0530", "+0100", "+25:00", "-23:59"]),
    st.sampled_from(["", " ", "\xa0", "\n"]),
).map(lambda parts: parts[4] + "".join(parts[:4]) + parts[4])


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(iso_dates, st.sampled_from(["1710496800", "20.08.2009, 14:30 Uhr", "", " "])),
    st.sampled_from([None, "Europe/Berlin", "America/New_York", "Not/AZone"]),
)
def test_dates_are_what_they_were(value: str, timezone: str | None) -> None:
    languages = ("de", "en")
    assert dates.parse(value, now=NOW, timezone=timezone, languages=languages) == (
        reference_parse(value, timezone=timezone, languages=languages)
    )
