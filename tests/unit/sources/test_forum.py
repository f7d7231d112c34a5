"""The forum adapter: config, crawl shape, memory, bounds, walls and empty pages."""

from __future__ import annotations

import urllib.parse
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import TypeAdapter, ValidationError

from monitor import domain, sources
from monitor.errors import SourceError
from monitor.sources import forum
from tests.unit.sources import golden

NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
PHPBB = golden.GOLDEN / "phpbb"
LIST_URL = "https://forum.example.de/viewforum.php?f=4"
CONFIG: TypeAdapter[Any] = TypeAdapter(sources.SourceConfig)


def source(**fields: Any) -> forum.ForumSource:
    base = {"type": "forum", "name": "kaffee", "url": LIST_URL, "preset": "phpbb",
            "timezone": "Europe/Berlin", "language": "de"}  # fmt: skip
    made = CONFIG.validate_python({**base, **fields})
    assert isinstance(made, forum.ForumSource)
    return made


def parse(
    src: forum.ForumSource, content: bytes, *, kind: str = "list", context: str = "depth=1",
    memory: dict[str, str] | None = None, url: str = LIST_URL,
) -> domain.Page:  # fmt: skip
    request = domain.Request(url, kind=kind, context=context)
    response = domain.Response(request, url, 200, content, {})
    return forum.ADAPTER.parse(
        src, response, now=NOW, memory=memory or {}, derived=sources.Derived(src.timezone or "UTC")
    )


def list_page() -> bytes:
    return (PHPBB / "viewforum.html").read_bytes()


def thread_page() -> bytes:
    return (PHPBB / "viewtopic.html").read_bytes()


# --- config -------------------------------------------------------------------------


def test_defaults_and_registry() -> None:
    src = source()
    assert (src.max_list_pages, src.max_threads, src.max_pages_per_thread) == (2, 15, 3)
    assert sources.adapter_for(src) is forum.ADAPTER
    # The list page is read on every crawl, without validators (see test_board_revalidation).
    assert forum.ADAPTER.start(src, derived=sources.Derived()) == [
        domain.Request(LIST_URL, kind="list", context="depth=1", conditional=False)
    ]


def test_a_source_overrides_preset_selectors() -> None:
    src = source(selectors={"body": "div.postbody div.content", "quote": "blockquote, cite"})
    assert src.resolved.body == "div.postbody div.content"
    assert src.resolved.quote == "blockquote, cite"
    assert src.resolved.item == "div.post"  # the rest still from the preset


def test_without_a_preset_the_needed_selectors_are_named() -> None:
    with pytest.raises(ValidationError, match="thread_row, thread_link, item, body, permalink"):
        source(preset=None)


def test_custom_selectors_alone_are_enough() -> None:
    src = source(preset=None, selectors={
        "thread_row": "tr.topic", "thread_link": "a.t@href", "item": "div.msg",
        "body": "div.text", "permalink": "a.link@href",
    })  # fmt: skip
    assert src.resolved.date is None


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"preset": "phpbb4"}, "unknown preset 'phpbb4'; known presets: .*invision.*phpbb"),
        ({"preset": "schema_org"}, "not a forum preset"),
        ({"selectors": {"body": "div[["}}, "not a valid CSS selector"),
        ({"selectors": {"bdoy": "div"}}, "Extra inputs are not permitted"),
        ({"max_threads": 0}, "greater than or equal to 1"),
    ],
)
def test_config_mistakes_are_refused(fields: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        source(**fields)


# --- crawl shape and memory -----------------------------------------------------------


def test_list_page_requests_changed_threads_last_page_first_then_the_next_list_page() -> None:
    page = parse(source(), list_page())
    assert [(r.kind, r.continuation) for r in page.requests] == [
        ("thread", False), ("thread", False), ("thread", False), ("list", True),
    ]  # fmt: skip
    # The thread with two pages is entered on its last page.
    assert page.requests[1].url == "https://forum.example.de/viewtopic.php?t=1481&start=10"
    assert forum.Context.decode(page.requests[3].context).depth == 2
    assert page.remember == ()  # remembered once the thread itself is read


def test_second_crawl_requests_only_threads_whose_marker_changed() -> None:
    src = source()
    first = parse(src, list_page())
    memory: dict[str, str] = {}
    for request in first.requests:
        if request.kind == "thread":
            context = forum.Context.decode(request.context)
            memory[context.thread] = context.marker
    # The thread about milk foam got a new post since: its marker changed.
    changed = "thread:https://forum.example.de/viewtopic.php?t=1502"
    memory[changed] = "./viewtopic.php?p=9901#p9901"
    second = parse(src, list_page(), memory=memory)
    assert [r.url for r in second.requests] == [
        "https://forum.example.de/viewtopic.php?t=1502",
        "https://forum.example.de/viewforum.php?f=4&start=25",
    ]
    # Nothing changed at all: neither threads nor the next list page.
    memory[changed] = "./viewtopic.php?p=9949#p9949"
    assert parse(src, list_page(), memory=memory).requests == ()


def test_a_thread_page_remembers_its_marker_and_asks_for_older_pages_as_continuations() -> None:
    context = forum.Context(depth=1, thread="thread:T", marker="M", title="Titel").encode()
    page = parse(source(), thread_page(), kind="thread", context=context,
                 url="https://forum.example.de/viewtopic.php?t=1481&start=10")  # fmt: skip
    assert page.remember == (("thread:T", "M"),)
    (older,) = page.requests
    assert older.continuation
    assert older.url == "https://forum.example.de/viewtopic.php?t=1481"
    assert forum.Context.decode(older.context) == forum.Context(depth=2, thread="thread:T",
                                                               title="Titel")  # fmt: skip
    # The same post met again on an older page keeps its key: the permalink, not the page.
    assert page.documents[0].key == "https://forum.example.de/viewtopic.php?p=9950#p9950"


# --- bounds ---------------------------------------------------------------------------


def test_max_threads_applies_per_list_page() -> None:
    page = parse(source(max_threads=1), list_page())
    assert [r.kind for r in page.requests] == ["thread", "list"]


def read_all(page: domain.Page) -> dict[str, str]:
    """The memory after every thread `page` asked for was read (each remembers its marker)."""
    memory = {}
    for request in page.requests:
        if request.kind == "thread":
            context = forum.Context.decode(request.context)
            memory[context.thread] = context.marker
    return memory


def test_a_later_list_page_remembers_the_changed_threads_it_saw_capped_ones_too() -> None:
    src = source(max_threads=1)
    page_two = parse(src, list_page(), context="depth=2")
    ((key, asked),) = page_two.remember
    assert key == "list:2"
    pairs = dict(urllib.parse.parse_qsl(asked))
    assert len(pairs) == 3  # one asked for, two left out by max_threads
    assert [r.kind for r in page_two.requests] == ["thread"]  # and no page 3: max_list_pages
    # List page 1 is read on every crawl: nothing to remember for it.
    assert parse(src, list_page()).remember == ()


def test_the_walk_goes_on_while_a_later_page_has_a_thread_not_read_since() -> None:
    src = source()
    read = read_all(parse(src, list_page()))  # every thread of list page 1 read
    later = "thread:https://forum.example.de/viewtopic.php?t=1300"
    asked = urllib.parse.urlencode({later: "./viewtopic.php?p=8000#p8000"})
    assert parse(src, list_page(), memory=read).requests == ()
    # Page 2 asked for a thread last time and it was read since: no reason to go there.
    done = {**read, "list:2": asked, later: "./viewtopic.php?p=8000#p8000"}
    assert parse(src, list_page(), memory=done).requests == ()
    # It was never read (its page failed, or max_threads left it out): walk on to page 2.
    for unread in ({**read, "list:2": asked}, {**done, later: "./viewtopic.php?p=7000#p7000"}):
        requests = parse(src, list_page(), memory=unread).requests
        assert [(r.kind, r.continuation) for r in requests] == [("list", True)]
    # Still within max_list_pages only.
    assert (
        parse(source(max_list_pages=1), list_page(), memory={**read, "list:2": asked}).requests
        == ()
    )


def test_max_list_pages_stops_the_list_walk() -> None:
    page = parse(source(max_list_pages=2), list_page(), context="depth=2")
    assert all(r.kind == "thread" for r in page.requests)


def test_max_pages_per_thread_stops_older_pages() -> None:
    page = parse(source(max_pages_per_thread=2), thread_page(), kind="thread",
                 context="depth=2&title=T")  # fmt: skip
    assert page.requests == ()
    assert page.remember == ()  # only the entry page carries the marker


# --- walls and empty pages ----------------------------------------------------------


LOGIN = b"""<html><body><div id="page-body"><h2>Anmelden</h2>
<form action="./ucp.php?mode=login" method="post" id="login"><fieldset>
<input type="text" name="username"><input type="password" name="password" id="password">
<input type="submit" name="login" value="Anmelden"></fieldset></form></div></body></html>"""
CLOUDFLARE = b"""<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head>
<body><div class="main-wrapper" role="main"><div class="main-content">
<noscript><div>Enable JavaScript and cookies to continue</div></noscript></div></div>
<script>(function(){window._cf_chl_opt={cvId: '3',cZone: "forum.example.de"};
var a = document.createElement('script');
a.src = '/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1';
document.getElementsByTagName('head')[0].appendChild(a);}());</script></body></html>"""
DDOS_GUARD = b"""<html><head><title>DDoS-Guard</title></head><body>
<div id="ddg-cookie">Checking your browser before accessing forum.example.de</div>
<script src="/.well-known/ddos-guard/check?context=free_splash"></script></body></html>"""
NO_PERMISSION = b"""<html><body><div id="message" class="panel"><div class="inner">
<h2 class="message-title">Information</h2>
<p>Sie sind nicht berechtigt, dieses Forum zu lesen.</p></div></div></body></html>"""


@pytest.mark.parametrize(
    ("content", "kind", "message"),
    [
        (LOGIN, "thread", "served a login page instead of posts: the board needs an account"),
        (LOGIN, "list", "served a login page instead of a list of threads"),
        (CLOUDFLARE, "thread", "served a Cloudflare challenge instead of posts"),
        (DDOS_GUARD, "list", "served a DDoS-Guard challenge"),
        (NO_PERMISSION, "thread", "served a 'no permission' page"),
    ],
)
def test_walls_are_errors_that_say_so(content: bytes, kind: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        parse(source(), content, kind=kind)


def test_a_guest_login_box_beside_posts_is_no_wall() -> None:
    content = thread_page().replace(b"</body>", LOGIN.split(b"<body>")[1])
    assert len(parse(source(), content, kind="thread").documents) == 2


def test_a_login_box_beside_posts_a_preset_misses_is_no_wall_but_a_warning() -> None:
    """The posts are there (a page full of text) but the selector misses them: the preset
    does not fit, which is a warning about the page, not a board that needs an account."""
    posts = b"".join(
        b"<div class='beitrag'><p>" + b"Die Br\xc3\xbchgruppe quietscht seit Wochen. " * 12
        + b"</p></div>" for _ in range(8)
    )  # fmt: skip
    content = LOGIN.replace(b"</div></body>", posts + b"</div></body>")
    page = parse(source(), content, kind="thread")
    assert page.documents == ()
    assert page.empty
    assert page.warnings == (
        f"{LIST_URL}: selector item ('div.post') matched nothing on a page that is not a "
        "login wall",
    )


def test_an_ad_slot_dressed_as_a_post_is_no_post() -> None:
    """No text, no date, no link of its own: an ad between posts (Invision, vBulletin)."""
    ad = (
        b'<div id="p999" class="post has-profile"><div class="postbody"><p class="author">'
        b'</p><div class="content"><script>ads()</script></div></div></div>'
    )
    content = thread_page().replace(b"</body>", ad + b"</body>")
    documents = parse(source(), content, kind="thread").documents
    assert len(documents) == 2
    assert all(d.text for d in documents)


def test_posts_whose_every_part_a_preset_misses_are_a_warning_not_silence() -> None:
    src = source(selectors={"body": "div.inhalt", "date": "span.datum", "permalink": "a.link@href"})
    page = parse(src, thread_page(), kind="thread")
    assert page.documents == ()
    assert page.empty
    (warning,) = page.warnings
    assert "selector item ('div.post') matched 2 elements, none with a text" in warning


def test_an_ad_label_opening_a_post_is_not_its_text() -> None:
    content = thread_page().replace(
        b'<div class="content">', b'<div class="content"><div>Anzeige</div>', 1
    )
    first = parse(source(), content, kind="thread").documents[0]
    assert not first.text.startswith("Anzeige")
    assert first.text == parse(source(), thread_page(), kind="thread").documents[0].text


def test_a_selector_that_matches_nothing_is_a_warning_naming_the_closest_preset() -> None:
    page = parse(source(selectors={"item": "div.beitrag"}), thread_page(), kind="thread")
    assert page.documents == ()
    assert page.warnings == (
        f"{LIST_URL}: selector item ('div.beitrag') matched nothing on a page that is not a "
        "login wall; "
        "closest preset: phpbb (found 5 of item, body, author, date, permalink)",
    )


def test_unreadable_dates_give_one_stable_warning() -> None:
    src = source(selectors={"date": "dd.profile-rank || p.author strong"})
    page = parse(src, thread_page(), kind="thread", context="depth=2")
    assert page.warnings == ("2 dates could not be read, e.g. 'Stammgast'",)
    assert all(d.published_at is None for d in page.documents)  # the pipeline's first-seen


def test_a_board_that_writes_dates_as_byline_text_is_read_by_the_preset() -> None:
    # A 3.0/3.1-era style writes the date as text in the byline, without <time datetime>.
    page_without = thread_page().replace(b" datetime=", b" data-x=")
    read = parse(source(), page_without, kind="thread", context="depth=2")
    assert read.warnings == ()
    with_attribute = parse(source(), thread_page(), kind="thread", context="depth=2")
    shown = [d.published_at for d in read.documents]  # the text has no seconds
    assert all(shown)
    assert shown == [
        d.published_at.replace(second=0) for d in with_attribute.documents if d.published_at
    ]


def test_a_date_selector_that_finds_nothing_in_any_post_says_where_to_look() -> None:
    page_without = thread_page().replace(b" datetime=", b" data-x=")
    only_attribute = source(selectors={"date": "p.author time@datetime"})
    page = parse(only_attribute, page_without, kind="thread", context="depth=2")
    (warning,) = page.warnings
    assert "selector date ('p.author time@datetime') found no date in any post" in warning
    assert "'p.author time'" in warning
    # Pointed at the text, the dates are read and the warning is gone.
    fixed = parse(source(selectors={"date": "p.author time"}), page_without, kind="thread",
                  context="depth=2")  # fmt: skip
    assert fixed.warnings == ()
    assert all(d.published_at is not None for d in fixed.documents)


def test_a_source_that_names_a_thread_reads_its_posts_and_says_to_give_the_list() -> None:
    thread_url = "https://forum.example.de/viewtopic.php?t=1481"
    page = parse(source(url=thread_url), thread_page(), kind="list", url=thread_url)
    as_thread = parse(source(), thread_page(), kind="thread", url=thread_url)
    assert [d.key for d in page.documents] == [d.key for d in as_thread.documents]
    assert page.documents
    assert not page.empty
    assert page.warnings[0].startswith(f"{thread_url} is a thread, not a list of threads")
    assert "give the board's list page" in page.warnings[0]


# bbPress 2.6's default templates (loop-single-reply.php, loop-single-topic.php): each
# post's date and own link sit in a header *before* the post, not inside it.
BBPRESS_TOPIC = """<html><body class="topic bbpress single-topic">
<h1 class="entry-title">Zelt undicht</h1>
<ul id="topic-7-replies" class="forums bbp-replies"><li class="bbp-body">
<div id="post-7" class="bbp-reply-header"><div class="bbp-meta">
 <span class="bbp-reply-post-date">1. März 2024 um 10:15</span>
 <a class="bbp-reply-permalink"
  href="https://forum.example.de/forums/topic/zelt-undicht/#post-7">#7</a>
</div></div>
<div class="loop-item-0 user-id-2 bbp-parent-forum-3 odd topic-author post-7 topic type-topic">
 <div class="bbp-reply-author"><a class="bbp-author-name" href="/u/anna">Anna</a></div>
 <div class="bbp-reply-content"><p>Mein Vaude Zelt ist nach einer Nacht nass.</p></div>
</div>
<div id="post-9" class="bbp-reply-header"><div class="bbp-meta">
 <span class="bbp-reply-post-date">2. März 2024 um 08:00</span>
 <a class="bbp-reply-permalink"
  href="https://forum.example.de/forums/topic/zelt-undicht/#post-9">#9</a>
</div></div>
<div class="loop-item-1 user-id-5 bbp-parent-forum-3 even post-9 reply type-reply">
 <div class="bbp-reply-author"><a class="bbp-author-name" href="/u/ben">Ben</a></div>
 <div class="bbp-reply-content"><blockquote>Mein Vaude Zelt</blockquote><p>Nahtband!</p></div>
</div>
</li></ul></body></html>"""


def test_bbpress_default_templates_give_each_post_the_header_before_it() -> None:
    src = source(preset="bbpress")
    page = parse(src, BBPRESS_TOPIC.encode(), kind="thread",
                 url="https://forum.example.de/forums/topic/zelt-undicht/")  # fmt: skip
    assert [(d.author, d.url, d.text) for d in page.documents] == [
        ("Anna", "https://forum.example.de/forums/topic/zelt-undicht/#post-7",
         "Mein Vaude Zelt ist nach einer Nacht nass."),
        ("Ben", "https://forum.example.de/forums/topic/zelt-undicht/#post-9", "Nahtband!"),
    ]  # fmt: skip
    berlin = [d.published_at.astimezone(BERLIN) for d in page.documents if d.published_at]
    assert [f"{at:%d.%m. %H:%M}" for at in berlin] == ["01.03. 10:15", "02.03. 08:00"]
    assert page.warnings == ()
    # Recognised without naming the preset, from bbPress's body classes.
    auto = parse(source(preset="auto"), BBPRESS_TOPIC.encode(), kind="thread",
                 url="https://forum.example.de/forums/topic/zelt-undicht/")  # fmt: skip
    assert auto.documents == page.documents
