"""`Fetcher`: one GET the way sites tolerate and ops can trust. Everything else in
`monitor.fetch` is a part this module puts together.

For every hop of `Fetcher.fetch(request)` (the first URL and each redirect, at most
`Limits.max_redirects`, followed by hand so that each is checked before it is sent):

1. the scheme is http or https (a redirect to file:, ftp: … is refused);
2. robots.txt of the hop's origin allows the URL for our token (`RobotsDisallowedError`);
3. the host's politeness gate gives a slot (concurrency, delay, Retry-After pause);
4. the exchange runs under `asyncio.timeout(Limits.deadline)`; the connection goes only to
   an address the guard accepted (`BlockedAddressError`, see `transport`);
5. the body is read only for a 2xx, decoded under the size cap (`TooLargeError`); a 304,
   3xx or error status costs no body.

Authorization, Cookie and Proxy-Authorization headers the caller passed are dropped once
a redirect leaves the first origin (scheme, host, port). Timeouts, connection errors, 408,
429 and 5xx are retried (`Limits.attempts`, exponential backoff with jitter); other 4xx
never. Every failure is a `FetchError` whose reason says what happened.

Time is injected through `Clocks`, so tests wait on nothing real.
"""

from __future__ import annotations

import asyncio
import random
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import brotli
import httpx

from monitor import __version__, domain
from monitor.config.host_policy import HostPolicy
from monitor.errors import (
    BlockedAddressError,
    ChallengeError,
    FetchError,
    RobotsDisallowedError,
    TimedOutError,
    TooLargeError,
    UnreachableError,
)
from monitor.fetch import addresses, body, politeness, robots, transport
from monitor.fetch.limits import Limits
from monitor.sources.reading import challenges

DEFAULT_ROBOTS_AGENT = "monitor"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PRIVATE_HEADERS = ("authorization", "cookie", "proxy-authorization")


def retryable(status: int) -> bool:
    """Statuses worth another attempt: the server may answer differently soon."""
    return status in (408, 429) or 500 <= status <= 599


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Clocks:
    """Time as the fetch layer sees it: monotonic seconds, wall-clock now (for HTTP-date
    Retry-After), sleep, and jitter in [0, 1)."""

    monotonic: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = _utcnow
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    jitter: Callable[[], float] = field(default=random.random)


def user_agent(contact: str) -> str:
    return f"monitor/{__version__} (brand-mention monitor; +mailto:{contact})"


def create_client(
    *,
    contact: str,
    allow_hosts: tuple[str, ...] = (),
    limits: Limits | None = None,
    transport_: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The process's one HTTP client, connecting only where `allow_hosts` and the public
    internet allow (unless a test passes its own `transport_`). Redirects are not followed
    here: `Fetcher` follows them. No proxies from the environment (they would bypass the
    address guard)."""
    limits = limits or Limits()
    return httpx.AsyncClient(
        transport=transport_ or transport.Transport(addresses.AllowList(allow_hosts)),
        timeout=limits.timeout,
        follow_redirects=False,
        trust_env=False,
        headers={
            "User-Agent": user_agent(contact),
            "Accept-Language": "de, en;q=0.8",
            "Accept-Encoding": body.ACCEPT_ENCODING,
        },
    )


# A connection goes back to the pool only once its answer was read to the end; closing a
# 304, a redirect or an error page unread closes the connection with it (a revalidating
# crawl, nearly all 304s, opened one connection per request). Bodies up to this size are
# read and dropped; a longer one costs more to read than a new connection.
_DRAIN_BYTES = 64 * 1024


async def _drain(response: httpx.Response) -> None:
    """Read what is left of `response` so its connection can be reused (see above)."""
    if response.is_stream_consumed:
        return
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > _DRAIN_BYTES:
        return
    read = 0
    async for chunk in response.aiter_raw():
        read += len(chunk)
        if read > _DRAIN_BYTES:
            return


@dataclass(frozen=True, slots=True)
class _Answer:
    url: httpx.URL
    status: int
    reason: str
    headers: httpx.Headers
    content: bytes = b""


class _Transient(Exception):  # internal: a failure worth another attempt
    def __init__(self, error: FetchError) -> None:
        self.error = error
        super().__init__(str(error))


def _origin(url: httpx.URL) -> str:
    return f"{url.scheme}://{url.host}:{url.port or (443 if url.scheme == 'https' else 80)}"


def _http_url(original: str, text: str | httpx.URL) -> httpx.URL:
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as error:
        raise FetchError(original, f"invalid URL {text}: {error}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise FetchError(original, f"not an http(s) URL: {url}")
    return url


class Fetcher:
    """The shared client plus every host's state (politeness gate, robots.txt cache).

    One per process, used by every crawl concurrently on one event loop.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        robots_agent: str = DEFAULT_ROBOTS_AGENT,
        policies: Mapping[str, HostPolicy] | None = None,
        limits: Limits | None = None,
        clocks: Clocks | None = None,
    ) -> None:
        self.client = client
        self.robots_agent = robots_agent
        self.limits = limits or Limits()
        self.clocks = clocks or Clocks()
        self.politeness = politeness.Politeness(
            policies,
            clock=self.clocks.monotonic,
            sleep=self.clocks.sleep,
            max_error_delay=self.limits.max_error_delay,
            max_crawl_delay=self.limits.max_crawl_delay,
            max_wait=self.limits.max_wait,
        )
        self.robots = robots.RobotsCache(clock=self.clocks.monotonic)

    async def fetch(
        self,
        request: domain.Request,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> domain.Response:
        """GET `request.url`; see the module docstring. A 304 comes back `not_modified`
        with no content; any other non-2xx final answer raises FetchError. The whole of it
        (hops, attempts, robots.txt, the host's slot) ends by `Limits.total`."""
        try:
            async with asyncio.timeout(self.limits.total):
                return await self._fetch(request, etag=etag, last_modified=last_modified,
                                         headers=headers)  # fmt: skip
        except TimeoutError:
            raise FetchError(
                request.url,
                f"no answer within {self.limits.total:g} s, redirects, retries, robots.txt "
                "and the wait for the host included",
            ) from None

    async def _fetch(
        self,
        request: domain.Request,
        *,
        etag: str | None,
        last_modified: str | None,
        headers: Mapping[str, str] | None,
    ) -> domain.Response:
        url = _http_url(request.url, request.url)
        sent = dict(headers or {})
        if etag:
            sent["If-None-Match"] = etag
        if last_modified:
            sent["If-Modified-Since"] = last_modified
        attempts = max(self.limits.attempts, 1)
        for attempt in range(1, attempts + 1):
            try:
                answer = await self._follow(request.url, url, sent)
                challenge = self._challenge(answer)
                if challenge is not None:
                    raise ChallengeError(
                        request.url,
                        f"HTTP {answer.status}: a {challenge} challenge instead of the page; the "
                        "site blocks automated readers: ask its operators to allow the monitor, "
                        "or drop the source",
                        answer.status,
                    )
                if retryable(answer.status):
                    raise _Transient(self._status_error(request.url, answer))
            except _Transient as transient:
                if attempt == attempts:
                    error = transient.error
                    note = f" ({attempts} attempts)" if attempts > 1 else ""
                    raise type(error)(error.url, error.reason + note, error.status) from None
                await self.clocks.sleep(self.limits.backoff(attempt + 1, self.clocks.jitter()))
                continue
            return self._response(request, answer)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _response(self, request: domain.Request, answer: _Answer) -> domain.Response:
        # The content is decoded here, so the encoding headers no longer describe it.
        headers = {
            k: v
            for k, v in answer.headers.items()
            if k not in ("content-encoding", "content-length")
        }
        if answer.status == 304:
            return domain.Response(request, str(answer.url), 304, b"", headers, not_modified=True)
        if answer.status in REDIRECTS and answer.headers.get("location"):
            raise FetchError(request.url, f"more than {self.limits.max_redirects} redirects")
        if not 200 <= answer.status < 300:
            raise self._status_error(request.url, answer)
        return domain.Response(request, str(answer.url), answer.status, answer.content, headers)

    @staticmethod
    def _challenge(answer: _Answer) -> str | None:
        if answer.status not in challenges.STATUSES or not answer.content:
            return None
        page = answer.content.decode("utf-8", errors="replace")
        return challenges.who(page, answer.headers.get("server", ""))

    @staticmethod
    def _status_error(url: str, answer: _Answer) -> FetchError:
        return FetchError(url, f"HTTP {answer.status} {answer.reason}".rstrip(), answer.status)

    async def _follow(
        self,
        original: str,
        url: httpx.URL,
        headers: dict[str, str],
        *,
        check_robots: bool = True,
        cap: int | None = None,
        truncate: bool = False,
    ) -> _Answer:
        """Send the hops; the last answer (a 3xx one when the hops ran out)."""
        first_origin = _origin(url)
        for hop in range(self.limits.max_redirects + 1):
            if _origin(url) != first_origin:
                headers = {k: v for k, v in headers.items() if k.lower() not in _PRIVATE_HEADERS}
            if check_robots:
                await self._check_robots(original, url)
            answer = await self._exchange(original, url, headers, cap=cap, truncate=truncate)
            location = answer.headers.get("location")
            if answer.status not in REDIRECTS or not location or hop == self.limits.max_redirects:
                return answer
            try:
                url = _http_url(original, answer.url.join(location))
            except FetchError as error:
                raise FetchError(original, f"redirected to {error.reason}") from None
        raise AssertionError("unreachable: the last hop returns")  # pragma: no cover

    async def _exchange(
        self, original: str, url: httpx.URL, headers: dict[str, str], *, cap: int | None,
        truncate: bool,
    ) -> _Answer:  # fmt: skip
        """One request and its body, in one of the host's slots, within the deadline."""
        host = url.host
        cap = self.limits.max_body_bytes if cap is None else cap
        try:
            async with (
                self.politeness.slot(host),
                asyncio.timeout(self.limits.deadline),
                self.client.stream("GET", url, headers=headers) as response,
            ):
                answer = _Answer(response.url, response.status_code, response.reason_phrase,
                                 response.headers)  # fmt: skip
                if 200 <= answer.status < 300:
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > cap and not truncate:
                        raise TooLargeError(
                            original, f"body of {declared} bytes is over the cap of {cap} bytes"
                        )
                    encoding = response.headers.get("content-encoding", "")
                    content = await body.read(response.aiter_raw(), encoding, cap,
                                              truncate=truncate)  # fmt: skip
                    answer = _Answer(answer.url, answer.status, answer.reason, answer.headers,
                                     content)  # fmt: skip
                elif answer.status in challenges.STATUSES and not response.is_stream_consumed:
                    # Read the start: a bot challenge says what it is there.
                    content = await body.read(
                        response.aiter_raw(), response.headers.get("content-encoding", ""),
                        challenges.SNIFF_BYTES, truncate=True,
                    )  # fmt: skip
                    answer = _Answer(answer.url, answer.status, answer.reason, answer.headers,
                                     content)  # fmt: skip
                else:
                    await _drain(response)
        except politeness.HostPaused as paused:
            raise FetchError(original, str(paused)) from None
        except transport.BlockedAddress as blocked:
            raise BlockedAddressError(original, str(blocked)) from None
        except body.TooLarge:
            raise TooLargeError(original, f"body over the cap of {cap} bytes") from None
        except (body.UnsupportedEncoding, zlib.error, brotli.error) as error:
            raise FetchError(original, f"cannot decode the body: {error!r}") from None
        except TimeoutError:
            self.politeness.failed(host)
            reason = f"no complete answer within the {self.limits.deadline:g} s deadline"
            raise _Transient(TimedOutError(original, reason)) from None
        except httpx.TimeoutException as error:
            self.politeness.failed(host)
            limit = {
                httpx.ConnectTimeout: f"no connection within {self.limits.connect_timeout:g} s",
                httpx.ReadTimeout: f"no data for {self.limits.read_timeout:g} s while reading",
                httpx.WriteTimeout: f"could not send for {self.limits.read_timeout:g} s",
                httpx.PoolTimeout: f"no free connection within {self.limits.deadline:g} s",
            }.get(type(error), f"{type(error).__name__}")
            failure = UnreachableError if isinstance(error, httpx.ConnectTimeout) else TimedOutError
            raise _Transient(failure(original, limit)) from None
        except httpx.RemoteProtocolError as error:
            if "disconnected" not in str(error):
                # The server broke the protocol (an oversized or malformed header): it will
                # do so again; not worth the attempts a timeout gets. (A connection closed
                # before the answer is a network hiccup, retried below.)
                raise FetchError(original, f"the server broke HTTP: {error}") from None
            self.politeness.failed(host)
            raise _Transient(FetchError(original, f"{type(error).__name__}: {error}")) from None
        except httpx.ConnectError as error:
            self.politeness.failed(host)
            raise _Transient(UnreachableError(original, str(error))) from None
        except httpx.TransportError as error:
            self.politeness.failed(host)
            raise _Transient(FetchError(original, f"{type(error).__name__}: {error}")) from None
        except httpx.HTTPError as error:
            raise FetchError(original, f"{type(error).__name__}: {error}") from None
        self._account(host, answer)
        return answer

    def _account(self, host: str, answer: _Answer) -> None:
        """Tell the host's gate how it went: errors slow it down, Retry-After pauses it."""
        if not retryable(answer.status):
            self.politeness.succeeded(host)
            return
        self.politeness.failed(host)
        if answer.status in (429, 503):
            seconds = politeness.retry_after(
                answer.headers.get("retry-after"), now=self.clocks.now()
            )
            if seconds is not None:
                self.politeness.pause(host, min(seconds, self.limits.max_retry_after))

    async def _check_robots(self, original: str, url: httpx.URL) -> None:
        if url.path == "/robots.txt":
            return
        origin = _origin(url)
        rules = await self.robots.rules(origin, lambda: self._load_robots(original, url))
        self.politeness.set_crawl_delay(url.host, rules.crawl_delay(self.robots_agent))
        if rules.allows(str(url), self.robots_agent):
            return
        if rules.problem:
            raise RobotsDisallowedError(
                original,
                f"disallowed: robots.txt of {url.host} could not be fetched ({rules.problem}); "
                f"asked again after {self.limits.robots_error_ttl:g} s",
            )
        raise RobotsDisallowedError(
            original, f"disallowed by robots.txt of {url.host} for user-agent {self.robots_agent}"
        )

    async def _load_robots(self, original: str, url: httpx.URL) -> robots.Rules:
        robots_url = url.copy_with(path="/robots.txt", query=None, fragment=None)
        origin = _origin(url)
        limits = self.limits
        try:
            answer = await self._follow(
                str(robots_url), robots_url, {}, check_robots=False,
                cap=limits.robots_max_bytes, truncate=True,
            )  # fmt: skip
        except BlockedAddressError as blocked:
            # The page's host is blocked too: say that, of the page, not "robots.txt".
            raise BlockedAddressError(original, blocked.reason) from None
        except (_Transient, FetchError) as failed:
            error = failed.error if isinstance(failed, _Transient) else failed
            if isinstance(error, UnreachableError):
                # No connection to the host at all: the page cannot be fetched either, and
                # that is what to say (and to retry), not "disallowed by robots.txt".
                raise _Transient(UnreachableError(original, error.reason)) from None
            reason = error.reason
            return robots.unreachable(
                origin, reason, now=self.clocks.monotonic(), error_ttl=limits.robots_error_ttl
            )
        return robots.from_response(
            origin, answer.status, answer.content, now=self.clocks.monotonic(),
            ttl=limits.robots_ttl, error_ttl=limits.robots_error_ttl,
        )  # fmt: skip


@asynccontextmanager
async def open_fetcher(
    *,
    contact: str,
    allow_hosts: tuple[str, ...] = (),
    robots_agent: str = DEFAULT_ROBOTS_AGENT,
    policies: Mapping[str, HostPolicy] | None = None,
    limits: Limits | None = None,
    clocks: Clocks | None = None,
    transport_: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[Fetcher]:
    """A Fetcher with its own client, closed on exit."""
    async with create_client(
        contact=contact, allow_hosts=allow_hosts, limits=limits, transport_=transport_
    ) as client:
        yield Fetcher(
            client, robots_agent=robots_agent, policies=policies, limits=limits, clocks=clocks
        )
