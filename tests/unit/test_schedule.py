"""Durations and schedules as people write them become plain values, or say what is accepted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor import time_values
from monitor.config import schedule
from monitor.config.schedule import Cron, Interval


@pytest.mark.parametrize(
    ("written", "duration"),
    [
        ("30m", timedelta(minutes=30)),
        ("15 minutes", timedelta(minutes=15)),
        ("1 minute", timedelta(minutes=1)),
        ("2h", timedelta(hours=2)),
        ("2H", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1w", timedelta(weeks=1)),
        ("45s", timedelta(seconds=45)),
    ],
)
def test_parse_duration(written: str, duration: timedelta) -> None:
    assert time_values.parse_duration(written) == duration


@pytest.mark.parametrize("written", ["5 parsecs", "", "m", "30", "half an hour", "-5m"])
def test_parse_duration_refuses_with_a_hint(written: str) -> None:
    with pytest.raises(ValueError, match=r"is not a duration: write a number and a unit, e\.g\."):
        time_values.parse_duration(written)


def test_parse_duration_refuses_zero() -> None:
    with pytest.raises(ValueError, match=r"^'0m' must be longer than zero$"):
        time_values.parse_duration("0m")


@pytest.mark.parametrize(
    ("written", "parsed"),
    [
        ("every 30 minutes", Interval(timedelta(minutes=30))),
        ("every 2h", Interval(timedelta(hours=2))),
        ("daily at 08:00", Cron("0 8 * * *")),
        ("Daily  at 8:05", Cron("5 8 * * *")),
        ("weekly on monday at 08:00", Cron("0 8 * * mon")),
        ("weekly on Sunday at 23:59", Cron("59 23 * * sun")),
        ("0 8 * * 1-5", Cron("0 8 * * 1-5")),
        ("*/15 * * * *", Cron("*/15 * * * *")),
    ],
)
def test_parse_schedule(written: str, parsed: schedule.Schedule) -> None:
    assert schedule.parse_schedule(written) == parsed


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("sometimes", r"'sometimes' is not a schedule: write 'every 30 minutes', 'daily at 08:00'"),
        ("0 8 * *", r"'0 8 \* \*' is not a schedule"),
        ("every fortnight", r"'fortnight' is not a duration"),
        ("every 0m", r"'0m' must be longer than zero"),
        ("daily at 24:00", r"^hour 24 is not between 0 and 23$"),
        ("daily at 08:60", r"^minute 60 is not between 0 and 59$"),
        ("weekly on funday at 08:00", r"'funday' is not a weekday: use one of monday, tuesday"),
    ],
)
def test_parse_schedule_refuses_with_a_hint(written: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        schedule.parse_schedule(written)


@pytest.mark.parametrize("written", ["99 99 * * *", "0 8 * * funday"])
def test_parse_schedule_refuses_a_cron_expression_out_of_range(written: str) -> None:
    with pytest.raises(ValueError, match="not"):
        schedule.parse_schedule(written)


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "now", "tick"),
    [
        # 08:00 in Berlin is 07:00 UTC in winter (CET) and 06:00 UTC in summer (CEST).
        ("daily at 08:00", utc(2024, 1, 15, 10, 30), utc(2024, 1, 15, 7, 0)),
        ("daily at 08:00", utc(2024, 7, 1, 10, 30), utc(2024, 7, 1, 6, 0)),
        ("daily at 08:00", utc(2024, 1, 15, 6, 59), utc(2024, 1, 14, 7, 0)),
        ("daily at 08:00", utc(2024, 1, 15, 7, 0), utc(2024, 1, 15, 7, 0)),
        # 2024-01-15 is a Monday.
        ("weekly on monday at 08:00", utc(2024, 1, 17, 12, 0), utc(2024, 1, 15, 7, 0)),
        ("every 2h", utc(2024, 1, 15, 10, 30), utc(2024, 1, 15, 9, 0)),
    ],
)
def test_last_tick_is_the_latest_tick_at_or_before_now(
    written: str, now: datetime, tick: datetime
) -> None:
    assert schedule.last_tick(schedule.parse_schedule(written), "Europe/Berlin", now) == tick


@pytest.mark.parametrize(
    ("written", "now", "tick"),
    [
        ("every 2h", utc(2024, 7, 1, 10, 30), utc(2024, 7, 1, 10, 0)),  # 12:30 → 12:00 CEST
        ("every 1d", utc(2024, 6, 30, 22, 30), utc(2024, 6, 30, 22, 0)),  # 00:30 → 00:00 CEST
    ],
)
def test_last_tick_of_an_interval_under_summer_time(
    written: str, now: datetime, tick: datetime
) -> None:
    assert schedule.last_tick(schedule.parse_schedule(written), "Europe/Berlin", now) == tick


@pytest.mark.parametrize(
    ("written", "period"),
    [
        ("daily at 08:00", "daily"),
        ("every 1d", "daily"),
        ("weekly on friday at 16:00", "weekly"),
        ("every 2h", "interval"),
        ("0 8 * * 1-5", "interval"),
    ],
)
def test_period_name(written: str, period: str) -> None:
    assert schedule.period_name(schedule.parse_schedule(written)) == period
