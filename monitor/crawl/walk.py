"""One walk over a source's pages: start → fetch → parse → follow, within the bounds.

The same walk serves a real crawl (with the source's history from the database: memory,
HTTP validators, items seen before) and a dry run (`monitor try`, with no history and
nothing stored). The history is passed in, so this module touches no database itself.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit

from monitor import domain, fetch, sources, text
from monitor.errors import FetchError
from monitor.identity import fingerprint
from monitor.phrasebook.said import Said

MAX_PAGES_PER_CRAWL = 50
# Pages a walk found but had no budget left for are kept in the source's memory under
# this key (no adapter's key starts with "~") and read by the next crawls, after the
# pages fresh news points to: a large board is read through over a few intervals.
BACKLOG_KEY = "~backlog"
MAX_BACKLOG = 2000
# Pages asked for at once by one walk (see `walk`).
WINDOW = 4


class History(Protocol):
    """What earlier crawls of this source left behind."""

    async def memory(self) -> Mapping[str, str]: ...

    async def validators(self, url: str) -> tuple[str | None, str | None]: ...

    async def known(self, keys: Iterable[str]) -> set[str]: ...


class NoHistory:
    """A source seen for the first time: nothing remembered, nothing known."""

    async def memory(self) -> Mapping[str, str]:
        return {}

    async def validators(self, url: str) -> tuple[str | None, str | None]:
        return None, None

    async def known(self, keys: Iterable[str]) -> set[str]:
        return set()


@dataclass(frozen=True, slots=True)
class Visit:
    """One page fetched: what it was, what came back, what it held."""

    url: str
    kind: str
    status: int
    items: int
    followed: int


@dataclass
class Walked:
    """Everything one walk fetched and parsed, before it is matched and stored."""

    documents: list[domain.Document] = field(default_factory=list)
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    remember: dict[str, str | None] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how pages were read, once each
    visits: list[Visit] = field(default_factory=list)
    empty_pages: list[str] = field(default_factory=list)
    backlog: int = 0  # pages found and left for the next crawl (the budget was spent)

    @property
    def pages(self) -> int:
        return len(self.visits)

    @property
    def not_modified(self) -> int:
        return sum(1 for visit in self.visits if visit.status == 304)


# What one item may hold, as stored, matched and mailed: a longer one is cut there, with
# CUT at its end, a warning naming how long it was and that length kept with the document
# (a 4 MB "post" is a dump, not a post).
MAX_TITLE_CHARS = 1_000
MAX_TEXT_CHARS = 200_000
CUT = " […]"


def _printable(document: domain.Document, warnings: list[str]) -> domain.Document:
    author = text.printable(document.author)[:MAX_TITLE_CHARS] if document.author else None
    title, body = text.printable(document.title), text.printable(document.text)
    if len(title) > MAX_TITLE_CHARS or len(body) > MAX_TEXT_CHARS:
        warnings.append(Said(
            "item_cut", url=document.url, length=f"{len(body):,}", title=f"{len(title):,}",
            limit=f"{MAX_TEXT_CHARS:,}", title_limit=f"{MAX_TITLE_CHARS:,}",
        ))  # fmt: skip
        full_length = len(title) + len(body)
        if len(title) > MAX_TITLE_CHARS:
            title = title[:MAX_TITLE_CHARS] + CUT
        if len(body) > MAX_TEXT_CHARS:
            body = body[:MAX_TEXT_CHARS] + CUT
        return document._replace(title=title, text=body, author=author, full_length=full_length)
    return document._replace(title=title, text=body, author=author)


async def walk(
    fetcher: fetch.Fetcher,
    source: sources.SourceBase,
    *,
    derived: sources.Derived,
    now: datetime,
    history: History,
    max_pages: int = MAX_PAGES_PER_CRAWL,
) -> Walked:
    """Fetch and parse the source's pages, breadth first, at most `max_pages` of them;
    then the pages left from the last walk (its backlog), and what is still unread at the
    end is the next walk's backlog (`Walked.backlog`, kept with `Walked.remember`).

    Raises FetchError when a start page cannot be fetched, and SourceError when any page
    is not what the source expects (a login wall, an HTML page for a feed): then the
    crawl is a failure and nothing of it is stored. A follow-up page that cannot be
    fetched (a deleted thread) is only a warning; the adapter was not told it was read,
    so it is asked for again next crawl.
    """
    adapter = sources.adapter_for(source)
    host = urlsplit(source.url).hostname
    board = fingerprint.board_host(source.url)
    aliases_seen: set[str] = set()
    stored = await history.memory()
    memory = {key: value for key, value in stored.items() if key != BACKLOG_KEY}
    queue = list(adapter.start(source, derived=derived))
    starts = {request.url for request in queue}
    left = _backlog(stored.get(BACKLOG_KEY))
    fetched: set[str] = set()
    walked = Walked()

    async def get(request: domain.Request) -> domain.Response | FetchError:
        etag, last_modified = (
            await history.validators(request.url) if request.conditional else (None, None)
        )
        try:
            return await fetch.fetch(fetcher, request, etag=etag, last_modified=last_modified)
        except FetchError as error:
            return error

    async def read(request: domain.Request, answer: domain.Response | FetchError) -> None:
        if isinstance(answer, FetchError):
            if request.url in starts:
                raise answer
            walked.warnings.append(Said("skipped_page", kind=request.kind, reason=str(answer)))
            walked.visits.append(Visit(request.url, request.kind, answer.status or 0, 0, 0))
            return
        if answer.not_modified:
            walked.visits.append(Visit(request.url, request.kind, 304, 0, 0))
            return
        page = adapter.parse(source, answer, now=now, memory=memory, derived=derived)
        # What strangers wrote is stored and shown without control characters, whichever
        # adapter read it (they would act in a terminal, a log line or a mail header), and
        # within the size bounds.
        walked.documents.extend(
            _printable(document, walked.warnings) for document in page.documents
        )
        walked.warnings.extend(page.warnings)
        walked.notes.extend(note for note in page.notes if note not in walked.notes)
        walked.remember.update(page.remember)
        if page.empty:
            walked.empty_pages.append(request.url)
        walked.validators[request.url] = (
            answer.headers.get("etag"), answer.headers.get("last-modified")
        )  # fmt: skip
        # Links taken from a page stay on the source's own board (its www. alias included).
        follow = [r for r in page.requests if fingerprint.board_host(r.url) == board]
        aliases = {urlsplit(r.url).hostname for r in follow} - {host, *aliases_seen}
        for alias in sorted(a for a in aliases if a):
            aliases_seen.add(alias)
            walked.warnings.append(Said("alias_host", alias=alias, host=host))
        if page.documents and any(r.continuation for r in follow):
            keys = {d.key for d in page.documents}
            if len(await history.known(keys)) == len(keys):
                # Nothing new on this page: its older pages hold nothing new either.
                follow = [r for r in follow if not r.continuation]
        walked.visits.append(
            Visit(request.url, request.kind, answer.status, len(page.documents), len(follow))
        )
        queue.extend(follow)

    # Up to WINDOW pages are fetched at once (the host's politeness slots still decide how
    # many are on the wire); they are read in the order they were asked for, so a walk
    # reads the same pages in the same order however fast each answers.
    pending: deque[tuple[domain.Request, asyncio.Task[domain.Response | FetchError]]] = deque()

    def ask_more() -> None:
        while len(pending) < WINDOW and len(fetched) < max_pages and (queue or left):
            request = queue.pop(0) if queue else left.pop(0)
            if request.url not in fetched:
                fetched.add(request.url)
                pending.append((request, asyncio.ensure_future(get(request))))

    try:
        ask_more()
        while pending:
            request, task = pending.popleft()
            await read(request, await task)
            ask_more()
    finally:
        for _, task in pending:
            task.cancel()
        await asyncio.gather(*(task for _, task in pending), return_exceptions=True)
    unread = list({r.url: r for r in [*queue, *left] if r.url not in fetched}.values())
    walked.backlog = min(len(unread), MAX_BACKLOG)
    if unread or BACKLOG_KEY in stored:
        walked.remember[BACKLOG_KEY] = _backlog_text(unread[:MAX_BACKLOG]) if unread else None
    return walked


def backlog_size(stored: str | None) -> int:
    """How many pages a source's stored backlog holds (see BACKLOG_KEY)."""
    return len(_backlog(stored))


def _backlog(stored: str | None) -> list[domain.Request]:
    """The requests a backlog text holds; nothing for a missing or unreadable one."""
    if not stored:
        return []
    try:
        rows = json.loads(stored)
        return [domain.Request(url, kind, context, bool(continuation), bool(conditional))
                for url, kind, context, continuation, conditional in rows]  # fmt: skip
    except (ValueError, TypeError):
        return []  # written by another version: the walk finds those pages again


def _backlog_text(requests: list[domain.Request]) -> str:
    return json.dumps(
        [[r.url, r.kind, r.context, r.continuation, r.conditional] for r in requests],
        ensure_ascii=False,
    )
