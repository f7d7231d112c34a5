"""What every `monitor` subcommand shares: the two consoles, the event loop, and how
errors become exit codes (0 success, 1 the work failed, 2 the input is wrong)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy.exc
from rich.console import Console

from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.errors import ConfigError, MonitorError

T = TypeVar("T")
# What is printed is never read as markup, emoji codes or highlighted: titles, names and
# URLs come from strangers and admins ("Vaude [/b] kaputt", "Shop [de]", "http://[::1]/").
# Styling is given as rich Text with a style, never inside a string.
console = Console(markup=False, highlight=False, emoji=False)
errors = Console(stderr=True, markup=False, highlight=False, emoji=False)


def now() -> datetime:
    return datetime.now(UTC)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to its end; a configuration, monitor or database error is printed
    and ends the command with exit code 2 (the input) or 1 (the work)."""
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


def settings() -> Settings:
    """The environment's settings; exit 2 saying what is wrong."""
    try:
        return Settings()
    except ValueError as error:
        errors.print(f"environment: {error}", markup=False, highlight=False)
        raise SystemExit(2) from None


def config(settings: Settings, path: Path | None = None) -> sources_yaml.Config:
    """sources.yaml (or `path`) validated; exit 2 with every problem listed."""
    try:
        return sources_yaml.load(path or settings.config)
    except ConfigError as error:
        errors.print(str(error), markup=False, highlight=False)
        raise SystemExit(2) from None
