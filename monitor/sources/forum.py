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
from functools import cached_property
from typing import Literal
from urllib.parse import parse_qsl, urldefrag, urlencode

from pydantic import BaseModel, ConfigDict, Field, model_validator
from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor import domain
from monitor.identity import fingerprint
from monitor.sources import presets
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


class ForumSource(SourceBase):
    """A forum board: `url` is a board's (sub-forum's) first list page."""

    type: Literal["forum"]
    preset: str | None = Field(default=None, description="phpbb, vbulletin, xenforo, smf, …")
    selectors: ForumSelectors = ForumSelectors()
    # Defaults fit the pipeline's page cap per crawl (50) with room for older pages.
    max_list_pages: int = Field(default=2, ge=1, le=50)
    max_threads: int = Field(default=15, ge=1, le=500, description="Per list page.")
    max_pages_per_thread: int = Field(default=3, ge=1, le=100)

    @cached_property
    def resolved(self) -> ForumSelectors:
        """The preset's selectors with this source's overrides on top."""
        return presets.with_overrides(self.preset, self.selectors)

    @model_validator(mode="after")
    def _complete(self) -> ForumSource:
        if self.preset and presets.load(self.preset).kind != "forum":
            raise ValueError(f"preset {self.preset!r} is not a forum preset")
        missing = [name for name in _REQUIRED if getattr(self.resolved, name) is None]
        if missing:
            raise ValueError(
                f"selectors {', '.join(missing)} are needed: name a preset "
                f"({', '.join(presets.names('forum'))}) or give them under selectors"
            )
        return self


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
        context = Context.decode(response.request.context)
        if response.request.kind == "thread":
            return _thread_page(source, response, tree, context, now, derived.timezone)
        listed = _list_page(source, response, tree, context, memory)
        if listed.empty and _holds_posts(source, tree):
            # The source names a thread, not a list of threads: read its posts, and say so.
            thread = _thread_page(source, response, tree, context, now, derived.timezone)
            said = (
                f"{response.url} is a thread, not a list of threads: its posts are read, "
                "but no new thread of the board is; give the board's list page (the forum "
                "that lists the threads) as the source URL"
            )
            return replace(thread, warnings=(said, *thread.warnings))
        return listed


def _list_page(
    source: ForumSource,
    response: domain.Response,
    tree: LexborHTMLParser,
    context: Context,
    memory: Mapping[str, str],
) -> domain.Page:
    chosen = source.resolved
    # Both are checked when the config is loaded.
    assert chosen.thread_row
    assert chosen.thread_link
    root = tree.root
    rows = selectors.nodes(root, chosen.thread_row) if root is not None else []
    if not rows:
        selectors.check_wall(tree, response, what="a list of threads")
        return domain.Page(
            warnings=(_matched_nothing("thread_row", chosen.thread_row),), empty=True
        )
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
    response: domain.Response,
    tree: LexborHTMLParser,
    context: Context,
    now: datetime,
    timezone: str,
) -> domain.Page:
    chosen = source.resolved
    assert chosen.item  # checked when the config was loaded
    root = tree.root
    items = selectors.nodes(root, chosen.item) if root is not None else []
    if not items:
        selectors.check_wall(tree, response, what="posts")
        return domain.Page(warnings=(_matched_nothing("item", chosen.item),), empty=True)
    title = (selectors.first(root, chosen.title) if chosen.title and root else None) or (
        context.title
    )
    reader = _PostReader(source, response.url, title, now, timezone)
    documents = tuple(document for item in items if (document := reader.read(item)))
    if not documents:
        return domain.Page(
            warnings=(
                f"selector item ({chosen.item!r}) matched {len(items)} elements, none with a "
                "text, a date or a link of its own: the body, date and permalink selectors "
                "miss this page",
            ),
            empty=True,
        )  # fmt: skip
    requests = _thread_requests(source, response, tree, context)
    remember = ((context.thread, context.marker),) if context.thread and context.marker else ()
    return domain.Page(
        documents=documents, requests=requests, warnings=reader.warnings(), remember=remember
    )


def _thread_requests(
    source: ForumSource, response: domain.Response, tree: LexborHTMLParser, context: Context
) -> tuple[domain.Request, ...]:
    chosen = source.resolved
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
        self, source: ForumSource, page_url: str, title: str, now: datetime, timezone: str
    ) -> None:
        self.source, self.page_url, self.title, self.now = source, page_url, title, now
        self.timezone = timezone  # for dates written without one
        self.chosen = chosen = source.resolved
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
        (an ad slot between posts, a placeholder): no text, no date, no link of its own."""
        body_node = self.body.first_node(item)
        body = selectors.body_text(body_node, self.chosen.quote) if body_node is not None else ""
        link = self.permalink.first(item)
        if not body and not link and not (self.date and self.date.first(item)):
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
            found.append(
                f"selector date ({self.chosen.date!r}) found no date in any post, so "
                "first-seen times stand in; point selectors.date at where this board "
                "writes it (phpBB styles that write it as text: 'p.author time')"
            )
        if self.unlinked:
            found.append(
                f"{self.unlinked} posts had no permalink (selector {self.chosen.permalink!r}); "
                "they are keyed by their text, so an edit makes them new"
            )
        return tuple(found)


def date_warning(unreadable: list[str]) -> str:
    """One stable warning for a page's unreadable dates (the pipeline dedups by text)."""
    return f"{len(unreadable)} dates could not be read, e.g. {unreadable[0][:60]!r}"


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


def _holds_posts(source: ForumSource, tree: LexborHTMLParser) -> bool:
    root, item = tree.root, source.resolved.item
    return root is not None and item is not None and bool(selectors.nodes(root, item))


def _matched_nothing(field: str, spec: str) -> str:
    return f"selector {field} ({spec!r}) matched nothing on a page that is not a login wall"


ADAPTER = ForumAdapter()
