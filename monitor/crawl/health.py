"""Source health: ok, failing or broken, and when to tell the admins. Pure.

    ok ──failure──► failing ──N-th failure in a row──► broken ──success──► ok
    ok/failing ──wrong content (HTML, login wall, bot challenge)──► broken
    ok/failing ──a page parsed to zero items where it used to yield some──► broken

Entering `broken` is the one "needs attention" event; leaving it is the one "recovered"
event. Nothing else mails anyone, so a dead site costs one mail, not one per attempt.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.domain import Health, HealthEvent
from monitor.domain import HealthState as State


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one crawl came to. `error` is None for a successful crawl."""

    error: str | None = None
    wrong_content: bool = False
    empty_pages: tuple[str, ...] = ()
    # Every page answered 304 Not Modified: the crawl learned nothing about the source.
    unchanged: bool = False


def next_health(
    previous: Health, outcome: Outcome, *, yielded_before: bool, failures_to_break: int
) -> tuple[Health, HealthEvent | None]:
    """The state after `outcome`, and the event to tell the admins about, if any."""
    if outcome.error is None and outcome.unchanged:
        # Nothing was read, so nothing changed: a feed that broke by emptying stays broken
        # while it keeps answering 304, and a failing one has at least answered.
        if previous.state == State.BROKEN:
            return previous, None
        return Health(State.OK), None
    if outcome.error is not None:
        failures = previous.consecutive_failures + 1
        if outcome.wrong_content or failures >= failures_to_break or previous.state == State.BROKEN:
            reason = outcome.error if previous.state != State.BROKEN else previous.reason
            if outcome.wrong_content or failures >= failures_to_break:
                reason = _failed_reason(outcome, failures)
            new = Health(State.BROKEN, reason, failures)
        else:
            new = Health(State.FAILING, outcome.error, failures)
    elif outcome.empty_pages and yielded_before:
        pages = ", ".join(outcome.empty_pages[:3])
        new = Health(State.BROKEN, f"parsed to zero items where it used to yield some: {pages}")
    else:
        new = Health(State.OK)
    if new.state == State.BROKEN and previous.state != State.BROKEN:
        return new, HealthEvent.ATTENTION
    if new.state == State.OK and previous.state == State.BROKEN:
        return new, HealthEvent.RECOVERED
    return new, None


def _failed_reason(outcome: Outcome, failures: int) -> str:
    assert outcome.error is not None
    if outcome.wrong_content:
        return outcome.error
    times = "once" if failures == 1 else f"{failures} times in a row"
    return f"failed {times}; last: {outcome.error}"
