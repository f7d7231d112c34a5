"""Durations and time zones as people write them (in sources.yaml, on the command line),
checked and parsed into plain values. Pure.

    30m | 15 minutes | 2h | 1d | 1 week        Europe/Berlin | UTC

`Duration` and `TimeZone` are the field types config models use for them.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator

from monitor.phrasebook import problems

_UNITS = {
    "s": 1, "sec": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "week": 604800, "weeks": 604800,
}  # fmt: skip
_DURATION = re.compile(r"^\s*(\d+)\s*([a-z]+)\s*$")


def check_timezone(value: str) -> str:
    """An IANA time zone name as written (`Europe/Berlin`); ValueError with a hint if not."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise problems.invalid("unknown_time_zone", value=value) from None
    return value


def parse_duration(text: str) -> timedelta:
    """`"30m"`, `"15 minutes"`, `"2h"`, `"1d"` → timedelta. Raises ValueError with a hint."""
    match = _DURATION.match(text.lower())
    if not match or match.group(2) not in _UNITS:
        raise problems.invalid("not_a_duration", value=text)
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise problems.invalid("duration_zero", value=text)
    return timedelta(seconds=seconds)


def _duration(value: Any) -> Any:
    return parse_duration(value) if isinstance(value, str) else value


Duration = Annotated[timedelta, BeforeValidator(_duration)]
"""A duration field: a timedelta, or text as `parse_duration` reads it."""
TimeZone = Annotated[str, AfterValidator(check_timezone)]
"""A time zone field: an IANA name, checked."""
