"""What every `monitor` subcommand shares: the two consoles, the language they speak, the
event loop, and how errors become exit codes (0 success, 1 the work failed, 2 the input is
wrong)."""

from __future__ import annotations

import asyncio
import difflib
import functools
import os
import re
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pydantic
import sqlalchemy.exc
from rich.console import Console

from monitor import domain
from monitor.cli import words
from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.errors import ConfigError, DeliveryError, MonitorError
from monitor.fetch import addresses
from monitor.notify import render
from monitor.phrasebook import language as languages
from monitor.phrasebook import problems
from monitor.query import fold_word

T = TypeVar("T")
# What is printed is never read as markup, emoji codes or highlighted: titles, names and
# URLs come from strangers and admins ("Vaude [/b] kaputt", "Shop [de]", "http://[::1]/").
# Styling is given as rich Text with a style, never inside a string.
console = Console(markup=False, highlight=False, emoji=False)
errors = Console(stderr=True, markup=False, highlight=False, emoji=False)


def now() -> datetime:
    return datetime.now(UTC)


@functools.cache
def language() -> languages.Language:
    """The language this command speaks (MONITOR_LANGUAGE, else the locale)."""
    return languages.chosen(os.environ)


def say(key: str, **values: object) -> str:
    """The command line's sentence `key` in its language."""
    return words.said(key, language(), values)


def tell(text: str) -> None:
    """Print a line for the user: never read as markup, kept whole at any width."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def complain(text: str) -> None:
    """Print a line about what went wrong, on stderr."""
    errors.print(text, markup=False, highlight=False, soft_wrap=True)


def trouble(told: tuple[domain.Trouble | None, int | None, str | None], fallback: str) -> str:
    """Why a source or a page failed, in the user's language: the mail catalogue's sentence
    and the address, else `fallback` (the error's own text)."""
    kind, status, where = told
    if kind is None or kind == domain.Trouble.INTERNAL:
        return fallback
    said = render.trouble_words(kind, status, language())
    return f"{said} ({where})" if where else said


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to its end; a configuration, monitor or database error is printed
    and ends the command with exit code 2 (the input) or 1 (the work)."""
    try:
        return asyncio.run(coroutine)
    except ConfigError as error:
        complain(error.told(language()))
        raise SystemExit(2) from None
    except DeliveryError as error:
        complain(say("error", reason=say(f"delivery_{error.kind}", **error.values)))
        raise SystemExit(1) from None
    except MonitorError as error:
        complain(say("error", reason=error))
        raise SystemExit(1) from None
    except sqlalchemy.exc.OperationalError as error:
        reason = str(error.orig).splitlines()[0] if error.orig else str(error)
        complain(say("database_unusable", reason=reason))
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
            complain(_environment_problem(problem))
        raise SystemExit(2) from None
    except ValueError as error:
        complain(f"MONITOR_ALLOW_HOSTS: {problems.told_error(error, language())}")
        raise SystemExit(2) from None
    return found


def _environment_problem(problem: Any) -> str:
    """One line for one invalid variable: its name as set, what is wrong, what to write."""
    field = str(problem["loc"][0]) if problem["loc"] else ""
    name = f"MONITOR_{field.upper()}"
    return f"{name}: {problems.told_detail(problem, language())}"


def config(settings: Settings, path: Path | None = None) -> sources_yaml.Config:
    """sources.yaml (or `path`) validated; exit 2 with every problem listed."""
    try:
        return sources_yaml.load(path or settings.config)
    except ConfigError as error:
        complain(error.told(language()))
        raise SystemExit(2) from None


def _name_key(name: str) -> str:
    """A name as queries compare words: case, accents, ä/ae and the separators do not
    matter ("vaude" names "Vaude", "outdoor blog" names "Outdoor-Blog")."""
    return re.sub(r"[\W_]+", " ", fold_word(name)).strip()


def chosen_name(kind: str, given: str, known: Sequence[str], otherwise: str = "") -> str:
    """The one of `known` that `given` names; exit 2 naming the closest ones if none does
    (and `otherwise`, what else the user may have meant). `kind`: brand, source or alert."""
    by_key = {_name_key(name): name for name in known}
    found = by_key.get(_name_key(given))
    if found is not None:
        return found
    close = difflib.get_close_matches(_name_key(given), list(by_key), n=3, cutoff=0.6)
    quoted = "„{}“" if language() == "de" else "'{}'"
    if close:
        hint = say("did_you_mean", names=say("or").join(quoted.format(by_key[k]) for k in close))
    else:
        names = ", ".join(quoted.format(name) for name in known)
        hint = say("known", names=names or say("none_yet"))
    complain(say(f"no_such_{kind}", name=given, hint=hint) + otherwise)
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
