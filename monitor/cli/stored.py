"""`monitor mentions`, `sources` and `outbox`: what the database holds."""

from __future__ import annotations

import json
from datetime import datetime

import click
from rich.table import Table
from rich.text import Text

from monitor import domain, time_values
from monitor.cli import common
from monitor.config.environment import Settings
from monitor.crawl import walk
from monitor.domain import HealthState, OutboxStatus
from monitor.phrasebook import problems
from monitor.service.parts import open_database
from monitor.store import db, mentions, outbox, schema
from monitor.store import sources as stored_sources


@click.command(name="mentions")
@click.option("--brand", "brands", multiple=True, help="Only this brand (repeatable).")
@click.option("--since", help="Only mentions stored within this long, e.g. 2d or 12h.")
@click.option("--limit", default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def mentions_command(brands: tuple[str, ...], since: str | None, limit: int, as_json: bool) -> None:
    """List stored mentions, newest first."""
    settings = common.settings()
    config = common.optional_config(settings)
    zone = common.time_zone(config)
    if _no_database_yet(settings, common.say("no_mentions_yet")):
        return
    configured = {brand.name for brand in config.brands} if config is not None else set()
    known = sorted(set(common.run(_brands(settings))) | configured)
    brands = tuple(common.chosen_name("brand", brand, known) for brand in brands)
    try:
        since_at = common.now() - time_values.parse_duration(since) if since else None
    except ValueError as error:
        said = problems.told_error(error, common.language())
        common.complain(common.say("option_problem", option="--since", problem=said))
        raise SystemExit(2) from None
    listed = common.run(_mentions(settings, brands, since_at, limit))
    if as_json:
        for m in listed:
            print(json.dumps({
                "reference": m.reference, "brand": m.brand, "title": m.title, "url": m.url,
                "source": m.source, "author": m.author,
                "published_at": m.published_at.isoformat() if m.published_at else None,
                "stored_at": m.created_at.isoformat(), "rating": m.rating,
                "terms": list(m.terms), "snippet": m.snippet.text,
            }, ensure_ascii=False))  # fmt: skip
        return
    table = Table(
        common.say("column_reference"), common.say("column_brand"), common.say("column_source"),
        common.say("column_date", zone=zone), common.say("column_title"),
    )  # fmt: skip
    for m in listed:
        table.add_row(m.reference, m.brand, m.source, common.shown_time(m.shown_at, zone), m.title)
    common.console.print(table)


async def _brands(settings: Settings) -> list[str]:
    async with open_database(settings) as database, database.sessions() as session:
        return await mentions.brands(session)


def _no_database_yet(settings: Settings, meaning: str) -> bool:
    """Whether the SQLite file is not there yet; if so, say so. A command that only reads
    never creates the database (nor its folder) as a side effect."""
    missing = db.missing_file(settings.resolved_database_url)
    if missing is not None:
        common.complain(common.say("no_database_yet", meaning=meaning, path=missing))
    return missing is not None


async def _mentions(
    settings: Settings, brands: tuple[str, ...], since: datetime | None, limit: int
) -> list[domain.StoredMention]:
    async with open_database(settings) as database, database.sessions() as session:
        return await mentions.listing(session, brands=brands, since=since, limit=limit)


@click.command(name="sources")
def sources_command() -> None:
    """Each configured source's health: ok, failing or broken, with its last success and
    error. Exit 1 if any is broken."""
    settings = common.settings()
    config = common.config(settings)
    configured = {source.name for source in config.sources}
    # A source removed from sources.yaml keeps its row (its mentions refer to it), but is
    # nobody's concern any more; one never crawled has no row yet and is listed all the same.
    stored: tuple[list[schema.Source], dict[int, int], dict[int, str]] = ([], {}, {})
    if not _no_database_yet(settings, common.say("no_sources_yet")):
        stored = common.run(_sources(settings))
    listed, undated, backlogs = stored
    rows = [row for row in listed if row.name in configured]
    crawled = {row.name for row in rows}
    # "undated": stored items whose date could not be read (first-seen time stands in);
    # "unread": pages found but not read yet, left for the next crawls by the page budget.
    zone = config.settings.timezone
    table = Table(*(
        common.say(f"column_{column}", zone=zone) for column in (
            "source", "type", "state", "last_success", "failures", "items", "undated",
            "unread", "problem",
        )
    ))  # fmt: skip
    styles = {HealthState.OK: "green", HealthState.FAILING: "yellow",
              HealthState.BROKEN: "bold red"}  # fmt: skip
    for row in rows:
        table.add_row(
            row.name, row.type,
            Text(common.say(f"state_{row.health}"), style=styles.get(row.health, "")),
            common.shown_time(row.last_success_at, zone, common.say("never")),
            str(row.consecutive_failures),
            "" if row.items_last_seen is None else str(row.items_last_seen),
            str(undated.get(row.id, 0)),
            str(walk.backlog_size(backlogs.get(row.id))),
            _problem(row),
        )  # fmt: skip
    for source in config.sources:
        if source.name not in crawled:
            table.add_row(source.name, source.type, common.say("state_new"),
                          common.say("never_crawled"), "0", "", "", "", "")  # fmt: skip
    common.console.print(table)
    if any(row.health == HealthState.BROKEN for row in rows):
        raise SystemExit(1)


def _problem(row: schema.Source) -> str:
    """What is wrong with a source, said in the user's language where its trouble is known
    (a page that is not what the source expects keeps the detail of what it was)."""
    said = row.health_reason or row.last_error or ""
    if not said or row.trouble is None:
        return said
    told = common.trouble((row.trouble, row.trouble_status, row.trouble_url), said)
    if row.trouble == domain.Trouble.WRONG_CONTENT and row.last_error:
        return f"{told}: {row.last_error}"
    return told


async def _sources(
    settings: Settings,
) -> tuple[list[schema.Source], dict[int, int], dict[int, str]]:
    async with open_database(settings) as database, database.sessions() as session:
        return (
            await stored_sources.listing(session),
            await stored_sources.undated(session),
            await stored_sources.remembered(session, walk.BACKLOG_KEY),
        )


@click.command(name="outbox")
@click.option("--limit", default=30, show_default=True)
def outbox_command(limit: int) -> None:
    """List mails: pending (with their next attempt), failed (with the reason), sent."""
    settings = common.settings()
    zone = common.time_zone(common.optional_config(settings))
    if _no_database_yet(settings, common.say("no_mail_yet")):
        return
    rows = common.run(_outbox(settings, limit))
    table = Table(*(
        common.say(f"column_{column}", zone=zone) for column in (
            "id", "status", "alert", "subject", "attempts", "next_or_sent", "last_error",
        )
    ))  # fmt: skip
    for row in rows:
        when = row.sent_at if row.status == OutboxStatus.SENT else row.next_attempt_at
        failed = (common.say("refused", recipients=", ".join(row.failed_recipients))
                  if row.failed_recipients else "")  # fmt: skip
        table.add_row(
            str(row.id), common.say(f"status_{row.status}"), row.alert, row.subject,
            str(row.attempts),
            common.shown_time(when, zone), (row.last_error or "") + failed,
        )  # fmt: skip
    common.console.print(table)


async def _outbox(settings: Settings, limit: int) -> list[schema.Outbox]:
    async with open_database(settings) as database, database.sessions() as session:
        return await outbox.recent(session, limit=limit)
