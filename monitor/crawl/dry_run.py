"""`monitor try`: what a source would yield right now, stored nowhere.

It walks the source exactly as a crawl does (same fetcher, adapter, bounds), but with no
history, so every page is fetched and every item is new; then it matches the brands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from monitor import domain, fetch, query, sources
from monitor.crawl import health, walk
from monitor.errors import FetchError, SourceError
from monitor.phrasebook.said import Said


@dataclass(frozen=True)
class Tried:
    source: str
    walked: walk.Walked | None
    matches: list[tuple[domain.Document, list[domain.Match]]] = field(default_factory=list)
    error: str | None = None
    # Why it failed, as the admins' mail would say it: trouble, HTTP status, the URL.
    told: tuple[domain.Trouble | None, int | None, str | None] = (None, None, None)


async def try_source(
    fetcher: fetch.Fetcher,
    source: sources.SourceBase,
    matcher: query.Matcher | None,
    *,
    derived: sources.Derived,
    now: datetime,
    max_pages: int = walk.MAX_PAGES_PER_CRAWL,
) -> Tried:
    try:
        walked = await walk.walk(
            fetcher, source, derived=derived, now=now, history=walk.NoHistory(),
            max_pages=max_pages,
        )  # fmt: skip
    except (FetchError, SourceError) as error:
        # A page that is not what the source expects says so as a Said: keep it, to be
        # said in the reader's language.
        detail = error.args[0] if error.args and isinstance(error.args[0], Said) else str(error)
        return Tried(source.name, None, error=detail, told=health.failed(error).told)
    found = []
    if matcher is not None:
        found = [(d, hits) for d in walked.documents if (hits := matcher.match(d))]
    return Tried(source.name, walked, found)
