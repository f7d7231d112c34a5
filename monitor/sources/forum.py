"""Forum boards read with CSS selectors: list pages, thread pages, posts.

Crawl shape, expressed as requests (the pipeline fetches them, on the source's host):

    list page 1 ──► each thread row whose activity marker changed since the last crawl
       │              ──► the thread's last page (kind "thread"), newest posts first
       │                    └─► its older pages, as continuations, up to max_pages_per_thread
       └─► list page 2 … (continuation), up to max_list_pages, only while a page had a
           changed thread (boards list threads by last activity: once a page holds only
           unchanged threads, the pages after it hold older ones) or a later page still
           has one that was asked for and not read

Incremental: a thread's marker (reply count, last-post time or link, as the preset says)
travels in the request's context and is remembered as ``thread:<canonical thread URL>``
when the thread page has been read, not when the list was: a thread whose page was never
fetched (failed, capped) still looks changed on the next crawl. List page 1 is read on
every crawl, and so is a thread whose marker changed, without the validators of the last
response (`Request.conditional`): boards and caches answer 304 by the newest thread, not
the newest reply, and a 304 there would hide the replies. A later list page remembers,
as ``list:<depth>``, the changed threads it asked for, and the walk goes on past a page
without changes while one of those is still unread, so a failed thread on page 2 is
asked for again on the next crawl even when nothing else changed. `max_threads` applies
per list page, since a pure adapter sees one page at a time.

Identity: each post is keyed by its own permalink (`selectors.permalink_key`), never by the
page it was found on. The body is the post's visible text without quoted replies (the
`quote` selector); the title is the thread's title.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Literal
from urllib.parse import parse_qsl, urldefrag, urlencode

from pydantic import BaseModel, ConfigDict, Field, model_validator
from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor import domain
from monitor.identity import fingerprint
from monitor.phrasebook import problems
from monitor.phrasebook.said import Said
from monitor.sources import engines, presets
from monitor.sources.base import Derived, SourceBase
from monitor.sources.reading import dates, ratings, selectors
from monitor.sources.reading.selectors import Spec

_REQUIRED = ("thread_row", "thread_link", "item", "body", "permalink")


class ForumSelectors(BaseModel):
    """Where things are on a board's pages; each a selector spec (see `sources.selectors`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # List pages: one row per thread.
    thread_row: Spec | None = Field(default=None, description="A thread's row.")
    thread_link: Spec | None = Field(default=None, description="In a row: the thread's URL.")
    thread_title: Spec | None = Field(default=None, description="In a row: its title.")
    thread_marker: Spec | None = Field(
        default=None, description="In a row: what changes when someone posts (reply count…)."
    )
    thread_last_page: Spec | None = Field(
        default=None, description="In a row: links to the thread's pages; the last is used."
    )
    list_next: Spec | None = Field(default=None, description="The list's next page.")
    # Thread pages: one item per post.
    title: Spec | None = Field(default=None, description="The thread's title.")
    item: Spec | None = Field(default=None, description="A post.")
    body: Spec | None = Field(default=None, description="In a post: its message.")
    quote: Spec | None = Field(default=None, description="In a body: quotes, left out.")
    author: Spec | None = None
    date: Spec | None = None
    permalink: Spec | None = Field(default=None, description="In a post: its own URL.")
    rating: Spec | None = None
    thread_prev: Spec | None = Field(default=None, description="The thread's older page.")
    thread_next: Spec | None = Field(default=None, description="The thread's newer page.")
    thread_last: Spec | None = Field(default=None, description="The thread's last page.")


AUTO = "auto"


class ForumSource(SourceBase):
    """A forum board: `url` is a board's (sub-forum's) first list page."""

    type: Literal["forum"]
    preset: str | None = Field(
        default=AUTO,
        description="auto (recognise the engine on each page), phpbb, vbulletin, xenforo, "
        "smf, …, or null for the source's own selectors alone",
    )
    selectors: ForumSelectors = ForumSelectors()
    # Defaults fit the pipeline's page cap per crawl (50) with room for older pages.
    max_list_pages: int = Field(default=2, ge=1, le=50)
    max_threads: int = Field(default=15, ge=1, le=500, description="Per list page.")
    max_pages_per_thread: int = Field(default=3, ge=1, le=100)

    @property
    def auto(self) -> bool:
        """Whether each page picks its preset: `auto`, unless the source's own selectors
        say where every needed thing is (the admin then knows the board better)."""
        return self.preset == AUTO and not _gives_all(self.selectors)

    @cached_property
    def resolved(self) -> ForumSelectors:
        """The named preset's selectors with this source's overrides on top (with `auto`,
        the source's own alone: `selectors_for` the page's engine adds the preset's)."""
        return selectors_with(None if self.preset == AUTO else self.preset, self.selectors)

    @model_validator(mode="after")
    def _complete(self) -> ForumSource:
        if self.preset == AUTO:
            return self  # each page's engine decides; `monitor try` shows which
        if self.preset and presets.load(self.preset).kind != "forum":
            raise problems.invalid("preset_wrong_kind", value=self.preset, kind="forum")
        missing = [name for name in _REQUIRED if getattr(self.resolved, name) is None]
        if missing:
            raise problems.invalid(
                "forum_needs_selectors", missing=", ".join(missing),
                choices=", ".join(presets.names("forum")),
            )  # fmt: skip
        return self


def _gives_all(chosen: ForumSelectors) -> bool:
    return all(getattr(chosen, name) is not None for name in _REQUIRED)


@lru_cache(maxsize=256)
def selectors_with(preset: str | None, overrides: ForumSelectors) -> ForumSelectors:
    """Preset `preset`'s selectors (none if None) with `overrides` on top."""
    return presets.with_overrides(preset, overrides)


@dataclass(frozen=True, slots=True)
class Context:
    """What a request carries along: depth (1 = first page of its kind) and thread facts."""

    depth: int = 1
    thread: str = ""  # the thread's canonical URL: its memory key
    marker: str = ""  # its activity marker on the list page, remembered once it is read
    title: str = ""

    def encode(self) -> str:
        fields = {"depth": str(self.depth), "thread": self.thread, "marker": self.marker,
                  "title": self.title}  # fmt: skip
        return urlencode({k: v for k, v in fields.items() if v})

    @classmethod
    def decode(cls, value: str) -> Context:
        fields = dict(parse_qsl(value))
        depth = fields.get("depth", "1")
        return cls(
            depth=int(depth) if depth.isdigit() else 1,
            thread=fields.get("thread", ""),
            marker=fields.get("marker", ""),
            title=fields.get("title", ""),
        )


def memory_key(thread_url: str) -> str:
    return f"thread:{fingerprint.canonical_url(thread_url)}"


class ForumAdapter:
    def start(self, source: ForumSource, *, derived: Derived) -> list[domain.Request]:
        # Read on every crawl: its validators may follow new threads only, not new replies.
        return [
            domain.Request(url=source.url, kind="list", context=Context().encode(),
                           conditional=False)
        ]  # fmt: skip

    def parse(
        self,
        source: ForumSource,
        response: domain.Response,
        *,
        now: datetime,
        memory: Mapping[str, str],
        derived: Derived,
    ) -> domain.Page:
        tree = selectors.parse_page(response)
        reading = _reading(source, tree, response)
        if reading.chosen is None:
            return _unreadable(source, tree, response, reading)
        page = _page(source, response, tree, reading.chosen, now=now, memory=memory,
                     derived=derived)  # fmt: skip
        notes = (Said("engine_note", reading=reading.said), *page.notes)
        if reading.engine is None:
            return replace(page, notes=notes)
        # A recognised engine is named in every warning: what to change depends on it.
        warned = tuple(Said("with_engine", warning=warning, engine=reading.named)
                       for warning in page.warnings)  # fmt: skip
        if reading.engine.advice:  # read, but another way reads it better: say how
            warned += (Said("engine_advice", url=response.url, engine=reading.engine.name,
                            advice=reading.engine.advice),)  # fmt: skip
        return replace(page, warnings=warned, notes=notes)


@dataclass(frozen=True, slots=True)
class _Reading:
    """How one page is read: its selectors (None: nothing reads it), and why."""

    chosen: ForumSelectors | None
    named: str  # short, for warnings: "preset phpbb", "XenForo 2, preset xenforo"
    said: str  # for `monitor try`: the engine, what showed it, the preset
    engine: engines.Engine | None = None


def _reading(source: ForumSource, tree: LexborHTMLParser, response: domain.Response) -> _Reading:
    if not source.auto:
        if source.preset in (None, AUTO):
            return _Reading(source.resolved, Said("own_selectors"),
                            Said("own_selectors_no_preset"))  # fmt: skip
        written_for = presets.load(source.preset).engine
        named = Said("named_preset", preset=source.preset)
        said = Said("named_preset_for", preset=source.preset, engine=written_for)
        return _Reading(source.resolved, named, said)
    engine = engines.detect(tree, response.content)
    if engine is None or engine.preset is None:
        said = engine.describe() if engine else Said("not_recognised")
        return _Reading(None, Said("no_preset"), said, engine)
    chosen = selectors_with(engine.preset, source.selectors)
    return _Reading(chosen, Said("engine_preset", engine=engine.name, preset=engine.preset),
                    engine.describe(auto=True), engine)  # fmt: skip


def _page(
    source: ForumSource,
    response: domain.Response,
    tree: LexborHTMLParser,
    chosen: ForumSelectors,
    *,
    now: datetime,
    memory: Mapping[str, str],
    derived: Derived,
) -> domain.Page:
    context = Context.decode(response.request.context)
    if response.request.kind == "thread":
        return _thread_page(source, chosen, response, tree, context, now, derived.timezone)
    listed = _list_page(source, chosen, response, tree, context, memory)
    if listed.empty and _holds_posts(chosen, tree):
        # The source names a thread, not a list of threads: read its posts, and say so.
        thread = _thread_page(source, chosen, response, tree, context, now, derived.timezone)
        said = Said("thread_not_list", url=response.url)
        return replace(thread, warnings=(said, *thread.warnings))
    return listed


def _unreadable(
    source: ForumSource, tree: LexborHTMLParser, response: domain.Response, reading: _Reading
) -> domain.Page:
    """A page `preset: auto` has no preset for: a warning that says what the board is, the
    preset that comes closest, and what to do."""
    selectors.check_wall(tree, response, what=Said("wanted_pages"))
    if reading.engine is not None:
        what = Said("unreadable_engine", url=response.url, engine=reading.engine.name,
                    evidence=reading.engine.evidence, advice=reading.engine.advice)  # fmt: skip
    else:
        what = Said("unreadable_unknown", url=response.url)
    closest = closest_preset(tree, response.request.kind, response.content)
    return domain.Page(
        warnings=(Said("then", first=what, then=closest) if closest else what,),
        notes=(Said("engine_note", reading=reading.said),),
        empty=True,
    )


# What `closest_preset` looks for: the parts a page of each kind is read by.
_PARTS = {
    "thread": ("item", "body", "author", "date", "permalink"),
    "list": ("thread_row", "thread_link", "thread_marker"),
}


def closest_preset(tree: LexborHTMLParser, kind: str, content: bytes) -> str:
    """The forum preset whose own selectors find most of a `kind` page's parts here, and
    which of them found nothing: where to start writing selectors ("" if none finds any).
    On a tie, the preset of the engine the page is recognised as comes first."""
    root = tree.root
    if root is None:
        return ""
    parts = _PARTS["thread" if kind == "thread" else "list"]
    best: tuple[int, str, list[str]] = (0, "", [])
    engine = engines.detect(tree, content)
    names = presets.names("forum")
    if engine is not None and engine.preset in names:
        names = [engine.preset, *(name for name in names if name != engine.preset)]
    for name in names:
        chosen = selectors_with(name, ForumSelectors())
        container = chosen.item if parts is _PARTS["thread"] else chosen.thread_row
        # A part is looked for inside the first few posts (rows), where it would be.
        within = (selectors.nodes(root, container) if container else [])[:5]
        found, missing = 0, []
        for part in parts:
            spec = getattr(chosen, part)
            if spec is not None and spec == container:
                hit = bool(within)
            else:
                hit = spec is not None and any(selectors.first(node, spec) for node in within)
            found += hit
            if not hit:
                missing.append(part)
        if found > best[0]:
            best = (found, name, missing)
    found, name, missing = best
    if not name:
        return ""
    if missing:
        return Said("closest_preset_lacking", preset=name, found=found, parts=", ".join(parts),
                    missing=", ".join(missing))  # fmt: skip
    return Said("closest_preset", preset=name, found=found, parts=", ".join(parts))


def _list_page(
    source: ForumSource,
    chosen: ForumSelectors,
    response: domain.Response,
    tree: LexborHTMLParser,
    context: Context,
    memory: Mapping[str, str],
) -> domain.Page:
    # Both are checked when the config is loaded (a preset chosen per page has them).
    assert chosen.thread_row
    assert chosen.thread_link
    root = tree.root
    rows = selectors.nodes(root, chosen.thread_row) if root is not None else []
    if not rows:
        selectors.check_wall(tree, response, what=Said("wanted_threads"))
        said = _matched_nothing("thread_row", chosen.thread_row, tree, response, "list")
        return domain.Page(warnings=(said,), empty=True)
    requests: list[domain.Request] = []
    asked: list[tuple[str, str]] = []  # changed rows with a marker: (memory key, marker)
    for row in rows:
        link = selectors.first(row, chosen.thread_link)
        if not link:
            continue
        thread_url = selectors.absolute(response.url, link)
        key = memory_key(thread_url)
        marker = _marker(row, chosen)
        if marker and memory.get(key) == marker:
            continue  # nothing new since the last crawl
        if marker:
            asked.append((key, marker))
        if len(requests) >= source.max_threads:
            continue  # capped: still listed in `asked`, so a later crawl comes back for it
        pages = selectors.every(row, chosen.thread_last_page) if chosen.thread_last_page else []
        target = selectors.page_url(response.url, pages[-1] if pages else thread_url)
        title = _row_title(row, chosen)
        thread_context = Context(depth=1, thread=key, marker=marker, title=title or "")
        # Its marker says it changed: read it whatever its validators say (they may lag).
        requests.append(domain.Request(target, kind="thread", context=thread_context.encode(),
                                       conditional=not marker))  # fmt: skip
    following = _link(tree, response, chosen.list_next)
    # Boards list threads by last activity: a page without a changed thread ends the walk,
    # unless a later page had one that has not been read since (a failed or capped fetch).
    more = bool(requests) or _unread_further(memory, context.depth, source.max_list_pages)
    if following and more and context.depth < source.max_list_pages:
        next_context = Context(depth=context.depth + 1).encode()
        requests.append(
            domain.Request(following, kind="list", context=next_context, continuation=True)
        )
    # List page 1 is read on every crawl; what later pages asked for is kept for the walk.
    remember = ((_list_key(context.depth), urlencode(asked) or None),) if context.depth > 1 else ()
    return domain.Page(requests=tuple(requests), remember=remember)


def _list_key(depth: int) -> str:
    """The memory key of what list page `depth` asked for on the last crawl that read it."""
    return f"list:{depth}"


def _unread_further(memory: Mapping[str, str], depth: int, last: int) -> bool:
    """Whether a list page after `depth` asked for a thread whose marker was not read since.

    A thread's page remembers the marker it was asked with once it is read; a thread whose
    page failed, or that the per-page cap left out, still differs. (One that moved to
    another page and was read there differs too: the walk then reads that list page once
    more, finds nothing changed on it, and forgets.)
    """
    for later in range(depth + 1, last + 1):
        asked = memory.get(_list_key(later))
        if asked and any(memory.get(key) != marker for key, marker in parse_qsl(asked)):
            return True
    return False


def _thread_page(
    source: ForumSource,
    chosen: ForumSelectors,
    response: domain.Response,
    tree: LexborHTMLParser,
    context: Context,
    now: datetime,
    timezone: str,
) -> domain.Page:
    assert chosen.item  # checked when the config was loaded
    root = tree.root
    items = selectors.nodes(root, chosen.item) if root is not None else []
    if not items:
        selectors.check_wall(tree, response, what=Said("wanted_posts"))
        said = _matched_nothing("item", chosen.item, tree, response, "thread")
        return domain.Page(warnings=(said,), empty=True)
    title = (selectors.first(root, chosen.title) if chosen.title and root else None) or (
        context.title
    )
    reader = _PostReader(source, chosen, response.url, title, now, timezone)
    read: dict[str, domain.Document] = {}
    for item in items:
        document = reader.read(item)
        # One post twice on a page (a board repeating a post's element for an ad in it):
        # the first, which holds its words, is the post.
        if document is not None and (document.key not in read or not read[document.key].text):
            read[document.key] = document
    documents = tuple(read.values())
    if not documents:
        return domain.Page(
            warnings=(Said("items_without_content", spec=repr(chosen.item), count=len(items)),),
            empty=True,
        )  # fmt: skip
    requests = _thread_requests(source, chosen, response, tree, context)
    remember = ((context.thread, context.marker),) if context.thread and context.marker else ()
    return domain.Page(
        documents=documents, requests=requests, warnings=reader.warnings(), remember=remember
    )


def _thread_requests(
    source: ForumSource,
    chosen: ForumSelectors,
    response: domain.Response,
    tree: LexborHTMLParser,
    context: Context,
) -> tuple[domain.Request, ...]:
    newer = _link(tree, response, chosen.thread_next)
    if newer and context.depth == 1:
        # We came in on an early page (the list row did not link the last one): go to the
        # newest page first; this one's posts are already read.
        last = _link(tree, response, chosen.thread_last, last=True) or newer
        return (domain.Request(last, kind="thread", context=context.encode(), conditional=False),)
    older = _link(tree, response, chosen.thread_prev)
    if older and context.depth < source.max_pages_per_thread:
        older_context = replace(context, depth=context.depth + 1, marker="").encode()
        return (domain.Request(older, kind="thread", context=older_context, continuation=True),)
    return ()


class _PostReader:
    """Turns post elements into Documents; counts what it could not read, for one warning."""

    def __init__(
        self, source: ForumSource, chosen: ForumSelectors, page_url: str, title: str,
        now: datetime, timezone: str,
    ) -> None:  # fmt: skip
        self.source, self.page_url, self.title, self.now = source, page_url, title, now
        self.timezone = timezone  # for dates written without one
        self.chosen = chosen
        assert chosen.body
        assert chosen.permalink
        # Compiled once per page, applied to every post.
        self.author = selectors.compile_spec(chosen.author) if chosen.author else None
        self.date = selectors.compile_spec(chosen.date) if chosen.date else None
        self.rating = selectors.compile_spec(chosen.rating) if chosen.rating else None
        self.body = selectors.compile_spec(chosen.body)
        self.permalink = selectors.compile_spec(chosen.permalink)
        self.languages = _languages(source.language)
        self.bad_dates: list[str] = []
        self.dated = self.undated = 0  # posts whose date was looked for; found nothing
        self.unlinked = 0

    def read(self, item: LexborNode) -> domain.Document | None:
        """The post `item` holds; None for an element dressed as a post that holds none
        (an ad slot between posts, a placeholder): no text, and no link or no date."""
        body_node = self.body.first_node(item)
        body = selectors.body_text(body_node, self.chosen.quote) if body_node is not None else ""
        link = self.permalink.first(item) or _anchor_before(item)
        if not body and not (link and self.date and self.date.first(item)):
            # No words, and not both a link and a date of its own: an ad slot dressed as
            # a post (boards give it a date, "today", an author, "Publicité", or an id of
            # its own), not a post. (One that copies a post's id is dropped as its double.)
            return None
        author = self.author.first(item) if self.author else None
        published, by_day = self._date(item)
        rating_text = self.rating.first(item) if self.rating else None
        url = selectors.absolute(self.page_url, link) if link else None
        if url:
            key = selectors.permalink_key(url)
        else:
            self.unlinked += 1
            stamp = published.isoformat() if published else ""
            key = fingerprint.document_key(
                link=None, guid=None, fallback=(self.source.name, self.title, author or "",
                                                stamp, body),
            )  # fmt: skip
        return domain.Document(
            key=key,
            url=url or self.page_url,
            title=self.title,
            text=body,
            author=author,
            published_at=published,
            rating=ratings.from_text(rating_text) if rating_text else None,
            language=self.source.language,
            dated_by_day=by_day,
        )

    def _date(self, item: LexborNode) -> tuple[datetime | None, bool]:
        """The post's date, and whether it names only a day."""
        if not self.date:
            return None, False
        self.dated += 1
        written = self.date.first(item)
        if not written:
            self.undated += 1
            return None, False
        found = dates.parse(written, now=self.now, timezone=self.timezone, languages=self.languages)
        if found is None:
            self.bad_dates.append(written)
            return None, False
        return found, dates.day_only(written)

    def warnings(self) -> tuple[str, ...]:
        found = []
        if self.bad_dates:
            found.append(date_warning(self.bad_dates))
        if self.dated and self.undated == self.dated:
            # Every post: the selector misses this board's markup (a style that writes
            # the date as text, not in <time datetime>), not a post without a date.
            found.append(Said("no_date_in_any_post", spec=repr(self.chosen.date)))
        if self.unlinked:
            found.append(Said("posts_without_permalink", count=self.unlinked,
                              spec=repr(self.chosen.permalink)))  # fmt: skip
        return tuple(found)


def _anchor_before(item: LexborNode) -> str | None:
    """A link to the empty anchor right before a post (`<a name="post123"></a>`, `<span
    id="antwort_1">`), which many boards give instead of a link of the post's own."""
    node = item.prev
    while (
        node is not None
        and node.tag in ("-text", "-comment")
        and not (node.text(deep=False).strip())
    ):
        node = node.prev
    if node is None or node.tag == "-text" or node.text(deep=True).strip():
        return None
    name = node.attrs.get("id") or node.attrs.get("name")
    return f"#{name.strip()}" if name and name.strip() else None


def date_warning(unreadable: list[str]) -> str:
    """One stable warning for a page's unreadable dates (the pipeline dedups by text)."""
    return Said("dates_unreadable", count=len(unreadable), example=repr(unreadable[0][:60]))


def _languages(language: str | None) -> tuple[str, ...]:
    # English too: engines write relative dates ("2 hours ago") in English by default.
    return tuple(dict.fromkeys((language, "en"))) if language else dates.DEFAULT_LANGUAGES


def _marker(row: LexborNode, chosen: ForumSelectors) -> str:
    if not chosen.thread_marker:
        return ""
    # A marker that is a link may carry a session id, new on every crawl.
    return selectors.without_session(selectors.first(row, chosen.thread_marker) or "")


def _row_title(row: LexborNode, chosen: ForumSelectors) -> str | None:
    if chosen.thread_title:
        return selectors.first(row, chosen.thread_title)
    assert chosen.thread_link
    links = selectors.nodes(row, chosen.thread_link)
    return selectors.inline_text(links[0]) if links else None


def _link(
    tree: LexborHTMLParser, response: domain.Response, spec: str | None, *, last: bool = False
) -> str | None:
    if not spec or tree.root is None:
        return None
    if last:
        values = selectors.every(tree.root, spec)
        link = values[-1] if values else None
    else:
        # The first match ends the search: pagination sits at the top of a page, and
        # walking the rest of the tree cost more than reading a post.
        link = selectors.first(tree.root, spec)
    if not link:
        return None
    found = selectors.page_url(response.url, link)
    return found if found != urldefrag(response.url).url else None


def _holds_posts(chosen: ForumSelectors, tree: LexborHTMLParser) -> bool:
    root, item = tree.root, chosen.item
    return root is not None and item is not None and bool(selectors.nodes(root, item))


def _matched_nothing(
    field: str, spec: str, tree: LexborHTMLParser, response: domain.Response, kind: str
) -> str:
    said = Said("matched_nothing", url=response.url, field=field, spec=repr(spec))
    closest = closest_preset(tree, kind, response.content)
    return Said("then", first=said, then=closest) if closest else said


ADAPTER = ForumAdapter()
