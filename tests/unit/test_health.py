"""Source health as a pure state machine: every transition and the one event it sends."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from monitor.crawl import health
from monitor.crawl.health import Outcome
from monitor.domain import Health, HealthEvent, HealthState

OK, FAILING, BROKEN = HealthState.OK, HealthState.FAILING, HealthState.BROKEN
ATTENTION, RECOVERED = HealthEvent.ATTENTION, HealthEvent.RECOVERED

N = 3  # the default `failures_before_attention`
HTML = "http://127.0.0.1/feed.xml served an HTML page, not a feed: check the feed URL"
EMPTY_URL = "http://127.0.0.1/feed.xml"


@dataclass(frozen=True)
class Case:
    name: str
    previous: Health
    outcome: Outcome
    expected: Health
    event: str | None
    yielded_before: bool = True
    failures_to_break: int = N
    # When set, the reason is checked for these pieces instead of compared whole.
    reason_has: tuple[str, ...] = ()


CASES = [
    Case(
        "ok, first failure: failing, no event",
        Health(OK),
        Outcome("HTTP 404 Not Found"),
        Health(FAILING, "HTTP 404 Not Found", 1),
        None,
    ),
    Case(
        "failing, second failure: still failing, no event",
        Health(FAILING, "HTTP 404 Not Found", 1),
        Outcome("HTTP 500 Internal Server Error"),
        Health(FAILING, "HTTP 500 Internal Server Error", 2),
        None,
    ),
    Case(
        "failing, N-th failure in a row: broken, attention",
        Health(FAILING, "HTTP 404 Not Found", N - 1),
        Outcome("connection refused"),
        Health(BROKEN, f"failed {N} times in a row; last: connection refused", N),
        ATTENTION,
    ),
    Case(
        "ok, wrong content: broken at once, attention",
        Health(OK),
        Outcome(HTML, wrong_content=True),
        Health(BROKEN, HTML, 1),
        ATTENTION,
    ),
    Case(
        "failing, wrong content: broken at once, attention",
        Health(FAILING, "HTTP 404 Not Found", 1),
        Outcome(HTML, wrong_content=True),
        Health(BROKEN, HTML, 2),
        ATTENTION,
    ),
    Case(
        "broken, another failure: stays broken, no second mail",
        Health(BROKEN, f"failed {N} times in a row; last: HTTP 404 Not Found", N),
        Outcome("HTTP 404 Not Found"),
        Health(BROKEN, f"failed {N + 1} times in a row; last: HTTP 404 Not Found", N + 1),
        None,
    ),
    Case(
        "broken by wrong content, wrong content again: stays broken, no event",
        Health(BROKEN, HTML, 1),
        Outcome(HTML, wrong_content=True),
        Health(BROKEN, HTML, 2),
        None,
    ),
    Case(
        "broken, success: ok, recovered",
        Health(BROKEN, f"failed {N} times in a row; last: HTTP 404 Not Found", N),
        Outcome(),
        Health(OK),
        RECOVERED,
    ),
    Case(
        "broken by empty pages, success with items: ok, recovered",
        Health(BROKEN, f"parsed to zero items where it used to yield some: {EMPTY_URL}"),
        Outcome(),
        Health(OK),
        RECOVERED,
    ),
    Case(
        "failing, success: ok, no event",
        Health(FAILING, "HTTP 404 Not Found", 2),
        Outcome(),
        Health(OK),
        None,
    ),
    Case(
        "ok, success: ok, no event",
        Health(OK),
        Outcome(),
        Health(OK),
        None,
    ),
    Case(
        "ok, empty pages where it yielded before: broken, attention",
        Health(OK),
        Outcome(empty_pages=(EMPTY_URL,)),
        Health(BROKEN, f"parsed to zero items where it used to yield some: {EMPTY_URL}"),
        ATTENTION,
    ),
    Case(
        "failing, empty pages where it yielded before: broken, attention",
        Health(FAILING, "HTTP 404 Not Found", 2),
        Outcome(empty_pages=(EMPTY_URL,)),
        Health(BROKEN, f"parsed to zero items where it used to yield some: {EMPTY_URL}"),
        ATTENTION,
    ),
    Case(
        "broken by empty pages, empty again: stays broken, no event",
        Health(BROKEN, f"parsed to zero items where it used to yield some: {EMPTY_URL}"),
        Outcome(empty_pages=(EMPTY_URL,)),
        Health(BROKEN, f"parsed to zero items where it used to yield some: {EMPTY_URL}"),
        None,
    ),
    Case(
        "ok, empty pages of a source that never yielded: ok, no event",
        Health(OK),
        Outcome(empty_pages=(EMPTY_URL,)),
        Health(OK),
        None,
        yielded_before=False,
    ),
    Case(
        "N=1, ok, first failure: broken at once, attention",
        Health(OK),
        Outcome("HTTP 404 Not Found"),
        Health(BROKEN, None, 1),
        ATTENTION,
        failures_to_break=1,
        reason_has=("once", "HTTP 404 Not Found"),
    ),
    Case(
        "N=1, broken, another failure: stays broken, no event",
        Health(BROKEN, "failed once; last: HTTP 404 Not Found", 1),
        Outcome("HTTP 404 Not Found"),
        Health(BROKEN, None, 2),
        None,
        failures_to_break=1,
        reason_has=("2", "HTTP 404 Not Found"),
    ),
    Case(
        "N=1, broken, success: ok, recovered",
        Health(BROKEN, "failed once; last: HTTP 404 Not Found", 1),
        Outcome(),
        Health(OK),
        RECOVERED,
        failures_to_break=1,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_next_health(case: Case) -> None:
    after, event = health.next_health(
        case.previous,
        case.outcome,
        yielded_before=case.yielded_before,
        failures_to_break=case.failures_to_break,
    )
    assert event == case.event
    assert (after.state, after.consecutive_failures) == (
        case.expected.state,
        case.expected.consecutive_failures,
    )
    if case.reason_has:
        assert after.reason is not None
        for piece in case.reason_has:
            assert piece in after.reason
    else:
        assert after.reason == case.expected.reason


def test_the_n_th_failure_reason_names_the_count_and_the_last_error() -> None:
    state, events = Health(OK), []
    for error in ("HTTP 404 Not Found", "HTTP 410 Gone", "HTTP 403 Forbidden"):
        state, event = health.next_health(
            state, Outcome(error), yielded_before=True, failures_to_break=N
        )
        events.append(event)

    assert events == [None, None, ATTENTION]
    assert state.state == BROKEN
    assert state.consecutive_failures == 3
    assert state.reason is not None
    assert "3" in state.reason
    assert "HTTP 403 Forbidden" in state.reason
    assert "404" not in state.reason  # the last error, not the first


@pytest.mark.parametrize("failures_to_break", [1, 2, 3, 5])
def test_a_dead_source_sends_one_attention_and_one_recovered_event(
    failures_to_break: int,
) -> None:
    state, events = Health(OK), []
    outcomes = [Outcome("HTTP 404 Not Found")] * 10 + [Outcome()] * 3
    for outcome in outcomes:
        state, event = health.next_health(
            state, outcome, yielded_before=True, failures_to_break=failures_to_break
        )
        if event is not None:
            events.append(event)

    assert events == [ATTENTION, RECOVERED]
    assert state == Health(OK)


def test_the_event_comes_exactly_at_the_n_th_failure() -> None:
    state = Health(OK)
    seen: list[tuple[str, int, str | None]] = []
    for _ in range(4):
        state, event = health.next_health(
            state, Outcome("HTTP 404 Not Found"), yielded_before=False, failures_to_break=N
        )
        seen.append((state.state, state.consecutive_failures, event))

    assert seen == [
        (FAILING, 1, None),
        (FAILING, 2, None),
        (BROKEN, 3, ATTENTION),
        (BROKEN, 4, None),
    ]


def test_only_the_first_three_empty_pages_are_named() -> None:
    pages = tuple(f"http://127.0.0.1/page/{i}" for i in range(5))
    after, event = health.next_health(
        Health(OK), Outcome(empty_pages=pages), yielded_before=True, failures_to_break=N
    )
    assert event == ATTENTION
    assert after.reason is not None
    assert "page/2" in after.reason
    assert "page/3" not in after.reason
