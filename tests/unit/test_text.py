"""Visible text out of HTML as a reader sees it, and single lines safe for headers."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from monitor import text


@pytest.mark.parametrize(
    ("markup", "visible"),
    [
        pytest.param("<p>Die <b>Vaude</b> Jacke</p>", "Die Vaude Jacke", id="tags-stripped"),
        pytest.param("a &amp; b &lt;c&gt; &uuml; &#8364;", "a & b <c> ü €", id="entities"),
        pytest.param(
            "<script>alert(1)</script><style>p{color:red}</style><p>Hallo</p>",
            "Hallo",
            id="script-style-dropped",
        ),
        pytest.param("<p>Hallo</p><p>Welt</p>", "Hallo\nWelt", id="paragraphs-apart"),
        pytest.param("eins<br>zwei", "eins\nzwei", id="br"),
        pytest.param("<ul><li>a</li><li>b</li></ul>", "a\nb", id="list-items"),
        pytest.param("<div>x</div><div>y</div>", "x\ny", id="divs"),
        pytest.param("<b>fett</b>gedruckt", "fettgedruckt", id="inline-joins"),
        pytest.param("&nbsp;viel&nbsp;&nbsp; Platz ", "viel Platz", id="nbsp-collapsed"),
        pytest.param("I <3 Vaude", "I <3 Vaude", id="heart-kept"),
        pytest.param("a < b and c > d", "a < b and c > d", id="comparison-kept"),
        pytest.param("Grüße von Müller aus Straße", "Grüße von Müller aus Straße", id="umlauts"),
        pytest.param("<p>Grüße von <i>Müller</i></p>", "Grüße von Müller", id="umlauts-html"),
        pytest.param("", "", id="empty"),
    ],
)
def test_visible_text(markup: str, visible: str) -> None:
    assert text.visible_text(markup) == visible


def test_tidy_collapses_spaces_and_blank_lines() -> None:
    assert text.tidy("  a \t b\n\n\n  c  ") == "a b\nc"


def test_one_line_removes_line_breaks_and_control_characters() -> None:
    assert text.one_line("Betreff\r\nBcc: x@example.org\x00\x1b[31m") == (
        "Betreff Bcc: x@example.org [31m"
    )


def test_one_line_truncates_with_an_ellipsis() -> None:
    shortened = text.one_line("abcdefghij", 5)
    assert shortened == "abcd…"
    assert len(shortened) == 5


def test_one_line_keeps_short_text_and_umlauts() -> None:
    assert text.one_line("  Müller   Medical ", 20) == "Müller Medical"


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<h3><span><b>+</b>Raze</span></h3>", "+Raze"),  # inline elements run together
        ("<h3>von <strong>kletterfan</strong> » Mi</h3>", "von kletterfan » Mi"),
        ("<h3><div>eins</div><div>zwei</div>drei<br>vier</h3>", "eins zwei drei vier"),
        ("<h3>Name<script>track()</script><style>b{}</style></h3>", "Name"),
        ("<h3>  viel \n\t Platz\u00a0 </h3>", "viel Platz"),
    ],
)
def test_inline_text_is_one_line_as_a_reader_sees_it(markup: str, expected: str) -> None:
    node = LexborHTMLParser(markup).css_first("h3")
    assert node is not None
    assert text.inline_text(node) == expected
