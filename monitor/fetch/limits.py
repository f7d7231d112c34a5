"""The hard limits every fetch runs under, in one frozen value.

Defaults suit production; tests pass smaller ones (a 0.3 s deadline, a 64 KiB body cap)
instead of waiting. Every duration is in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx


@dataclass(frozen=True, slots=True)
class Limits:
    """What one fetch may cost at most, and how robots.txt and retries are paced.

    - `connect_timeout`, `read_timeout`: per socket operation (httpx semantics: a server
      sending one byte every few seconds never trips `read_timeout`), so
    - `deadline` bounds one whole exchange (connect, headers, body) of one hop; a drip
      feed is cut there.
    - `total` bounds one whole fetch: every hop, every attempt and the pauses between
      them, robots.txt and the wait for the host's slot. A crawl's lease is kept alive
      beside it, and the service sets it from `monitor.crawl.lease.FETCH_DEADLINE`.
    - `max_body_bytes` counts *decoded* bytes while streaming (gzip, deflate and brotli
      bombs stop at the cap); a larger Content-Length is refused before reading.
    - `max_redirects` hops, each checked (scheme, address, robots.txt) before it is sent.
    - `attempts` per fetch, for timeouts, connection errors, 408, 429 and 5xx only; the
      pause before attempt n is `backoff_base * 2**(n-2)` plus up to as much jitter,
      capped at `backoff_cap`.
    - `max_retry_after`: the longest a 429/503 Retry-After may pause a host. A fetch whose
      host is paused for longer than `max_wait` fails at once instead of holding a worker.
    - `max_error_delay`: consecutive errors double a host's delay up to this.
    - `max_crawl_delay`: a robots.txt Crawl-delay is honoured up to this.
    - robots.txt is kept `robots_ttl`; when it could not be fetched (5xx, 429, network
      error) the host counts as disallowed for `robots_error_ttl`, then it is asked again.
      At most `robots_max_bytes` of it are read (RFC 9309 asks for at least 500 KiB).
    """

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    deadline: float = 60.0
    total: float = 120.0
    max_body_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    attempts: int = 3
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    max_retry_after: float = 3600.0
    max_wait: float = 60.0
    max_error_delay: float = 60.0
    max_crawl_delay: float = 60.0
    robots_ttl: float = 24 * 3600.0
    robots_error_ttl: float = 3600.0
    robots_max_bytes: int = 512 * 1024

    @property
    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(
            connect=self.connect_timeout, read=self.read_timeout, write=self.read_timeout,
            pool=self.deadline,
        )  # fmt: skip

    def backoff(self, attempt: int, jitter: float) -> float:
        """Seconds to wait before `attempt` (2, 3, …); `jitter` is in [0, 1)."""
        base = self.backoff_base * 2 ** max(attempt - 2, 0)
        return float(min(base * (1 + jitter), self.backoff_cap))
