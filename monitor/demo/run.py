"""`monitor demo`: the whole product once, offline, in under a minute.

Serves the bundled site on 127.0.0.1, starts a real SMTP server in-process, then runs the
real crawl, digest and outbox code against a SQLite file in the demo folder, twice (the
second crawl must find nothing new), and leaves the received digest as HTML to open.
Nothing keeps running afterwards.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from monitor.alerting import delivery, digest
from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.crawl import pipeline
from monitor.demo import mailsink, site
from monitor.service.parts import open_service


@dataclass(frozen=True)
class DemoReport:
    folder: Path
    first_crawl: list[pipeline.CrawlResult]
    second_crawl: list[pipeline.CrawlResult]
    subjects: list[str]
    digest_html: Path | None


def _now() -> datetime:
    return datetime.now(UTC)


async def run_demo(folder: Path) -> DemoReport:
    """Run the demo in `folder` (emptied first); return what happened."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    template = resources.files("monitor.demo").joinpath("sources.yaml").read_text("utf-8")
    with site.serve() as base, mailsink.running(folder / "received") as sink:
        config_path = folder / "sources.yaml"
        config_path.write_text(template.replace("{site}", base), encoding="utf-8")
        config = sources_yaml.load(config_path)
        settings = Settings(
            config=config_path,
            data_dir=folder,
            smtp_url=sink.url,
            mail_from="monitor demo <monitor@example.org>",
            allow_hosts=("127.0.0.1",),
        )
        async with open_service(settings, config) as service:
            first = [
                await pipeline.poll_source(service.crawler, s, now=_now()) for s in config.sources
            ]
            second = [
                await pipeline.poll_source(service.crawler, s, now=_now()) for s in config.sources
            ]
            await delivery.drain(
                service.sessions, service.mailer, sender=settings.mail_from, clock=_now
            )
            for alert in config.digest_alerts:
                await digest.prepare(
                    config, alert, service.sessions, sender=settings.mail_from, now=_now()
                )
            await delivery.drain(
                service.sessions, service.mailer, sender=settings.mail_from, clock=_now
            )
        received = sink.received
    # Immediate alerts go out during the crawl; the digest comes last.
    subjects = [str(mail.message["Subject"]) for mail in received]
    html_path: Path | None = None
    if received:
        html_path = folder / "digest.html"
        html_path.write_text(received[-1].part("html"), encoding="utf-8")
    return DemoReport(folder, first, second, subjects, html_path)
