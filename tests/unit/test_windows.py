"""Digest windows (schedule.last_tick): where a window ends, in the alert's time zone, for
any `now`, including across daylight-saving changes; properties checked with Hypothesis."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.config import schedule
from tests.conftest import examples

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def tick(written: str, timezone: str, now: datetime) -> datetime:
    return schedule.last_tick(schedule.parse_schedule(written), timezone, now)


def test_the_same_daily_schedule_ends_at_different_instants_in_different_zones() -> None:
    assert tick("daily at 08:00", "Europe/Berlin", NOW) == datetime(2026, 11, 22, 7, tzinfo=UTC)
    # 12:00 UTC is 07:00 in New York: today's 08:00 has not come, yesterday's window is the last.
    assert tick("daily at 08:00", "America/New_York", NOW) == datetime(2026, 11, 21, 13, tzinfo=UTC)


def test_a_window_ends_exactly_at_its_tick() -> None:
    at = datetime(2026, 11, 22, 7, tzinfo=UTC)
    assert tick("daily at 08:00", "Europe/Berlin", at) == at
    assert tick("daily at 08:00", "Europe/Berlin", at - timedelta(microseconds=1)) == at - (
        timedelta(days=1)
    )


def test_a_daily_window_follows_the_wall_clock_across_summer_time() -> None:
    # Berlin moves to summer time on 29 March 2026: 08:00 is 07:00 UTC before, 06:00 after.
    assert tick("daily at 08:00", "Europe/Berlin", datetime(2026, 3, 28, 12, tzinfo=UTC)) == (
        datetime(2026, 3, 28, 7, tzinfo=UTC)
    )
    assert tick("daily at 08:00", "Europe/Berlin", datetime(2026, 3, 29, 12, tzinfo=UTC)) == (
        datetime(2026, 3, 29, 6, tzinfo=UTC)
    )


def test_weekly_and_interval_windows() -> None:
    # 22 Nov 2026 is a Sunday: the last Monday 08:00 in Berlin was 16 Nov.
    assert tick("weekly on monday at 08:00", "Europe/Berlin", NOW) == datetime(
        2026, 11, 16, 7, tzinfo=UTC
    )
    # Every 2 hours counts even local hours: 13:00 Berlin → the 12:00 tick.
    assert tick("every 2 hours", "Europe/Berlin", NOW) == datetime(2026, 11, 22, 11, tzinfo=UTC)
    assert tick("every 2 hours", "America/New_York", NOW) == datetime(2026, 11, 22, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "name"),
    [("daily at 08:00", "daily"), ("every 1d", "daily"), ("weekly on monday at 08:00", "weekly"),
     ("every 2 hours", "interval"), ("0 8 * * 1-5", "interval")],
)  # fmt: skip
def test_each_window_is_named_for_the_subject(written: str, name: str) -> None:
    assert schedule.period_name(schedule.parse_schedule(written)) == name


SCHEDULES = st.sampled_from(
    # Cron times inside the hour that repeats when summer time ends are left to the test
    # below (they hang).
    ["daily at 08:00", "daily at 03:30", "weekly on sunday at 04:15", "every 2 hours",
     "every 1 hour", "every 30 minutes", "0 8 * * 1-5"]
)  # fmt: skip
ZONES = st.sampled_from(["Europe/Berlin", "America/New_York", "UTC", "Australia/Lord_Howe"])
# 2026, densest around the daylight-saving changes, where windows go wrong if anywhere.
MOMENTS = st.one_of(
    st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31)),
    st.datetimes(datetime(2026, 3, 28), datetime(2026, 3, 30)),
    st.datetimes(datetime(2026, 10, 24), datetime(2026, 10, 26)),
    st.datetimes(datetime(2026, 11, 0o1), datetime(2026, 11, 2)),
).map(lambda naive: naive.replace(tzinfo=UTC))


@settings(max_examples=examples(300), deadline=None)
@given(written=SCHEDULES, timezone=ZONES, now=MOMENTS, later=st.timedeltas(
    timedelta(0), timedelta(days=3)))  # fmt: skip
def test_windows_end_at_or_before_now_never_go_back_and_each_end_is_a_tick(
    written: str, timezone: str, now: datetime, later: timedelta
) -> None:
    end = tick(written, timezone, now)
    assert end <= now
    assert end.tzinfo is not None
    assert end.utcoffset() == timedelta(0)
    assert tick(written, timezone, end) == end  # closing at the tick closes that window
    assert tick(written, timezone, now + later) >= end  # never an earlier window again


@settings(max_examples=examples(200), deadline=None)
@given(timezone=ZONES, now=MOMENTS)
def test_a_daily_window_ends_once_a_day_at_the_local_time_given(
    timezone: str, now: datetime
) -> None:
    end = tick("daily at 08:00", timezone, now)
    local = end.astimezone(ZoneInfo(timezone))
    assert (local.hour, local.minute) == (8, 0)
    assert now - end < timedelta(hours=25)


@pytest.mark.parametrize(
    ("written", "timezone", "now"),
    [("daily at 02:30", "Europe/Berlin", "2026-10-25T01:30:00+00:00"),
     ("daily at 02:30", "Europe/Berlin", "2026-10-26T12:00:00+00:00"),
     ("daily at 01:30", "America/New_York", "2026-11-01T12:00:00+00:00")],
)  # fmt: skip
def test_a_window_at_a_time_that_happens_twice_ends_and_the_next_one_ends_a_day_later(
    written: str, timezone: str, now: str
) -> None:
    # In a child process, so that a hang is a timeout and not a stuck test run.
    program = (
        "import sys; from datetime import datetime; from monitor.config import schedule; "
        "print(schedule.last_tick(schedule.parse_schedule(sys.argv[1]), sys.argv[2], "
        "datetime.fromisoformat(sys.argv[3])).isoformat())"
    )
    result = subprocess.run(
        [sys.executable, "-c", program, written, timezone, now],
        capture_output=True, text=True, timeout=4, check=True,
    )  # fmt: skip
    end = datetime.fromisoformat(result.stdout.strip())
    assert end <= datetime.fromisoformat(now)
    local = end.astimezone(ZoneInfo(timezone))
    assert (local.hour, local.minute) == tuple(int(x) for x in written[-5:].split(":"))
