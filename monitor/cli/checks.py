"""`monitor check` and `monitor db`: is the configuration valid, can mail go out,
is the database at this version's schema."""

from __future__ import annotations

from pathlib import Path

import click

from monitor.cli import common
from monitor.config.environment import Settings
from monitor.notify import email
from monitor.service.parts import open_database
from monitor.store import db


@click.command()
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--smtp", is_flag=True, help="Also send a test mail to settings.admins.")
def check(file: Path | None, smtp: bool) -> None:
    """Validate sources.yaml (or FILE): exit 0 when valid, 2 with every problem listed.

    With --smtp, also connect and log in to the SMTP server and send a test mail to the
    admins; exit 1 with the server's answer when that fails.
    """
    settings = common.settings()
    config = common.config(settings, file)
    common.console.print(
        f"{file or settings.config}: OK: {len(config.brands)} brands, {len(config.sources)} "
        f"sources, {len(config.alerts)} alerts",
        markup=False, highlight=False,
    )  # fmt: skip
    if not smtp:
        return
    if not settings.smtp_url:
        common.errors.print("--smtp: MONITOR_SMTP_URL is not set", markup=False)
        raise SystemExit(2)
    if not config.settings.admins:
        common.errors.print(
            "--smtp: add settings.admins to sources.yaml (who gets the test mail)", markup=False
        )
        raise SystemExit(2)
    reply = common.run(email.send_test(settings, config.settings.admins, now=common.now()))
    common.console.print(
        f"test mail to {', '.join(config.settings.admins)} accepted: {reply}",
        markup=False,
        highlight=False,
    )


@click.group(name="db")
def db_group() -> None:
    """Database maintenance."""


@db_group.command()
def upgrade() -> None:
    """Create or migrate the database to this version's schema."""
    settings = common.settings()
    common.run(_upgrade(settings))
    common.console.print("database is up to date", markup=False)


@db_group.command()
def status() -> None:
    """Say whether the database answers and is at this version's schema (exit 1 if not)."""
    settings = common.settings()
    current, head = common.run(_status(settings))
    common.console.print(f"schema {current or 'empty'}; this version expects {head}", markup=False)
    if current != head:
        raise SystemExit(1)


async def _status(settings: Settings) -> tuple[str | None, str | None]:
    async with open_database(settings, upgrade=False) as database:
        return await db.current_revision(database.engine), db.head_revision()


async def _upgrade(settings: Settings) -> None:
    async with open_database(settings):
        pass  # opening migrates
