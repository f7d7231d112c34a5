"""The `monitor` command. Each subcommand parses its options, opens the service and calls
one function of the layers below; nothing here decides anything the tests cannot reach
without a terminal.

Exit codes: 0 success, 1 the work failed (every source failed, a mail could not be sent),
2 the input is wrong (configuration, options).
"""

from __future__ import annotations

import click

from monitor import __version__
from monitor.cli import checks, common, stored, trying, work
from monitor.telemetry import logs


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="monitor")
def main() -> None:
    """Watch forums, review portals and feeds for your brands; mail what people say."""
    logs.configure(common.settings().log_level)


# Every subcommand, by the module that holds it: one line here to add one.
COMMANDS: tuple[click.Command, ...] = (
    checks.check, checks.db_group,
    work.run, work.crawl, work.digest_command, work.demo,
    trying.try_command, trying.query_command,
    stored.mentions_command, stored.sources_command, stored.outbox_command,
)  # fmt: skip
for command in COMMANDS:
    main.add_command(command)
