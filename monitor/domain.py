"""The nouns every layer shares: frozen values, no behaviour beyond small derived views.

Nothing here does I/O or reads the clock; timestamps are passed in (always timezone-aware,
in UTC unless a field says otherwise).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

# States and kinds: one enum each, shared by the logic and the store (which keeps the
# values as plain strings, see store.schema.EnumText). Being str, each compares equal to
# its value, so logs, metrics labels and templates see "sent", not "OutboxStatus.SENT".


class HealthState(StrEnum):
    """A source's health (see crawl.health for the moves between them)."""

    OK = "ok"
    FAILING = "failing"
    BROKEN = "broken"


@dataclass(frozen=True, slots=True)
class Health:
    """Where a source stands (see crawl.health for how a crawl moves it)."""

    state: HealthState
    reason: str | None = None
    consecutive_failures: int = 0


class Trouble(StrEnum):
    """What went wrong with a source, as its admins are told (each a sentence of the mail
    catalogue, so a German mail says it in German): never the exception text itself."""

    UNREACHABLE = "unreachable"  # no connection: refused, unknown name, connect timed out
    TIMEOUT = "timeout"  # connected, but the answer did not come in time
    STATUS = "status"  # an HTTP error status
    ROBOTS = "robots"
    BLOCKED = "blocked"  # a non-public address not in MONITOR_ALLOW_HOSTS
    TOO_LARGE = "too_large"
    CHALLENGE = "challenge"  # a bot challenge instead of the page
    WRONG_CONTENT = "wrong_content"  # HTML for a feed, a login wall, markup that changed
    EMPTY_PAGES = "empty_pages"  # pages that used to yield items yield none
    FETCH = "fetch"  # any other failure to fetch
    INTERNAL = "internal"  # a bug: the log has the traceback


class HealthEvent(StrEnum):
    """The two health changes the admins are told about."""

    ATTENTION = "attention"
    RECOVERED = "recovered"


class MessageKind(StrEnum):
    """What an outbox row carries."""

    IMMEDIATE = "immediate"
    DIGEST = "digest"
    HEALTH = "health"


class OutboxStatus(StrEnum):
    """Where an outbox row is: waiting (or being retried), delivered, or given up on."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Urgency(StrEnum):
    """Why an immediate rule fired for a mention: the mail's subject says which."""

    RATING = "rating"
    CRISIS = "crisis"
    MENTION = "mention"


class NameKind(StrEnum):
    """The names whose first appearance is remembered (store.names)."""

    BRAND = "brand"
    ALERT = "alert"


@dataclass(frozen=True, slots=True)
class Request:
    """A page an adapter wants fetched.

    `kind` is the adapter's own tag (``"feed"``, ``"list"``, ``"thread"``…) so that it knows,
    when the response comes back, what the page is; `context` carries one small string of
    adapter state along (for example the thread title a thread page belongs to).
    A `continuation` (the next page of a list, an older page of a thread) is only worth
    fetching if the page that named it held something new: the pipeline drops it when
    every document on that page was already stored.
    A request that is not `conditional` is sent without the validators of the last
    response: the adapter knows the page changed or must be read (a forum's list page, a
    thread its list marks as changed), and a 304 would only hide what it needs.
    """

    url: str
    kind: str = "page"
    context: str = ""
    continuation: bool = False
    conditional: bool = True


@dataclass(frozen=True, slots=True)
class Response:
    """What `fetch` hands back for a Request: the final URL after redirects and the body."""

    request: Request
    url: str
    status: int
    content: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    not_modified: bool = False

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        """The charset the server declared in Content-Type, if any."""
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.partition("=")
            if name.strip().lower() == "charset" and value.strip():
                return value.strip().strip('"').lower()
        return None


class Document(NamedTuple):
    """One thing a person wrote: a forum post, a review, a feed entry.

    `key` is its identity across crawls, pages and replicas (the canonical permalink, else
    the guid, else a content hash); `url` is where a reader goes to see it. `text` is the
    visible text, HTML already stripped. `rating` is normalised to 0-5 stars.
    `dated_by_day` says the item names only a day ("01.12.2026"): `published_at` is that
    day's midnight in the source's time zone, and it is compared as a day, not a moment.
    `full_length` is the item's length in characters (title and text) before the crawl cut
    it to the bounds it stores and matches (see crawl.walk), None when it was not cut.

    A named tuple rather than a frozen dataclass, as immutable: adapters build one per
    post, and a frozen dataclass's __init__ costs three times as much (bench/extract.py).
    """

    key: str
    url: str
    title: str
    text: str
    author: str | None = None
    published_at: datetime | None = None
    rating: float | None = None
    language: str | None = None
    dated_by_day: bool = False
    full_length: int | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """What an adapter makes of one response: documents and the next pages to fetch.

    `remember` holds (key, value) pairs the adapter wants back on the next crawl of the
    same source, in `memory` (for example a thread's reply count, so an unchanged thread
    is not fetched again). A value of None forgets the key. `empty` says the page should
    have held items (entries, thread rows, posts, reviews) and held none: a sign the site
    changed its markup when the source used to yield items. `notes` say how the page was
    read (the engine recognised, the preset used), for a person trying the source; unlike
    warnings they are no sign of trouble.
    """

    documents: tuple[Document, ...] = ()
    requests: tuple[Request, ...] = ()
    warnings: tuple[str, ...] = ()
    remember: tuple[tuple[str, str | None], ...] = ()
    empty: bool = False
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Snippet:
    """A short excerpt of a document with the matched words marked.

    Marks are (start, end) character offsets into `text`, sorted and not overlapping. The
    text stays plain: templates escape it and wrap marked spans, so nothing from the page is
    ever rendered as markup.
    """

    text: str
    marks: tuple[tuple[int, int], ...] = ()

    def segments(self) -> Iterator[tuple[str, bool]]:
        """The text cut into (piece, is_marked) runs, in order."""
        position = 0
        for start, end in self.marks:
            if start > position:
                yield self.text[position:start], False
            yield self.text[start:end], True
            position = end
        if position < len(self.text):
            yield self.text[position:], False


class Match:
    """A brand found in a document: which of the query's terms hit, and where.

    `snippet` may be given as a function that cuts it: it is then cut on first use, since
    cutting costs more than finding the match and most matches never need one (a mention
    stored before, a crisis word checked for urgency, a dry run counting). Compares by
    value, like the frozen dataclasses around it.
    """

    __slots__ = ("_cut", "_snippet", "brand", "terms")

    def __init__(
        self, brand: str, terms: tuple[str, ...], snippet: Snippet | Callable[[], Snippet]
    ) -> None:
        self.brand = brand
        self.terms = terms
        self._snippet: Snippet | None = snippet if isinstance(snippet, Snippet) else None
        self._cut: Callable[[], Snippet] | None = None if isinstance(snippet, Snippet) else snippet

    @property
    def snippet(self) -> Snippet:
        if self._snippet is None:
            assert self._cut is not None  # one of the two is always set
            self._snippet, self._cut = self._cut(), None  # the function holds the document
        return self._snippet

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Match):
            return NotImplemented
        return (self.brand, self.terms, self.snippet) == (other.brand, other.terms, other.snippet)

    def __hash__(self) -> int:
        return hash((self.brand, self.terms))

    def __repr__(self) -> str:
        return f"Match(brand={self.brand!r}, terms={self.terms!r}, snippet={self.snippet!r})"


@dataclass(frozen=True, slots=True)
class StoredMention:
    """A stored mention with what a reader needs to see it: the document and its source."""

    id: int
    brand: str
    title: str
    url: str
    source: str
    author: str | None
    published_at: datetime | None
    created_at: datetime
    rating: float | None
    snippet: Snippet
    terms: tuple[str, ...]
    # Other places the same story was seen: (source name, url), oldest first.
    also_seen: tuple[tuple[str, str], ...] = ()

    @property
    def reference(self) -> str:
        """The short stable ID people quote, like a ticket number."""
        return f"M-{self.id}"

    @property
    def shown_at(self) -> datetime:
        return self.published_at or self.created_at
