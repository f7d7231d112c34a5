"""Schedules as people write them, parsed into plain values.

    every 30 minutes | every 2h | daily at 08:00 | weekly on monday at 08:00 | 0 8 * * 1-5

Pure: the scheduler turns a `Schedule` into an APScheduler trigger; nothing here runs.
`last_tick` says which digest window has most recently closed, for any `now`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from monitor.phrasebook import problems
from monitor.time_values import parse_duration

_EVERY = re.compile(r"^every\s+(.+)$")
_DAILY = re.compile(r"^daily\s+at\s+(\d{1,2}):(\d{2})$")
_WEEKLY = re.compile(r"^weekly\s+on\s+([a-z]+)\s+at\s+(\d{1,2}):(\d{2})$")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CRON_FIELD = re.compile(r"^[\d*/,\-a-z]+$")


@dataclass(frozen=True, slots=True)
class Interval:
    every: timedelta


@dataclass(frozen=True, slots=True)
class Cron:
    """Five cron fields (minute hour day month weekday), as APScheduler's from_crontab reads."""

    expression: str


Schedule = Interval | Cron


def parse_schedule(text: str) -> Schedule:
    """Parse a schedule (see the module docstring). Raises ValueError saying what is accepted."""
    spoken = " ".join(text.lower().split())
    if match := _EVERY.match(spoken):
        return Interval(parse_duration(match.group(1)))
    if match := _DAILY.match(spoken):
        return Cron(f"{_minute(match.group(2))} {_hour(match.group(1))} * * *")
    if match := _WEEKLY.match(spoken):
        day = match.group(1)
        if day not in _WEEKDAYS:
            raise problems.invalid("not_a_weekday", value=day, choices=", ".join(_WEEKDAYS))
        return Cron(f"{_minute(match.group(3))} {_hour(match.group(2))} * * {day[:3]}")
    fields = spoken.split()
    if len(fields) == 5 and all(_CRON_FIELD.match(field) for field in fields):
        try:
            CronTrigger.from_crontab(spoken)
        except ValueError as error:
            raise problems.invalid("bad_cron", value=text, reason=str(error)) from None
        return Cron(spoken)
    raise problems.invalid("not_a_schedule", value=text)


def _hour(text: str) -> int:
    if not 0 <= int(text) <= 23:
        raise problems.invalid("bad_hour", value=text)
    return int(text)


def _minute(text: str) -> int:
    if not 0 <= int(text) <= 59:
        raise problems.invalid("bad_minute", value=text)
    return int(text)


# Interval schedules tick at whole multiples of the interval since this local midnight,
# so "every 2 hours" means 00:00, 02:00, … in the alert's time zone, on every replica.
_INTERVAL_ANCHOR = datetime(2000, 1, 3)  # noqa: DTZ001 - a Monday, in whichever zone is asked
# The longest gap between two cron ticks we look back over (weekly, plus slack).
_CRON_LOOKBACK = timedelta(days=8)
_MAX_TICKS = 8 * 24 * 60 + 10  # every minute for the whole look-back


def last_tick(rule: Schedule, timezone: str, now: datetime) -> datetime:
    """The latest tick of `rule` at or before `now` (aware, UTC): the end of the window
    that has most recently closed."""
    zone = ZoneInfo(timezone)
    if isinstance(rule, Interval):
        # Count on the local wall clock, so "every 2h" ticks at even local hours in summer
        # and winter alike.
        local = now.astimezone(zone).replace(tzinfo=None)
        steps = (local - _INTERVAL_ANCHOR) // rule.every
        wall = (_INTERVAL_ANCHOR + steps * rule.every).replace(tzinfo=zone)
        return wall.astimezone(UTC)
    trigger = CronTrigger.from_crontab(rule.expression, timezone=zone)
    probe = now - _CRON_LOOKBACK
    latest = None
    # Ask for the first tick at or after `probe`, then move `probe` past it. Absolute time
    # only moves forward, so a wall-clock time that happens twice (the hour repeated when
    # summer time ends) cannot hold the loop; the count bounds it all the same.
    for _ in range(_MAX_TICKS):
        tick: datetime | None = trigger.get_next_fire_time(None, probe)
        if tick is None or tick > now:
            break
        latest = tick
        probe = max(tick, probe) + timedelta(seconds=1)
    if latest is None:
        raise problems.invalid("never_ticks", value=rule.expression, days=str(_CRON_LOOKBACK.days))
    return latest.astimezone(UTC)


def period_name(rule: Schedule) -> str:
    """How people call the digest: daily, weekly, hourly… (English key for translations)."""
    if isinstance(rule, Interval):
        return "daily" if rule.every == timedelta(days=1) else "interval"
    fields = rule.expression.split()
    if fields[2:] == ["*", "*", "*"] and "/" not in fields[0] + fields[1]:
        return "daily" if "," not in fields[1] and "*" not in fields[1] else "interval"
    if fields[2:4] == ["*", "*"] and fields[4] != "*" and "," not in fields[4]:
        return "weekly" if "-" not in fields[4] else "interval"
    return "interval"
