"""The per-host gate on virtual time: spacing, concurrency, pauses, slow-down, isolation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.config.host_policy import HostPolicy
from monitor.fetch import politeness
from tests.unit.fetch.faketime import FakeTime


def _gate(time: FakeTime, **policies: HostPolicy) -> politeness.Politeness:
    return politeness.Politeness(
        {k.replace("_", "."): v for k, v in policies.items()},
        clock=time.monotonic, sleep=time.sleep, max_error_delay=8.0, max_wait=60.0,
    )  # fmt: skip


async def _request(gate: politeness.Politeness, time: FakeTime, host: str, log: list,
                   hold: float = 0.0) -> None:  # fmt: skip
    async with gate.slot(host):
        log.append((host, time.now))
        if hold:
            await time.sleep(hold)


async def test_starts_are_spaced_by_the_delay_and_capped_by_concurrency() -> None:
    time = FakeTime()
    gate = _gate(time, forum_example=HostPolicy(concurrency=2, delay=1.0))
    log: list = []
    await time.run(*(_request(gate, time, "forum.example", log, hold=5.0) for _ in range(4)))
    # 0 and 1 start a second apart; 2 and 3 wait for a slot (free at 5 and 6).
    assert [at for _, at in log] == [0.0, 1.0, 5.0, 6.0]


async def test_defaults_are_two_at_a_time_one_second_apart() -> None:
    time = FakeTime()
    gate = _gate(time)
    log: list = []
    await time.run(*(_request(gate, time, "blog.example", log) for _ in range(3)))
    assert [at for _, at in log] == [0.0, 1.0, 2.0]


async def test_hosts_do_not_wait_on_each_other() -> None:
    time = FakeTime()
    gate = _gate(time, slow_example=HostPolicy(concurrency=1, delay=10.0))
    log: list = []
    await time.run(
        _request(gate, time, "slow.example", log, hold=100.0),
        _request(gate, time, "slow.example", log),
        _request(gate, time, "fast.example", log),
    )
    assert ("fast.example", 0.0) in log
    assert ("slow.example", 100.0) in log  # waited for the one slot


async def test_a_pause_holds_the_host_and_a_long_one_fails_fast() -> None:
    time = FakeTime()
    gate = _gate(time)
    gate.pause("api.example", 30.0)
    log: list = []
    await time.run(_request(gate, time, "api.example", log))
    assert log == [("api.example", 30.0)]
    gate.pause("api.example", 3600.0)
    with pytest.raises(politeness.HostPaused, match="pause for 3600 s"):
        await time.run(_request(gate, time, "api.example", log))


async def test_errors_double_the_delay_up_to_the_cap_and_a_success_resets_it() -> None:
    time = FakeTime()
    gate = _gate(time, api_example=HostPolicy(delay=1.0))
    delays = []
    for _ in range(5):
        gate.failed("api.example")
        delays.append(gate.delay("api.example"))
    assert delays == [2.0, 4.0, 8.0, 8.0, 8.0]
    gate.succeeded("api.example")
    assert gate.delay("api.example") == 1.0


def test_crawl_delay_wins_when_larger_and_is_capped() -> None:
    time = FakeTime()
    gate = _gate(time, a_example=HostPolicy(delay=2.0))
    gate.set_crawl_delay("a.example", 1.0)
    assert gate.delay("a.example") == 2.0
    gate.set_crawl_delay("a.example", 5.0)
    assert gate.delay("a.example") == 5.0
    gate.set_crawl_delay("a.example", 86400.0)
    assert gate.delay("a.example") == 60.0


def test_host_names_are_matched_case_insensitively() -> None:
    gate = _gate(FakeTime(), forum_example=HostPolicy(concurrency=1, delay=3.0))
    assert gate.delay("Forum.Example.") == 3.0


NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 5 ", 5.0),
        ("Mon, 05 Jan 2026 12:01:30 GMT", 90.0),
        ("Mon, 05 Jan 2026 11:00:00 GMT", 0.0),  # in the past
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(value: str | None, seconds: float | None) -> None:
    assert politeness.retry_after(value, now=NOW) == seconds
