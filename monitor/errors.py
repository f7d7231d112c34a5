"""Every error monitor raises on purpose, in one tree.

    MonitorError
    ├── ConfigError            sources.yaml or the environment is wrong; names file, line, path
    ├── QuerySyntaxError       a brand or rule query does not parse; names the column
    ├── FetchError             a page could not be fetched (network, status, limits)
    │   ├── RobotsDisallowedError    robots.txt of the host forbids it (or was unreachable)
    │   ├── BlockedAddressError      the host is loopback, private, … and not allowed
    │   ├── UnreachableError         no connection to the host (refused, unknown, timed out)
    │   ├── TimedOutError            connected, but the answer did not come in time
    │   ├── TooLargeError            the body is over the size cap
    │   └── ChallengeError           a bot challenge (403/503) stands where the page should
    ├── SourceError            a page was fetched but is not what the source expects
    ├── StoreError             the database refuses (for example a schema newer than this code)
    └── DeliveryError          a mail could not be handed to the SMTP server
        ├── TemporaryDeliveryError   worth retrying later (4xx, connection lost, timeout)
        └── PermanentDeliveryError   will not succeed as it is (5xx)

Constructors only store what they are given; callers decide what to log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from monitor.phrasebook import problems
from monitor.phrasebook.language import Language


class MonitorError(Exception):
    """Base of every error monitor raises on purpose."""


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong in a configuration file: where, and what to do about it.

    `message` is the English sentence; `kind` and `values` name it in the phrasebook, so
    `told` says it in another language. `excerpt` is the line's own text, shown where the
    path alone does not point at the mistake (YAML syntax).
    """

    file: str
    line: int | None
    path: str
    message: str
    kind: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)
    excerpt: str | None = None

    @classmethod
    def said(
        cls, file: str, line: int | None, path: str, kind: str, /, **values: Any
    ) -> ConfigProblem:
        """The problem of `kind` in the phrasebook, with its values."""
        return cls(file, line, path, problems.english(kind, values), kind, values)

    def __str__(self) -> str:
        return self.told("en")

    def told(self, language: Language) -> str:
        said = problems.told(self.kind, self.values, self.message, language)
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        shown = f"{where}: {self.path}: {said}" if self.path else f"{where}: {said}"
        if self.excerpt is not None and self.line is not None:
            shown += f"\n  {self.line} | {self.excerpt}"
        return shown


class ConfigError(MonitorError):
    """The configuration cannot be used; `problems` lists every mistake found, in file order."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))

    def told(self, language: Language) -> str:
        return "\n".join(problem.told(language) for problem in self.problems)


class QuerySyntaxError(MonitorError):
    """A query does not parse: a problem of `kind` (phrasebook.query_syntax) with its
    `values`. `column` is 1-based in the query text."""

    def __init__(self, kind: str, column: int, **values: str) -> None:
        self.kind, self.values, self.column = kind, values, column
        self.message = problems.english(kind, values)
        super().__init__(f"{self.message} at column {column}")

    def told(self, language: Language) -> str:
        """The sentence in `language`, without the column."""
        return problems.told(self.kind, self.values, self.message, language)


class FetchError(MonitorError):
    """A URL could not be fetched. `status` is set when the server answered."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        self.url = url
        self.reason = reason
        self.status = status
        super().__init__(f"{url}: {reason}")


class RobotsDisallowedError(FetchError):
    """robots.txt of the URL's host does not let our user-agent token fetch it."""


class BlockedAddressError(FetchError):
    """The URL (or a redirect hop) resolves to a non-public address not in allow_hosts."""


class UnreachableError(FetchError):
    """No connection to the URL's host could be made: the name does not resolve, the port
    refuses, or the connect timed out. Not the page's fault, nor robots.txt's."""


class TimedOutError(FetchError):
    """The host was reached but did not answer within a limit (no data for the read
    timeout, or the whole exchange over its deadline)."""


class TooLargeError(FetchError):
    """The response body (declared, or decoded while reading) is over the size cap."""


class ChallengeError(FetchError):
    """A bot challenge (Cloudflare, DDoS-Guard…) answered instead of the page: the site
    blocks automated readers. Retrying does not help; the source needs attention."""


class SourceError(MonitorError):
    """A response arrived but cannot be read as what the source expects."""


class StoreError(MonitorError):
    """The database cannot be used as it is."""


class LeaseLost(StoreError):
    """A crawl's lease on its source was taken over by another worker: this crawl's
    results are not stored (the other worker's crawl is the one that counts)."""


class AlreadyQueued(StoreError):
    """Mentions a digest was about to queue are in another mail of the same alert already
    (another process queued them a moment before): this one is not queued."""

    def __init__(self, alert: str, outbox_id: int | None) -> None:
        self.alert, self.outbox_id = alert, outbox_id
        super().__init__(f"{alert}: already queued by mail #{outbox_id}")


class DeliveryError(MonitorError):
    """A mail was not accepted by the SMTP server. `kind` names what happened for a
    person (unreachable, timeout, login, refused, reply) with its `values`; the text is
    the detail for the log and the outbox."""

    def __init__(self, reason: str, kind: str = "reply", **values: str) -> None:
        self.kind, self.values = kind, values
        super().__init__(reason)


class TemporaryDeliveryError(DeliveryError):
    """Worth trying again later: 4xx replies, refused or dropped connections, timeouts."""


class PermanentDeliveryError(DeliveryError):
    """Will not succeed by retrying: 5xx replies."""
