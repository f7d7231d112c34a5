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
    common.tell(common.say(
        "config_ok", file=file or settings.config, brands=len(config.brands),
        sources=len(config.sources), alerts=len(config.alerts),
    ))  # fmt: skip
    if not smtp:
        return
    if not settings.smtp_url:
        common.complain(common.say("smtp_not_set"))
        raise SystemExit(2)
    if not config.settings.admins:
        common.complain(common.say("smtp_no_admins"))
        raise SystemExit(2)
    reply = common.run(email.send_test(
        settings, config.settings.admins, now=common.now(), language=config.settings.language
    ))  # fmt: skip
    recipients = ", ".join(config.settings.admins)
    common.tell(common.say("test_mail_accepted", recipients=recipients, reply=reply))


@click.group(name="db")
def db_group() -> None:
    """Database maintenance."""


@db_group.command()
def upgrade() -> None:
    """Create or migrate the database to this version's schema."""
    settings = common.settings()
    common.run(_upgrade(settings))
    common.tell(common.say("database_up_to_date"))


@db_group.command()
def status() -> None:
    """Say whether the database answers and is at this version's schema (exit 1 if not)."""
    settings = common.settings()
    current, head = common.run(_status(settings))
    common.tell(common.say("schema_status", current=current or common.say("schema_empty"),
                           head=head))  # fmt: skip
    if current != head:
        raise SystemExit(1)


async def _status(settings: Settings) -> tuple[str | None, str | None]:
    async with open_database(settings, upgrade=False) as database:
        return await db.current_revision(database.engine), db.head_revision()


async def _upgrade(settings: Settings) -> None:
    async with open_database(settings):
        pass  # opening migrates
