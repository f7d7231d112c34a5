"""Retry waits: doubling from one minute, capped at two hours, within ±25 % jitter."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.alerting import delivery


def test_the_wait_doubles_with_each_attempt() -> None:
    waits = [delivery.backoff(attempt, jitter=0.5) for attempt in range(1, 6)]
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]


def test_the_wait_is_capped() -> None:
    assert delivery.backoff(8, jitter=0.5) == timedelta(hours=2)
    assert delivery.backoff(30, jitter=0.5) == timedelta(hours=2)
    assert timedelta(hours=2) == delivery.LONGEST_RETRY


@pytest.mark.parametrize("attempt", [1, 3, 8, 20])
def test_jitter_stays_within_a_quarter_either_way(attempt: int) -> None:
    middle = delivery.backoff(attempt, jitter=0.5)
    low = delivery.backoff(attempt, jitter=0.0)
    high = delivery.backoff(attempt, jitter=0.999999)
    assert low == middle * 0.75
    assert middle * 1.24 < high < middle * 1.25
    for jitter in (0.1, 0.3, 0.7, 0.9):
        assert low <= delivery.backoff(attempt, jitter=jitter) < high


def test_more_jitter_never_means_a_shorter_wait() -> None:
    waits = [delivery.backoff(2, jitter=j / 10) for j in range(10)]
    assert waits == sorted(waits)
    assert len(set(waits)) == 10


def test_the_first_retry_comes_within_a_minute_and_a_quarter() -> None:
    assert timedelta(seconds=45) <= delivery.backoff(1, jitter=0.0)
    assert delivery.backoff(1, jitter=0.999) < timedelta(seconds=75)
