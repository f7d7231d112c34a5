"""`preset: auto`: the engine is recognised from the page, on real pages and on the markers
each engine writes, and a forum source that names no preset reads its board with it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import TypeAdapter
from selectolax.lexbor import LexborHTMLParser

from monitor import domain, sources
from monitor.sources import engines, forum
from tests import real_pages
from tests.unit.sources import golden

NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)
CONFIG: TypeAdapter[Any] = TypeAdapter(sources.SourceConfig)
URL = "https://forum.example.de/viewforum.php?f=4"


def detect(html: str | bytes) -> engines.Engine | None:
    content = html.encode() if isinstance(html, str) else html
    return engines.detect(LexborHTMLParser(content), content)


def _known_engine_pages() -> list[object]:
    return [
        pytest.param(page, id=page.file.removeprefix("pages/"))
        for page in real_pages.pages()
        if page.family in real_pages.ENGINE_PRESETS and page.kind != "json-api"
    ]


@pytest.mark.parametrize("page", _known_engine_pages())
def test_every_real_page_of_an_engine_with_a_preset_gets_that_preset(
    page: real_pages.Page,
) -> None:
    found = detect(page.content)
    assert found is not None
    assert found.preset == real_pages.ENGINE_PRESETS[page.family]


def test_discourse_html_is_read_by_its_schema_org_markup_with_advice_to_use_its_json() -> None:
    page = next(p for p in real_pages.pages() if "blizzard" in p.file)
    found = detect(page.content)
    assert found is not None
    assert (found.name, found.preset) == ("Discourse 2.5.0.beta4", "schema_org_forum")
    assert found.advice.startswith("type: discourse reads it better")
    src = _source()
    response = domain.Response(domain.Request(page.url, kind="thread", context="depth=1"),
                               page.url, 200, page.content,
                               {"content-type": "text/html; charset=utf-8"})  # fmt: skip
    read = forum.ADAPTER.parse(src, response, now=NOW, memory={}, derived=sources.Derived())
    assert [d.author for d in read.documents] == [item["author"] for item in page.expected]
    assert read.warnings[-1] == f"{page.url} is Discourse 2.5.0.beta4: {found.advice}"


@pytest.mark.parametrize(
    ("html", "name", "preset"),
    [
        ('<meta name="generator" content="vBulletin 5.6.4">', "vBulletin 5.6.4", "vbulletin5"),
        ('<meta name="generator" content="vBulletin 3.8.11">', "vBulletin 3.8.11", "vbulletin"),
        ('<meta name="generator" content="WordPress 6.4">', "WordPress 6.4", "wordpress"),
        ("<html id='XF'><body></body></html>", "XenForo 2", "xenforo"),
        ("<html id='XenForo'><body></body></html>", "XenForo 1", "xenforo"),
        ("<body id='phpbb'></body>", "phpBB 3 (prosilver)", "phpbb"),
        ("<div id='wrapheader'></div><p>Powered by phpBB</p>", "phpBB 3.0 (subsilver2)", None),
        ("<script>var smf_scripturl = 'x';</script>", "SMF", "smf"),
        ("<body class='ipsApp ipsApp_front'></body>", "Invision Community 4", "invision"),
        ("<p>Powered By <a href='https://mybb.com'>MyBB</a></p>", "MyBB", "mybb"),
        ("<body id='tpl_wbb_thread'>WoltLab Suite</body>", "WoltLab Burning Board", None),
        ("<div id='flarum-loading'></div>", "Flarum", None),
        ("<p>Powered by <a href='https://nodebb.org'>NodeBB</a></p>", "NodeBB", None),
        ("<article itemscope itemtype='https://schema.org/DiscussionForumPosting'></article>",
         "schema.org forum markup", "schema_org_forum"),
    ],
)  # fmt: skip
def test_each_engine_is_recognised_by_what_its_templates_write(
    html: str, name: str, preset: str | None
) -> None:
    found = detect(html)
    assert found is not None
    assert (found.name, found.preset) == (name, preset)
    assert found.evidence


def test_every_preset_auto_may_pick_has_the_selectors_a_forum_needs() -> None:
    """auto picks presets per page, after the config was checked: each must be complete."""
    named = {rule.preset for rule in engines._RULES if rule.preset} | {"schema_org_forum"}
    for name in sorted(named):
        chosen = forum.selectors_with(name, forum.ForumSelectors())
        assert all(getattr(chosen, part) for part in forum._REQUIRED), name


def test_a_page_of_no_known_engine_is_not_recognised() -> None:
    assert detect("<html><body><div class='beitrag'>Hallo</div></body></html>") is None


def _parse(src: forum.ForumSource, content: bytes, kind: str) -> domain.Page:
    request = domain.Request(URL, kind=kind, context="depth=1")
    response = domain.Response(request, URL, 200, content, {})
    return forum.ADAPTER.parse(src, response, now=NOW, memory={}, derived=sources.Derived())


def _source(**fields: Any) -> forum.ForumSource:
    made = CONFIG.validate_python({"type": "forum", "name": "b", "url": URL, **fields})
    assert isinstance(made, forum.ForumSource)
    return made


def test_a_forum_source_without_a_preset_reads_the_board_with_the_recognised_one() -> None:
    src = _source()
    assert src.preset == "auto"
    assert src.auto
    auto = _parse(src, (golden.GOLDEN / "phpbb" / "viewtopic.html").read_bytes(), "thread")
    named = _parse(_source(preset="phpbb"), (golden.GOLDEN / "phpbb" / "viewtopic.html")
                   .read_bytes(), "thread")  # fmt: skip
    assert auto.documents == named.documents
    assert auto.documents
    assert auto.notes == ("engine: phpBB 3 (prosilver) (body#phpbb): preset phpbb (preset: auto)",)
    listed = _parse(src, (golden.GOLDEN / "phpbb" / "viewforum.html").read_bytes(), "list")
    assert [r.kind for r in listed.requests].count("thread") >= 1


def test_own_selectors_on_top_of_the_recognised_preset() -> None:
    src = _source(selectors={"quote": "blockquote, div.signature"})
    page = _parse(src, (golden.GOLDEN / "phpbb" / "viewtopic.html").read_bytes(), "thread")
    assert page.documents
    assert forum.selectors_with("phpbb", src.selectors).quote == "blockquote, div.signature"


def test_a_source_whose_selectors_say_everything_is_read_with_them_alone() -> None:
    own = {"thread_row": "li", "thread_link": "a@href", "item": "div.beitrag",
           "body": "p", "permalink": "a@href"}  # fmt: skip
    src = _source(selectors=own)
    assert not src.auto
    page = _parse(src, (golden.GOLDEN / "phpbb" / "viewtopic.html").read_bytes(), "thread")
    assert page.notes == ("engine: the source's own selectors (no preset)",)


def test_a_board_no_preset_reads_is_a_warning_naming_engine_and_closest_preset() -> None:
    html = (
        "<html><body id='tpl_wbb_thread'><p>WoltLab Suite</p>"
        + "".join(
            f"<div class='post' id='post_{n}'><div class='content'>Beitrag {n} über die "
            "Jacke, die nach zwei Wochen riss.</div></div>"
            for n in range(3)
        )
        + "</body></html>"
    ).encode()
    page = _parse(_source(), html, "thread")
    assert page.empty
    assert page.documents == ()
    (warning,) = page.warnings
    assert warning.startswith(f"{URL} is WoltLab Burning Board (")
    assert "no preset reads it yet: give its selectors" in warning
    # Two presets find posts and their text here (a tie: the first by name is named).
    assert warning.endswith(
        "closest preset: forumotion (found 2 of item, body, author, date, permalink; "
        "author, date, permalink found nothing)"
    )
    assert page.notes[0].startswith("engine: WoltLab Burning Board")


def test_a_page_of_no_engine_says_so_and_what_to_do() -> None:
    page = _parse(_source(), b"<html><body><p>Nur Text</p></body></html>", "thread")
    (warning,) = page.warnings
    assert "no board engine recognised" in warning
    assert "name a preset or give selectors" in warning
    assert page.notes == ("engine: not recognised",)
