"""`monitor run`, `crawl`, `digest` and `demo`: the service's work, all of it on its
schedule or one part of it now."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import click
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from monitor import sources
from monitor.alerting import delivery, digest
from monitor.cli import common
from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.crawl import pipeline
from monitor.service import scheduler
from monitor.service.parts import Service, open_service
from monitor.telemetry import logs


@click.command()
@click.option("--source", "source_names", multiple=True, help="Crawl only this source.")
@click.option(
    "--force", is_flag=True,
    help="Crawl sources another process holds (one that was stopped or died).",
)  # fmt: skip
@click.option(
    "--no-send", "no_send", is_flag=True,
    help="Queue the mails but leave sending them to monitor run.",
)  # fmt: skip
def crawl(source_names: tuple[str, ...], force: bool, no_send: bool) -> None:
    """Crawl every source (or the ones named) once, store new mentions, send the mails
    that are due (urgent alerts, source health), and exit.

    Exits 1 only if every source failed.
    """
    settings = common.settings()
    config = common.config(settings)
    names = [source.name for source in config.sources]
    chosen = [config.source(common.chosen_name("source", name, names)) for name in source_names]
    chosen = chosen or [source for source in config.sources if source.enabled]
    results, drained = common.run(_crawl(settings, config, chosen, force, send=not no_send))
    _print_crawl(results, config.settings.timezone)
    if drained is not None:
        _print_drained(drained)
    if results and all(r.error for r in results):
        raise SystemExit(1)


async def _crawl(
    settings: Settings,
    config: sources_yaml.Config,
    chosen: Sequence[sources.SourceBase],
    force: bool,
    *,
    send: bool,
) -> tuple[list[pipeline.CrawlResult], delivery.Drained | None]:
    async with open_service(settings, config) as service:
        with Progress(
            console=common.errors, transient=True, disable=not common.errors.is_terminal
        ) as bar:
            task = bar.add_task("crawling", total=len(chosen))

            async def one(source: sources.SourceBase) -> pipeline.CrawlResult:
                result = await pipeline.poll_source(
                    service.crawler, source, now=common.now(), force=force
                )
                bar.advance(task)
                return result

            results = list(await asyncio.gather(*(one(source) for source in chosen)))
        # What the crawls queued to send at once goes out now: no sender runs after us.
        return results, (await _drain(service) if send else None)


def _skipped(result: pipeline.CrawlResult, zone: str) -> str:
    holder = result.held_by or "another process"
    until = common.shown_time(result.held_until, zone)
    return (f"skipped: {holder} holds it until {until} ({zone}); "
            "--force crawls it anyway")  # fmt: skip


def _print_drained(drained: delivery.Drained) -> None:
    if drained.sent:
        common.console.print(f"Sent {drained.sent} mail(s) that were due.")
    if drained.retrying:
        common.console.print(
            f"{drained.retrying} mail(s) could not be sent yet and wait in the outbox for "
            "their next attempt (monitor outbox shows why; monitor run or the next crawl "
            "sends them)."
        )
    if drained.failed:
        common.console.print(f"{drained.failed} mail(s) failed for good: see monitor outbox.")


def _print_crawl(results: list[pipeline.CrawlResult], zone: str = "UTC") -> None:
    table = Table("source", "items", "new mentions", "pages", "left for later", "error")
    for r in results:
        status = _skipped(r, zone) if r.skipped else (r.error or "")
        table.add_row(r.source, str(r.items), str(len(r.new_mentions)), str(r.pages),
                      str(r.backlog) if r.backlog else "", status)  # fmt: skip
    common.console.print(table)
    if any(r.backlog for r in results):
        common.console.print(
            "Some sources have more pages than one crawl reads (settings: "
            "max_pages_per_crawl); the next crawls read the pages left."
        )


@click.command(name="digest")
@click.argument("alert_name")
@click.option(
    "--preview", type=click.Path(path_type=Path), help="Write the HTML here; send nothing."
)
@click.option("--send", is_flag=True, help="Queue the digest and send it now.")
def digest_command(alert_name: str, preview: Path | None, send: bool) -> None:
    """Build the digest of ALERT from the mentions it has not sent yet."""
    if not preview and not send:
        common.errors.print("say --preview FILE or --send", markup=False)
        raise SystemExit(2)
    settings = common.settings()
    config = common.config(settings)
    alert = config.alert(common.chosen_name("alert", alert_name, [a.name for a in config.alerts]))
    if alert.digest is None:
        common.errors.print(f"'{alert.name}' is an immediate alert: it has no digest", markup=False)
        raise SystemExit(2)
    common.run(_digest(settings, config, alert, preview, send))


async def _digest(
    settings: Settings,
    config: sources_yaml.Config,
    alert: sources_yaml.Alert,
    preview: Path | None,
    send: bool,
) -> None:
    async with open_service(settings, config) as service:
        prepared = await digest.prepare(
            config, alert, service.sessions, sender=settings.mail_from, now=common.now(), queue=send
        )
        if prepared.rendered is None:
            said = (
                f"{alert.name}: already queued by mail #{prepared.already_queued_by} (another "
                "process, a moment ago); nothing more to send"
                if prepared.already_queued_by is not None
                else f"{alert.name}: no new mentions, nothing to send"
            )
            common.console.print(said, markup=False, highlight=False)
            if prepared.already_queued_by is None or not send:
                return
            await _drain(service)  # send it now, whoever queued it
            return
        if preview:
            preview.write_text(prepared.rendered.html, encoding="utf-8")
            common.console.print(
                f"preview of {prepared.mentions} mentions written to {preview}",
                markup=False,
                highlight=False,
            )
        if send:
            result = await _drain(service)
            common.console.print(
                f"{alert.name}: {prepared.mentions} mentions; sent {result.sent}, "
                f"retrying {result.retrying}, failed {result.failed}",
                markup=False, highlight=False,
            )  # fmt: skip
            if result.failed or result.retrying:
                raise SystemExit(1)


async def _drain(service: Service) -> delivery.Drained:
    return await delivery.drain(
        service.sessions, service.mailer, sender=service.settings.mail_from, clock=common.now
    )


@click.command()
def run() -> None:
    """Run the service: crawl on schedule, send digests, until SIGTERM or Ctrl-C."""
    settings = common.settings()
    config = common.config(settings)
    common.run(_serve(settings, config))


async def _serve(settings: Settings, config: sources_yaml.Config) -> None:
    async with open_service(settings, config) as service:
        await scheduler.Runner(service).run_until_stopped()


@click.command()
@click.option("--dir", "folder", type=click.Path(path_type=Path), default=Path("demo-data"),
              show_default=True, help="Where the demo keeps its database and mails.")  # fmt: skip
def demo(folder: Path) -> None:
    """Run the whole product offline on a bundled site and SMTP server (under a minute)."""
    from monitor.demo.run import run_demo  # the demo's web server is only needed here

    logs.configure("WARNING")  # the demo prints its own summary
    report = common.run(run_demo(folder.resolve()))
    first = report.first_crawl
    common.console.print(
        Text("monitor demo", style="bold"),
        ": bundled site on 127.0.0.1 (a blog's feed, a phpBB forum in Latin-1, a shop's "
        "reviews), SMTP server in-process", sep="",
    )  # fmt: skip
    _print_crawl(first)
    new_second = sum(len(r.new_mentions) for r in report.second_crawl)
    common.console.print(
        f"second crawl of the same sources: {new_second} new mentions (stored once)", markup=False
    )
    common.console.print(f"mails received by the SMTP server: {len(report.subjects)}", markup=False)
    for subject in report.subjects:
        common.console.print(f"  {subject}", markup=False, highlight=False)
    if report.digest_html:
        common.console.print(
            f"open the digest: {report.digest_html}", markup=False, highlight=False
        )
    if any(r.error for r in first) or not report.subjects:
        raise SystemExit(1)
