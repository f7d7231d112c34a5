"""Source health: ok, failing or broken, and when to tell the admins. Pure.

    ok ──failure──► failing ──N-th failure in a row──► broken ──success──► ok
    ok/failing ──wrong content (HTML, login wall, bot challenge)──► broken
    ok/failing ──a page parsed to zero items where it used to yield some──► broken

Entering `broken` is the one "needs attention" event; leaving it is the one "recovered"
event. Nothing else mails anyone, so a dead site costs one mail, not one per attempt.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor import errors
from monitor.domain import Health, HealthEvent, Trouble
from monitor.domain import HealthState as State


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one crawl came to. `error` is None for a successful crawl.

    `error` is the technical text (logs, `monitor sources`); `trouble`, `status` and
    `where` say the same for a mail, in words of the catalogue (see `trouble_of`).
    """

    error: str | None = None
    wrong_content: bool = False
    empty_pages: tuple[str, ...] = ()
    # Every page answered 304 Not Modified: the crawl learned nothing about the source.
    unchanged: bool = False
    trouble: Trouble | None = None
    status: int | None = None  # the HTTP status, for Trouble.STATUS
    where: str | None = None  # the URL that failed

    @property
    def told(self) -> tuple[Trouble | None, int | None, str | None]:
        """What the admins' mail says went wrong: the trouble, its status, its URL."""
        if self.error is None and self.empty_pages:
            return Trouble.EMPTY_PAGES, None, self.empty_pages[0]
        return self.trouble, self.status, self.where


_TROUBLES: tuple[tuple[type[Exception], Trouble], ...] = (  # most specific first
    (errors.UnreachableError, Trouble.UNREACHABLE),
    (errors.TimedOutError, Trouble.TIMEOUT),
    (errors.RobotsDisallowedError, Trouble.ROBOTS),
    (errors.BlockedAddressError, Trouble.BLOCKED),
    (errors.TooLargeError, Trouble.TOO_LARGE),
    (errors.ChallengeError, Trouble.CHALLENGE),
    (errors.SourceError, Trouble.WRONG_CONTENT),
)


def failed(error: Exception, *, wrong_content: bool = False) -> Outcome:
    """The outcome of a crawl that raised `error`, with its trouble named."""
    trouble = next((t for kind, t in _TROUBLES if isinstance(error, kind)), None)
    status = error.status if isinstance(error, errors.FetchError) else None
    if trouble is None:
        if isinstance(error, errors.FetchError):
            trouble = Trouble.STATUS if status is not None else Trouble.FETCH
        else:
            trouble = Trouble.INTERNAL
    where = error.url if isinstance(error, errors.FetchError) else None
    text = str(error) if trouble != Trouble.INTERNAL else f"internal error: {error!r}"
    return Outcome(text, wrong_content=wrong_content, trouble=trouble, status=status,
                   where=where)  # fmt: skip


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
