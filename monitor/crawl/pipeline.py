"""One crawl of one source: fetch, parse, match, store. The clock is read by the caller.

    walk.walk(...)        start → fetch → parse → follow, with the source's history
    documents -> matching -> store.mentions.save() + immediate alerts, in one transaction
                             with the crawl state

A source's failure is recorded on the source and returned, never raised: one broken
source must not stop the others.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy.exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from monitor import domain, fetch, query, sources, text
from monitor.alerting import immediate, urgency
from monitor.config import sources_yaml
from monitor.crawl import health, lease, walk
from monitor.domain import NameKind
from monitor.errors import ChallengeError, FetchError, LeaseLost, SourceError
from monitor.store import db, mentions, names, seen
from monitor.store import sources as stored_sources
from monitor.telemetry import metrics

log = logging.getLogger(__name__)

# Crawls one process runs at once. Each holds at most two database connections at a time
# (its transaction, its lease's heartbeat); the rest of the pool is left for the sender,
# digests and /healthz. The others wait for a slot, not for the pool.
CRAWLS_AT_ONCE = (db.CONNECTIONS - 8) // 2
# After a scheduled crawl the source stays claimed for this share of its interval: long
# enough that other replicas skip this interval, short enough that the next tick is free.
HOLD_SHARE = 0.8


@dataclass(frozen=True, slots=True)
class CrawlResult:
    source: str
    items: int = 0
    new_mentions: tuple[int, ...] = ()
    pages: int = 0
    not_modified: int = 0
    error: str | None = None
    skipped: bool = False
    # For a skipped crawl: the process that holds the source, and until when.
    held_by: str | None = None
    held_until: datetime | None = None
    warnings: tuple[str, ...] = field(default=())
    # Why it failed, as the admins' mail says it: trouble, HTTP status, the URL.
    told: tuple[domain.Trouble | None, int | None, str | None] = (None, None, None)
    backlog: int = 0  # pages found and left for the next crawl: the page budget was spent


@dataclass(frozen=True, slots=True)
class Crawler:
    """What a crawl needs that outlives it: config, compiled brands, fetcher, database."""

    config: sources_yaml.Config
    matcher: query.Matcher
    fetcher: fetch.Fetcher
    sessions: async_sessionmaker[AsyncSession]
    rules: tuple[urgency.Rule, ...] = ()
    sender: str = "monitor <monitor@localhost>"
    # How a crawl holds its source (a claim with a token, renewed by a heartbeat).
    timing: lease.Timing = field(default_factory=lease.Timing)
    # Called once a crawl has committed mails to send at once (an urgent mention, a
    # source's health): the service's sender wakes instead of waiting for its tick.
    queued: Callable[[], None] = field(default=lambda: None, compare=False)
    # Shared by every crawl of this process (`CRAWLS_AT_ONCE`).
    slots: asyncio.Semaphore = field(
        default_factory=lambda: asyncio.Semaphore(CRAWLS_AT_ONCE), compare=False
    )
    # Named in the lease this process takes, for a crawl elsewhere that skips the source.
    holder: str = field(default_factory=lambda: f"{socket.gethostname()} (pid {os.getpid()})")
    # Per source: the kinds of warning its last crawl logged (`_log_warnings`).
    warned: dict[str, frozenset[str]] = field(default_factory=dict, compare=False)

    @classmethod
    def build(
        cls,
        config: sources_yaml.Config,
        fetcher: fetch.Fetcher,
        sessions: async_sessionmaker[AsyncSession],
        *,
        sender: str = "monitor <monitor@localhost>",
    ) -> Crawler:
        matcher = query.compile([brand.to_query() for brand in config.brands])
        return cls(config, matcher, fetcher, sessions, immediate.rules(config), sender)


async def poll_source(
    crawler: Crawler,
    source: sources.SourceBase,
    *,
    now: datetime,
    interval: timedelta | None = None,
    force: bool = False,
) -> CrawlResult:
    """Crawl `source` once, if no other worker is crawling it (with `force`, even then:
    `monitor crawl --force` after a process died holding it). See the module docstring.

    With `interval` (the scheduler's), the source stays claimed for most of it after the
    crawl, so replicas whose timers tick later in the same interval skip it: each source
    is crawled once per interval however many replicas run. Without (`monitor crawl`),
    the claim ends with the crawl.
    """
    queued_at = time.monotonic()
    async with crawler.slots:
        # `now` was read when the crawl was asked for; it starts after its wait for a slot
        # (in whole seconds: a lease or hold computed from a stale `now` would end early).
        waited = timedelta(seconds=int(time.monotonic() - queued_at))
        return await _poll(crawler, source, now=now + waited, interval=interval, force=force)


async def _poll(
    crawler: Crawler,
    source: sources.SourceBase,
    *,
    now: datetime,
    interval: timedelta | None,
    force: bool,
) -> CrawlResult:
    hold_until = now + interval * HOLD_SHARE if interval is not None else None
    try:
        claim = await _claim(crawler, source, now=now, hold_until=hold_until, force=force)
    except Exception as error:  # the database, before anything was taken
        log.exception("crawl not started", extra=_event("crawl_crashed", source))
        return CrawlResult(source.name, error=f"database: {type(error).__name__}: {error}")
    if isinstance(claim, tuple):
        log.info("source is being crawled elsewhere", extra=_event("crawl_skipped", source))
        held_by, held_until = claim
        return CrawlResult(source.name, skipped=True, held_by=held_by, held_until=held_until)
    try:
        return await _crawl(crawler, source, claim, now=now)
    except asyncio.CancelledError:
        # Shutting down: hand the source back at once instead of leaving it leased.
        await asyncio.shield(_release(crawler, claim))
        raise
    except LeaseLost as lost:
        # Another worker crawls the source now: its crawl is the one that is stored.
        log.warning("crawl not stored: %s", lost, extra=_event("crawl_lease_lost", source))
        return CrawlResult(source.name, error=f"not stored: {lost}")
    except sqlalchemy.exc.DBAPIError as error:
        # A deadlock or a lost connection: nothing of this crawl was stored; the next one
        # does it again.
        log.exception("crawl not stored", extra=_event("crawl_store_failed", source))
        await _release_quietly(crawler, claim)
        return CrawlResult(source.name, error=f"database: {type(error.orig).__name__}")
    except Exception as error:
        # Anything else (the connection pool exhausted, a bug): this source's error, never
        # the whole run's; the other sources go on, and the summary reports this one.
        log.exception("crawl failed inside monitor", extra=_event("crawl_crashed", source))
        await _release_quietly(crawler, claim)
        return CrawlResult(source.name, error=f"internal error: {type(error).__name__}: {error}")


@dataclass(frozen=True, slots=True)
class _Claim:
    source_id: int
    token: str  # whose claim it is: every later write of the crawl state names it
    first_crawl: bool
    last_success_at: datetime | None
    before: _Before
    hold_until: datetime | None


async def _claim(
    crawler: Crawler,
    source: sources.SourceBase,
    *,
    now: datetime,
    hold_until: datetime | None,
    force: bool = False,
) -> _Claim | tuple[str | None, datetime | None]:
    """The claim on `source`, or who holds it and until when."""
    async with db.transaction(crawler.sessions) as session:
        row = await stored_sources.ensure(
            session, name=source.name, type=source.type, url=source.url
        )
        source_id, first_crawl = row.id, row.first_crawled_at is None
        last_success_at = row.last_success_at
        before = _Before(
            domain.Health(row.health, row.health_reason, row.consecutive_failures),
            row.yielded_before,
        )
        token = await stored_sources.claim(
            session, source_id, now=now, lease=crawler.timing.lease, holder=crawler.holder,
            force=force,
        )  # fmt: skip
        if token is None:
            return await stored_sources.lease_of(session, source_id)
    return _Claim(source_id, token, first_crawl, last_success_at, before, hold_until)


async def _release(crawler: Crawler, claim: _Claim) -> None:
    async with db.transaction(crawler.sessions) as session:
        await stored_sources.release(session, claim.source_id, claim.token)


async def _release_quietly(crawler: Crawler, claim: _Claim) -> None:
    """`_release`, when the database may be the problem: if it fails, the lease runs out."""
    try:
        await _release(crawler, claim)
    except Exception as error:
        log.warning("could not hand back the crawl lease of source %s: %s", claim.source_id, error)


def _renewal(crawler: Crawler, claim: _Claim) -> Callable[[], Awaitable[bool]]:
    async def renew() -> bool:
        async with db.transaction(crawler.sessions) as session:
            return await stored_sources.renew(
                session, claim.source_id, claim.token, now=datetime.now(UTC),
                lease=crawler.timing.lease,
            )  # fmt: skip

    return renew


async def _crawl(
    crawler: Crawler, source: sources.SourceBase, claim: _Claim, *, now: datetime
) -> CrawlResult:
    started = time.monotonic()
    source_id, first_crawl, last_success_at = (
        claim.source_id, claim.first_crawl, claim.last_success_at
    )  # fmt: skip
    try:
        # Held while the pages are fetched, also while one of them is slow (a heartbeat);
        # the storing transaction below checks the claim once more.
        async with lease.Held(_renewal(crawler, claim), what=source.name, timing=crawler.timing):
            crawl = await walk.walk(
                crawler.fetcher, source, derived=crawler.config.derived(source), now=now,
                history=_StoredHistory(crawler.sessions, source_id),
                max_pages=crawler.config.settings.max_pages_per_crawl,
            )  # fmt: skip
    except LeaseLost:
        raise  # not this source's failure: another worker crawls it
    except (FetchError, SourceError) as error:
        wrong = isinstance(error, SourceError | ChallengeError)
        outcome = health.failed(error, wrong_content=wrong)
        return await _failed(crawler, source, claim, outcome, now=now)
    except Exception as error:  # a bug in an adapter must not stop the other sources
        log.exception("crawl crashed", extra=_event("crawl_crashed", source))
        outcome = health.failed(error)
        return await _failed(crawler, source, claim, outcome, now=now)
    documents = crawl.documents
    _count_fetches(crawl)
    metrics.ITEMS.labels(source.type).inc(len(documents))
    _log_warnings(crawler, source, crawl.warnings)

    # On a worker thread: a page of long posts costs CPU, and the other sources' crawls,
    # the sender and /healthz must not wait for it.
    matched = await asyncio.to_thread(_matches, crawler.matcher, documents)
    async with db.transaction(crawler.sessions) as session:
        # Only a crawl that found something needs the brands' ages (most crawls find
        # nothing new: a 304, or no brand named).
        brands_added = (
            await names.added_at(
                session, NameKind.BRAND, [b.name for b in crawler.config.brands], now=now
            )
            if matched
            else {}
        )
        baseline = _Baseline(
            recent_from=now - crawler.config.settings.backfill,
            source_new=first_crawl,
            source_last_success_at=last_success_at,
            brands_added=brands_added,
            unchanged=(
                frozenset(await seen.unchanged(session, [d for d, _ in matched]))
                if matched
                else frozenset()
            ),
        )
        found = [
            mentions.Found(document, match, alertable=baseline.alertable(document, match.brand))
            for document, match in matched
        ]
        new = await mentions.save(
            session, source_id, found, now=now,
            near_duplicate=crawler.config.settings.near_duplicate,
        )  # fmt: skip
        urgent = await immediate.queue_immediate(
            session, crawler.config, crawler.rules, new,
            source=source.name, sender=crawler.sender, now=now,
        )  # fmt: skip
        await seen.record(session, source_id, documents, now=now)
        await stored_sources.remember(session, source_id, crawl.remember, now=now)
        for url, (etag, last_modified) in crawl.validators.items():
            await stored_sources.remember_validators(
                session, url, etag=etag, last_modified=last_modified, now=now
            )
        outcome = health.Outcome(
            empty_pages=tuple(crawl.empty_pages),
            unchanged=crawl.pages > 0 and crawl.not_modified == crawl.pages,
        )
        health_mail = await _settle(
            session, crawler, source, claim, outcome, items=len(documents), now=now
        )
    if urgent or health_mail:
        crawler.queued()  # committed: the sender may take them now
    metrics.CRAWLS.labels("ok").inc()
    metrics.MENTIONS.inc(len(new))
    log.info(
        "crawled %s: %d items, %d new mentions",
        source.name, len(documents), len(new),
        extra=_event("crawl_done", source, items=len(documents), new_mentions=len(new),
                     pages=crawl.pages, duration_ms=round((time.monotonic() - started) * 1000)),
    )  # fmt: skip
    return CrawlResult(
        source.name, len({d.key for d in documents}), tuple(new), crawl.pages, crawl.not_modified,
        warnings=tuple(dict.fromkeys(crawl.warnings)), backlog=crawl.backlog,
    )  # fmt: skip


def _matches(
    matcher: query.Matcher, documents: Iterable[domain.Document]
) -> list[tuple[domain.Document, domain.Match]]:
    return [(document, match) for document in documents for match in matcher.match(document)]


@dataclass(frozen=True, slots=True)
class _Baseline:
    """Which new mentions may alert. What a source's first crawl finds already existed, so
    did what a brand added since the source's last crawl finds, and so did an item met on
    an earlier crawl, unedited, that a brand matches only now (its query was widened, or
    monitor reads more of each page): all are stored but alert only when published within
    the backfill window. Adding a busy forum, a brand or a wider query never floods the
    inbox; an old post edited to name a brand is news and alerts."""

    recent_from: datetime
    source_new: bool
    source_last_success_at: datetime | None
    brands_added: dict[str, datetime]
    unchanged: frozenset[str] = frozenset()  # this crawl's matches met before, same text

    def alertable(self, document: domain.Document, brand: str) -> bool:
        published = document.published_at
        if published is not None and (
            # A day is recent when any of it lies in the window, not only its midnight.
            published + timedelta(days=1) > self.recent_from
            if document.dated_by_day
            else published >= self.recent_from
        ):
            return True
        if self.source_new or self.source_last_success_at is None:
            return False
        if document.key in self.unchanged:
            return False  # not news: it was there before as it is, only the match is new
        added = self.brands_added.get(brand)
        return added is not None and added <= self.source_last_success_at


@dataclass(frozen=True, slots=True)
class _StoredHistory:
    """The source's history as the database keeps it (see walk.History)."""

    sessions: async_sessionmaker[AsyncSession]
    source_id: int

    # Reads only: plain sessions, which never wait for the writers (see store.db).

    async def memory(self) -> Mapping[str, str]:
        async with self.sessions() as session:
            return await stored_sources.memory(session, self.source_id)

    async def validators(self, url: str) -> tuple[str | None, str | None]:
        async with self.sessions() as session:
            return await stored_sources.validators(session, url)

    async def known(self, keys: Iterable[str]) -> set[str]:
        async with self.sessions() as session:
            return await seen.known(session, keys)


@dataclass(frozen=True, slots=True)
class _Before:
    """The source's health before this crawl."""

    health: domain.Health
    yielded_before: bool


async def _settle(
    session: AsyncSession,
    crawler: Crawler,
    source: sources.SourceBase,
    claim: _Claim,
    outcome: health.Outcome,
    *,
    items: int | None,
    now: datetime,
) -> bool:
    """Record the crawl's outcome and the health it leads to; tell the admins when a
    source breaks or recovers (in this same transaction, so exactly once). Whether a
    mail was queued for that."""
    after, event = health.next_health(
        claim.before.health,
        outcome,
        yielded_before=claim.before.yielded_before,
        failures_to_break=crawler.config.settings.failures_before_attention,
    )
    await stored_sources.record_crawl(
        session, claim.source_id, claim.token, now=now, health=after, items=items,
        error=outcome.error, hold_until=claim.hold_until, told=outcome.told,
    )  # fmt: skip
    if event is not None:
        log.warning(
            "source %s: %s", event, after.reason or "works again",
            extra=_event(f"source_{event}", source, state=after.state, reason=after.reason),
        )  # fmt: skip
        queued = await immediate.queue_health(
            session, crawler.config, source, event, after, outcome.told,
            sender=crawler.sender, now=now,
        )  # fmt: skip
        return queued is not None
    return False


async def _failed(
    crawler: Crawler,
    source: sources.SourceBase,
    claim: _Claim,
    outcome: health.Outcome,
    *,
    now: datetime,
) -> CrawlResult:
    error = outcome.error or "failed"
    metrics.CRAWLS.labels("error").inc()
    metrics.FETCHES.labels("error").inc()
    log.warning(
        "crawl failed: %s", error, extra=_event("crawl_failed", source, error=text.one_line(error))
    )
    async with db.transaction(crawler.sessions) as session:
        health_mail = await _settle(session, crawler, source, claim, outcome, items=None, now=now)
    if health_mail:
        crawler.queued()
    return CrawlResult(source.name, error=error, told=outcome.told)


def _count_fetches(crawl: walk.Walked) -> None:
    for visit in crawl.visits:
        outcome = "not_modified" if visit.status == 304 else "ok" if visit.status < 400 else "error"
        metrics.FETCHES.labels(outcome).inc()


def _event(name: str, source: sources.SourceBase, **fields: object) -> dict[str, object]:
    return {"event": name, "source": source.name, **fields}


# What varies between two reports of the same problem: quoted examples and counts.
_WARNING_DETAILS = re.compile(r"'[^']*'|\"[^\"]*\"|\d+")


def _log_warnings(crawler: Crawler, source: sources.SourceBase, warnings: Iterable[str]) -> None:
    """Log each kind of warning once while it lasts, not on every page and every crawl.

    A board whose dates cannot be read says so on every page of every crawl; the log gets
    it when it starts (and again if it stops and comes back). The crawl result still
    carries every warning, for `monitor crawl` and `monitor try`.
    """
    kinds: dict[str, str] = {}
    for warning in dict.fromkeys(warnings):
        kinds.setdefault(_WARNING_DETAILS.sub("…", warning), warning)
    before = crawler.warned.get(source.name, frozenset())
    for kind, warning in kinds.items():
        if kind not in before:
            log.warning(warning, extra=_event("source_warning", source))
    crawler.warned[source.name] = frozenset(kinds)


async def forget_stale_state(
    sessions: async_sessionmaker[AsyncSession], *, now: datetime
) -> tuple[int, int]:
    """Forget adapter memory and HTTP validators no crawl has written for
    `store.sources.FORGET_AFTER`: (memory entries, validators) deleted. Any replica may
    run it; deleting what another already deleted deletes nothing."""
    before = now - stored_sources.FORGET_AFTER
    async with db.transaction(sessions) as session:
        return await stored_sources.forget_stale(session, before=before)
