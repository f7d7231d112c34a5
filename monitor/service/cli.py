"""The `monitor` command. Each subcommand parses its options, opens the service and calls
one function of the layers below; nothing here decides anything the tests cannot reach
without a terminal.

Exit codes: 0 success, 1 the work failed (every source failed, a mail could not be sent),
2 the input is wrong (configuration, options).
"""

from __future__ import annotations

import asyncio
import functools
import json
import sys
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click
import pydantic
import rich.markup
import sqlalchemy.exc
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from monitor import __version__, domain, fetch, query, sources, text
from monitor.alerting import delivery, digest
from monitor.config import schedule, sources_yaml
from monitor.config.environment import Settings
from monitor.crawl import dry_run, pipeline
from monitor.domain import HealthState, OutboxStatus
from monitor.errors import ConfigError, MonitorError, QuerySyntaxError
from monitor.notify import email
from monitor.service import scheduler
from monitor.service.parts import Service, open_database, open_fetcher, open_service
from monitor.sources import presets
from monitor.sources.reading import encoding
from monitor.store import db, mentions, outbox, schema
from monitor.store import sources as stored_sources
from monitor.telemetry import logs

T = TypeVar("T")
console = Console()
errors = Console(stderr=True)


def _now() -> datetime:
    return datetime.now(UTC)


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(coroutine)
    except ConfigError as error:
        errors.print(str(error), markup=False, highlight=False)
        raise SystemExit(2) from None
    except MonitorError as error:
        errors.print(f"error: {error}", markup=False, highlight=False)
        raise SystemExit(1) from None
    except sqlalchemy.exc.OperationalError as error:
        reason = str(error.orig).splitlines()[0] if error.orig else str(error)
        errors.print(f"error: the database cannot be used: {reason}", markup=False)
        raise SystemExit(1) from None


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as error:
        errors.print(f"environment: {error}", markup=False, highlight=False)
        raise SystemExit(2) from None


def _config(settings: Settings, path: Path | None = None) -> sources_yaml.Config:
    try:
        return sources_yaml.load(path or settings.config)
    except ConfigError as error:
        errors.print(str(error), markup=False, highlight=False)
        raise SystemExit(2) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="monitor")
def main() -> None:
    """Watch forums, review portals and feeds for your brands; mail what people say."""
    logs.configure(_settings().log_level)


@main.command()
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--smtp", is_flag=True, help="Also send a test mail to settings.admins.")
def check(file: Path | None, smtp: bool) -> None:
    """Validate sources.yaml (or FILE): exit 0 when valid, 2 with every problem listed.

    With --smtp, also connect and log in to the SMTP server and send a test mail to the
    admins; exit 1 with the server's answer when that fails.
    """
    settings = _settings()
    config = _config(settings, file)
    console.print(
        f"{file or settings.config}: OK: {len(config.brands)} brands, {len(config.sources)} "
        f"sources, {len(config.alerts)} alerts",
        markup=False, highlight=False,
    )  # fmt: skip
    if not smtp:
        return
    if not settings.smtp_url:
        errors.print("--smtp: MONITOR_SMTP_URL is not set", markup=False)
        raise SystemExit(2)
    if not config.settings.admins:
        errors.print("--smtp: add settings.admins to sources.yaml (who gets the test mail)",
                     markup=False)  # fmt: skip
        raise SystemExit(2)
    reply = _run(email.send_test(settings, config.settings.admins, now=_now()))
    console.print(f"test mail to {', '.join(config.settings.admins)} accepted: {reply}",
                  markup=False, highlight=False)  # fmt: skip


@main.group(name="db")
def db_group() -> None:
    """Database maintenance."""


@db_group.command()
def upgrade() -> None:
    """Create or migrate the database to this version's schema."""
    settings = _settings()
    _run(_upgrade(settings))
    console.print("database is up to date", markup=False)


@db_group.command()
def status() -> None:
    """Say whether the database answers and is at this version's schema (exit 1 if not)."""
    settings = _settings()
    current, head = _run(_status(settings))
    console.print(f"schema {current or 'empty'}; this version expects {head}", markup=False)
    if current != head:
        raise SystemExit(1)


async def _status(settings: Settings) -> tuple[str | None, str | None]:
    async with open_database(settings, upgrade=False) as database:
        return await db.current_revision(database.engine), db.head_revision()


async def _upgrade(settings: Settings) -> None:
    async with open_database(settings):
        pass  # opening migrates


@main.command()
@click.option("--source", "source_names", multiple=True, help="Crawl only this source.")
def crawl(source_names: tuple[str, ...]) -> None:
    """Crawl every source (or the ones named) once, store new mentions, and exit.

    Exits 1 only if every source failed.
    """
    settings = _settings()
    config = _config(settings)
    try:
        chosen = [config.source(name) for name in source_names] or [
            s for s in config.sources if s.enabled
        ]
    except KeyError as error:
        errors.print(f"no source is named {error}", markup=False)
        raise SystemExit(2) from None
    results = _run(_crawl(settings, config, chosen))
    _print_crawl(results)
    if results and all(r.error for r in results):
        raise SystemExit(1)


async def _crawl(
    settings: Settings, config: sources_yaml.Config, chosen: Sequence[sources.SourceBase]
) -> list[pipeline.CrawlResult]:
    async with open_service(settings, config) as service:
        with Progress(console=errors, transient=True, disable=not errors.is_terminal) as bar:
            task = bar.add_task("crawling", total=len(chosen))

            async def one(source: sources.SourceBase) -> pipeline.CrawlResult:
                result = await pipeline.poll_source(service.crawler, source, now=_now())
                bar.advance(task)
                return result

            return list(await asyncio.gather(*(one(source) for source in chosen)))


def _print_crawl(results: list[pipeline.CrawlResult]) -> None:
    table = Table("source", "items", "new mentions", "error")
    for r in results:
        status = "skipped: crawled elsewhere" if r.skipped else (r.error or "")
        table.add_row(r.source, str(r.items), str(len(r.new_mentions)), status)
    console.print(table)


@main.command(name="digest")
@click.argument("alert_name")
@click.option(
    "--preview", type=click.Path(path_type=Path), help="Write the HTML here; send nothing."
)
@click.option("--send", is_flag=True, help="Queue the digest and send it now.")
def digest_command(alert_name: str, preview: Path | None, send: bool) -> None:
    """Build the digest of ALERT from the mentions it has not sent yet."""
    if not preview and not send:
        errors.print("say --preview FILE or --send", markup=False)
        raise SystemExit(2)
    settings = _settings()
    config = _config(settings)
    try:
        alert = config.alert(alert_name)
    except KeyError:
        names = ", ".join(a.name for a in config.alerts) or "none is defined"
        errors.print(f"no alert is named '{alert_name}' (alerts: {names})", markup=False)
        raise SystemExit(2) from None
    if alert.digest is None:
        errors.print(f"'{alert.name}' is an immediate alert: it has no digest", markup=False)
        raise SystemExit(2)
    _run(_digest(settings, config, alert, preview, send))


async def _digest(
    settings: Settings,
    config: sources_yaml.Config,
    alert: sources_yaml.Alert,
    preview: Path | None,
    send: bool,
) -> None:
    async with open_service(settings, config) as service:
        prepared = await digest.prepare(
            config, alert, service.sessions, sender=settings.mail_from, now=_now(), queue=send
        )
        if prepared.rendered is None:
            console.print(f"{alert.name}: no new mentions, nothing to send", markup=False)
            return
        if preview:
            preview.write_text(prepared.rendered.html, encoding="utf-8")
            console.print(f"preview of {prepared.mentions} mentions written to {preview}",
                          markup=False, highlight=False)  # fmt: skip
        if send:
            result = await _drain(service)
            console.print(
                f"{alert.name}: {prepared.mentions} mentions; sent {result.sent}, "
                f"retrying {result.retrying}, failed {result.failed}",
                markup=False, highlight=False,
            )  # fmt: skip
            if result.failed or result.retrying:
                raise SystemExit(1)


async def _drain(service: Service) -> delivery.Drained:
    return await delivery.drain(
        service.sessions, service.mailer, sender=service.settings.mail_from, clock=_now
    )


@main.command(name="mentions")
@click.option("--brand", "brands", multiple=True, help="Only this brand (repeatable).")
@click.option("--since", help="Only mentions stored within this long, e.g. 2d or 12h.")
@click.option("--limit", default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def mentions_command(brands: tuple[str, ...], since: str | None, limit: int, as_json: bool) -> None:
    """List stored mentions, newest first."""
    settings = _settings()
    try:
        since_at = _now() - schedule.parse_duration(since) if since else None
    except ValueError as error:
        errors.print(f"--since: {error}", markup=False)
        raise SystemExit(2) from None
    listed = _run(_mentions(settings, brands, since_at, limit))
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
    table = Table("ref", "brand", "source", "date", "title")
    for m in listed:
        table.add_row(m.reference, m.brand, m.source, f"{m.shown_at:%Y-%m-%d %H:%M}", m.title)
    console.print(table)


async def _mentions(
    settings: Settings, brands: tuple[str, ...], since: datetime | None, limit: int
) -> list[domain.StoredMention]:
    async with open_database(settings) as database, database.sessions() as session:
        return await mentions.listing(session, brands=brands, since=since, limit=limit)


@main.command(name="query")
@click.argument("query_text", metavar="QUERY")
@click.option("--text", "given_text", help="The text to test (HTML is stripped).")
@click.option("--file", "file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the text from a file (HTML or plain).")  # fmt: skip
@click.option("--url", help="Fetch this page and test its visible text.")
@click.option("--title", default="", help="A title to test title: against.")
@click.option("--author", default=None, help="An author to test author: against.")
@click.option("--lang", default=None, help="The text's language, for lang:.")
def query_command(
    query_text: str,
    given_text: str | None,
    file: Path | None,
    url: str | None,
    title: str,
    author: str | None,
    lang: str | None,
) -> None:
    """Test QUERY on a text and show why it matches or not (like grep: exit 0 when it
    matches, 1 when it does not, 2 when the query is invalid)."""
    try:
        query.check(query_text)
    except QuerySyntaxError as error:
        errors.print(f"invalid query: {error}", markup=False, highlight=False)
        caret = " " * (error.column - 1) + "^"
        errors.print(f"  {query_text}\n  {caret}", markup=False, highlight=False)
        raise SystemExit(2) from None
    if sum(x is not None for x in (given_text, file, url)) != 1:
        errors.print("give the text with exactly one of --text, --file or --url", markup=False)
        raise SystemExit(2)
    if url is not None:
        settings = _settings()
        config = _config(settings) if settings.config.exists() else None
        markup = _run(_fetch_text(settings, config, url))
    elif file is not None:
        markup = file.read_text(encoding="utf-8")
    else:
        markup = given_text or ""
    document = domain.Document(
        key="query", url=url or "", title=title, text=text.visible_text(markup),
        author=author, language=lang,
    )  # fmt: skip
    explanation = query.explain(query_text, document)
    console.print(str(explanation), markup=False, highlight=False)
    raise SystemExit(0 if explanation.matched else 1)


async def _fetch_text(settings: Settings, config: sources_yaml.Config | None, url: str) -> str:
    async with open_fetcher(settings, config) as fetcher:
        response = await fetch.fetch(fetcher, domain.Request(url))
    return encoding.decode(response.content, response.charset)


@main.command(name="try")
@click.argument("target")
@click.option("--preset", help="With a URL: read it with this preset (phpbb, xenforo, …).")
@click.option("--type", "source_type", help="With a URL: the source type (feed, forum, …).")
@click.option("--pages", default=10, show_default=True, help="Fetch at most this many pages.")
@click.option(
    "--selector", "overrides", multiple=True, metavar="NAME=SPEC",
    help="Try another selector, e.g. --selector date='p.author time' (repeatable).",
)  # fmt: skip
def try_command(
    target: str, preset: str | None, source_type: str | None, pages: int, overrides: tuple[str]
) -> None:
    """Fetch a source now and show what it yields and which brands match; store nothing.

    TARGET is a source's name in sources.yaml, or a URL with --preset or --type. With
    --selector, the source's (or preset's) selectors are tried with those changed, to
    find the right ones before writing them into sources.yaml.
    """
    settings = _settings()
    config = _config(settings) if settings.config.exists() or not (preset or source_type) else None
    source = _with_selectors(_source_to_try(config, target, preset, source_type), overrides)
    derived = (
        config.derived(source) if config is not None
        else sources.Derived(sources_yaml.Settings().timezone)
    )  # fmt: skip
    tried = _run(_try(settings, config, source, derived, pages))
    _print_tried(tried, has_brands=config is not None, timezone=derived.timezone)
    if tried.error:
        raise SystemExit(1)


def _source_to_try(
    config: sources_yaml.Config | None, target: str, preset: str | None, kind: str | None
) -> sources.SourceBase:
    if not (preset or kind):
        assert config is not None
        try:
            return config.source(target)
        except KeyError:
            names = ", ".join(s.name for s in config.sources) or "none is defined"
            errors.print(f"no source is named '{target}' (sources: {names}); to try a URL "
                         "give --preset or --type", markup=False)  # fmt: skip
            raise SystemExit(2) from None
    if preset and not kind:
        try:
            kind = presets.load(preset).kind
        except ValueError as error:
            errors.print(f"--preset: {error}", markup=False)
            raise SystemExit(2) from None
    fields: dict[str, Any] = {"name": "try", "type": kind, "url": target}
    if preset:
        fields["preset"] = preset
    return _validated_source(fields)


def _with_selectors(source: sources.SourceBase, overrides: tuple[str, ...]) -> sources.SourceBase:
    """`source` with the `--selector NAME=SPEC` changes, validated as sources.yaml is."""
    if not overrides:
        return source
    changed = dict(source.model_dump(exclude_unset=True).get("selectors") or {})
    for override in overrides:
        name, equals, spec = override.partition("=")
        if not equals or not name.strip():
            errors.print(f"--selector {override!r}: write NAME=SPEC, e.g. date='p.author time'",
                         markup=False)  # fmt: skip
            raise SystemExit(2)
        changed[name.strip()] = spec.strip()
    fields = {**source.model_dump(exclude_unset=True), "selectors": changed}
    return _validated_source(fields)


def _validated_source(fields: dict[str, Any]) -> sources.SourceBase:
    try:
        return pydantic.TypeAdapter(sources.SourceConfig).validate_python(fields)
    except pydantic.ValidationError as error:
        for detail in error.errors():
            where = ".".join(str(step) for step in detail["loc"][1:]) or "source"
            errors.print(f"{where}: {detail['msg']}", markup=False)
        raise SystemExit(2) from None


async def _try(
    settings: Settings,
    config: sources_yaml.Config | None,
    source: sources.SourceBase,
    derived: sources.Derived,
    pages: int,
) -> dry_run.Tried:
    brands = config.brands if config is not None else ()
    matcher = query.compile([b.to_query() for b in brands]) if brands else None
    async with open_fetcher(settings, config) as fetcher:
        return await dry_run.try_source(
            fetcher, source, matcher, derived=derived, now=_now(), max_pages=pages
        )


def _print_tried(tried: dry_run.Tried, *, has_brands: bool, timezone: str) -> None:
    """Plain lines, not tables: URLs must stay whole at any terminal width."""
    if tried.walked is None:
        errors.print(f"{tried.source}: {tried.error}", markup=False, highlight=False)
        return
    walked = tried.walked
    say = functools.partial(console.print, markup=False, highlight=False, soft_wrap=True)
    say(f"pages fetched: {len(walked.visits)}")
    for visit in walked.visits:
        say(f"  {visit.kind} {visit.status}: {visit.items} items, {visit.followed} links "
            f"followed  {visit.url}")  # fmt: skip
    say(f"\n{len(walked.documents)} items (dates in {timezone}):")
    zone = ZoneInfo(timezone)
    for number, document in enumerate(walked.documents, start=1):
        when = f"{document.published_at.astimezone(zone):%Y-%m-%d %H:%M}" if (
            document.published_at) else "no date"  # fmt: skip
        rating = f" · {document.rating:g}★" if document.rating is not None else ""
        say(f"{number:>3}. {document.author or '(no author)'} · {when}{rating} · {document.url}")
        say(f"     {text.one_line(document.title + ' – ' + document.text, 100)}")
    for warning in dict.fromkeys(walked.warnings):
        say(f"warning: {warning}")
    if not walked.documents:
        say("no items: the page was fetched, but nothing in it was read as an item")
    if not has_brands:
        say("(no sources.yaml here, so no brands were matched)")
        return
    say(f"\n{len(tried.matches)} items mention a brand:")
    numbers = {id(document): n for n, document in enumerate(walked.documents, start=1)}
    for document, matches in tried.matches:
        for match in matches:
            say(f"  {match.brand} ({', '.join(match.terms)}) in item {numbers[id(document)]}: "
                f"{text.one_line(document.title, 80)}")  # fmt: skip


@main.command(name="sources")
def sources_command() -> None:
    """Each configured source's health: ok, failing or broken, with its last success and
    error. Exit 1 if any is broken."""
    settings = _settings()
    config = _config(settings)
    configured = {source.name for source in config.sources}
    # A source removed from sources.yaml keeps its row (its mentions refer to it), but is
    # nobody's concern any more.
    rows = [row for row in _run(_sources(settings)) if row.name in configured]
    table = Table("source", "type", "state", "last success", "failures", "items", "problem")
    styles = {HealthState.OK: "green", HealthState.FAILING: "yellow",
              HealthState.BROKEN: "bold red"}  # fmt: skip
    for row in rows:
        table.add_row(
            row.name, row.type, f"[{styles.get(row.health, '')}]{row.health}[/]",
            f"{row.last_success_at:%Y-%m-%d %H:%M}" if row.last_success_at else "never",
            str(row.consecutive_failures),
            "" if row.items_last_seen is None else str(row.items_last_seen),
            rich.markup.escape(row.health_reason or row.last_error or ""),
        )  # fmt: skip
    console.print(table)
    if any(row.health == HealthState.BROKEN for row in rows):
        raise SystemExit(1)


async def _sources(settings: Settings) -> list[schema.Source]:
    async with open_database(settings) as database, database.sessions() as session:
        return await stored_sources.listing(session)


@main.command(name="outbox")
@click.option("--limit", default=30, show_default=True)
def outbox_command(limit: int) -> None:
    """List mails: pending (with their next attempt), failed (with the reason), sent."""
    settings = _settings()
    rows = _run(_outbox(settings, limit))
    table = Table("id", "status", "alert", "subject", "attempts", "next / sent at", "last error")
    for row in rows:
        when = row.sent_at if row.status == OutboxStatus.SENT else row.next_attempt_at
        failed = f" (refused: {', '.join(row.failed_recipients)})" if row.failed_recipients else ""
        table.add_row(
            str(row.id), row.status, row.alert, row.subject, str(row.attempts),
            f"{when:%Y-%m-%d %H:%M}" if when else "", (row.last_error or "") + failed,
        )  # fmt: skip
    console.print(table)


async def _outbox(settings: Settings, limit: int) -> list[schema.Outbox]:
    async with open_database(settings) as database, database.sessions() as session:
        return await outbox.recent(session, limit=limit)


@main.command()
def run() -> None:
    """Run the service: crawl on schedule, send digests, until SIGTERM or Ctrl-C."""
    settings = _settings()
    config = _config(settings)
    _run(_serve(settings, config))


async def _serve(settings: Settings, config: sources_yaml.Config) -> None:
    async with open_service(settings, config) as service:
        await scheduler.Runner(service).run_until_stopped()


@main.command()
@click.option("--dir", "folder", type=click.Path(path_type=Path), default=Path("demo-data"),
              show_default=True, help="Where the demo keeps its database and mails.")  # fmt: skip
def demo(folder: Path) -> None:
    """Run the whole product offline on a bundled site and SMTP server (under a minute)."""
    from monitor.demo.run import run_demo  # the demo's web server is only needed here

    logs.configure("WARNING")  # the demo prints its own summary
    report = _run(run_demo(folder.resolve()))
    first = report.first_crawl
    console.print(
        "[bold]monitor demo[/bold]: bundled site on 127.0.0.1 (a blog's feed, a phpBB forum in "
        "Latin-1, a shop's reviews), SMTP server in-process"
    )
    _print_crawl(first)
    new_second = sum(len(r.new_mentions) for r in report.second_crawl)
    console.print(f"second crawl of the same sources: {new_second} new mentions (stored once)",
                  markup=False)  # fmt: skip
    console.print(f"mails received by the SMTP server: {len(report.subjects)}", markup=False)
    for subject in report.subjects:
        console.print(f"  {subject}", markup=False, highlight=False)
    if report.digest_html:
        console.print(f"open the digest: {report.digest_html}", markup=False, highlight=False)
    if any(r.error for r in first) or not report.subjects:
        raise SystemExit(1)


if __name__ == "__main__":
    sys.exit(main())
