"""What every `monitor` subcommand shares: the two consoles, the event loop, and how
errors become exit codes (0 success, 1 the work failed, 2 the input is wrong)."""

from __future__ import annotations

import asyncio
import difflib
import re
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pydantic
import sqlalchemy.exc
from rich.console import Console

from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.errors import ConfigError, MonitorError
from monitor.fetch import addresses
from monitor.query import fold_word

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
    """The environment's settings; exit 2 saying, per variable, what is wrong.

    Checked in full here, once for every command: a value `monitor check` accepts is one
    `crawl` and `run` accept too (the allowed hosts are parsed as the fetcher will).
    """
    try:
        found = Settings()
        for entry in found.allow_hosts:
            addresses.parse_entry(entry)
    except pydantic.ValidationError as error:
        for problem in error.errors(include_url=False):
            errors.print(_environment_problem(problem), markup=False, highlight=False)
        raise SystemExit(2) from None
    except ValueError as error:
        errors.print(f"MONITOR_ALLOW_HOSTS: {error}", markup=False, highlight=False)
        raise SystemExit(2) from None
    return found


# Pydantic's wording for the types a variable can have, as a sentence for a person.
_EXPECTED = {
    "int_parsing": "a whole number",
    "float_parsing": "a number",
    "bool_parsing": "true or false",
}


def _environment_problem(problem: Any) -> str:
    """One line for one invalid variable: its name as set, what is wrong, what to write."""
    field = str(problem["loc"][0]) if problem["loc"] else ""
    name = f"MONITOR_{field.upper()}"
    shown = problem.get("input")
    if problem["type"] in _EXPECTED:
        return f"{name}: '{shown}' is not {_EXPECTED[problem['type']]}"
    message = str(problem["msg"]).removeprefix("Value error, ")
    limits = problem.get("ctx") or {}
    if "le" in limits or "ge" in limits:
        return f"{name}: '{shown}' is out of range ({message.lower()})"
    return f"{name}: {message}"


def config(settings: Settings, path: Path | None = None) -> sources_yaml.Config:
    """sources.yaml (or `path`) validated; exit 2 with every problem listed."""
    try:
        return sources_yaml.load(path or settings.config)
    except ConfigError as error:
        errors.print(str(error), markup=False, highlight=False)
        raise SystemExit(2) from None


def _name_key(name: str) -> str:
    """A name as queries compare words: case, accents, ä/ae and the separators do not
    matter ("vaude" names "Vaude", "outdoor blog" names "Outdoor-Blog")."""
    return re.sub(r"[\W_]+", " ", fold_word(name)).strip()


def chosen_name(kind: str, given: str, known: Sequence[str], otherwise: str = "") -> str:
    """The one of `known` that `given` names; exit 2 naming the closest ones if none does
    (and `otherwise`, what else the user may have meant)."""
    by_key = {_name_key(name): name for name in known}
    found = by_key.get(_name_key(given))
    if found is not None:
        return found
    close = difflib.get_close_matches(_name_key(given), list(by_key), n=3, cutoff=0.6)
    if close:
        hint = "did you mean " + " or ".join(f"'{by_key[key]}'" for key in close) + "?"
    else:
        hint = "known: " + (", ".join(f"'{name}'" for name in known) or "none yet")
    errors.print(f"no {kind} is named '{given}': {hint}{otherwise}", markup=False,
                 highlight=False)  # fmt: skip
    raise SystemExit(2)


def shown_time(when: datetime | None, zone: str, empty: str = "") -> str:
    """`when` in the configured time zone, to the minute (the zone is named in the header)."""
    return f"{when.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}" if when else empty


def optional_config(settings: Settings) -> sources_yaml.Config | None:
    """sources.yaml if there is one (validated: exit 2 when it is wrong), else None: for
    commands that only read the database and use the configuration where it exists."""
    return config(settings) if settings.config.exists() else None


def time_zone(found: sources_yaml.Config | None) -> str:
    """The configured time zone, or the default one without a sources.yaml."""
    return (found.settings if found is not None else sources_yaml.Settings()).timezone
