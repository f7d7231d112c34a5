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
            task = bar.add_task(common.say("crawling"), total=len(chosen))

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
    holder = result.held_by or common.say("another_process")
    until = common.shown_time(result.held_until, zone)
    return common.say("skipped", holder=holder, until=until, zone=zone)


def _print_drained(drained: delivery.Drained) -> None:
    if drained.sent:
        common.tell(common.say("drained_sent", count=drained.sent))
    if drained.retrying:
        common.tell(common.say("drained_retrying", count=drained.retrying))
    if drained.failed:
        common.tell(common.say("drained_failed", count=drained.failed))


def _print_crawl(results: list[pipeline.CrawlResult], zone: str = "UTC") -> None:
    table = Table(*(common.say(f"crawl_{column}") for column in (
        "source", "items", "new", "pages", "backlog", "error")))  # fmt: skip
    for r in results:
        status = (_skipped(r, zone) if r.skipped
                  else common.trouble(r.told, r.error) if r.error else "")  # fmt: skip
        table.add_row(r.source, str(r.items), str(len(r.new_mentions)), str(r.pages),
                      str(r.backlog) if r.backlog else "", status)  # fmt: skip
    common.console.print(table)
    if any(r.backlog for r in results):
        common.tell(common.say("crawl_backlog_note"))


@click.command(name="digest")
@click.argument("alert_name")
@click.option(
    "--preview", type=click.Path(path_type=Path), help="Write the HTML here; send nothing."
)
@click.option("--send", is_flag=True, help="Queue the digest and send it now.")
def digest_command(alert_name: str, preview: Path | None, send: bool) -> None:
    """Build the digest of ALERT from the mentions it has not sent yet."""
    if not preview and not send:
        common.complain(common.say("digest_how"))
        raise SystemExit(2)
    settings = common.settings()
    config = common.config(settings)
    alert = config.alert(common.chosen_name("alert", alert_name, [a.name for a in config.alerts]))
    if alert.digest is None:
        common.complain(common.say("digest_immediate", alert=alert.name))
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
            common.tell(
                common.say("digest_already_queued", alert=alert.name,
                           mail=prepared.already_queued_by)
                if prepared.already_queued_by is not None
                else common.say("digest_nothing", alert=alert.name)
            )  # fmt: skip
            if prepared.already_queued_by is None or not send:
                return
            await _drain(service)  # send it now, whoever queued it
            return
        if preview:
            preview.write_text(prepared.rendered.html, encoding="utf-8")
            common.tell(common.say("digest_preview", count=prepared.mentions, file=preview))
        if send:
            result = await _drain(service)
            common.tell(common.say(
                "digest_sent", alert=alert.name, count=prepared.mentions, sent=result.sent,
                retrying=result.retrying, failed=result.failed,
            ))  # fmt: skip
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
    common.console.print(Text("monitor demo", style="bold"), common.say("demo_title"), sep="")
    _print_crawl(first)
    new_second = sum(len(r.new_mentions) for r in report.second_crawl)
    common.tell(common.say("demo_second_crawl", count=new_second))
    common.tell(common.say("demo_mails", count=len(report.subjects)))
    for subject in report.subjects:
        common.tell(f"  {subject}")
    if report.digest_html:
        common.tell(common.say("demo_open", file=report.digest_html))
    if any(r.error for r in first) or not report.subjects:
        raise SystemExit(1)
