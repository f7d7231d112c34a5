"""An httpx transport on aiohttp whose every TCP connection goes to an address the guard
accepted.

Why aiohttp under httpx: the rest of the project speaks httpx (requests, responses,
errors, `MockTransport` in tests), but httpcore's pure-Python HTTP/1.1 costs about 3 ms of
CPU per 100 KB page where aiohttp's C parser costs a tenth of a millisecond (see
bench/client.py), and a crawl fetches thousands of pages. So this module is an
`httpx.AsyncBaseTransport` that sends each request through one aiohttp session and hands
back an httpx response whose body streams from aiohttp.

The guard: checking a name before the request leaves a window (DNS rebinding: public at
check time, 127.0.0.1 at connect time). Instead aiohttp's connector asks our resolver,
which resolves the name itself with `loop.getaddrinfo`, refuses the connection unless
*every* address passes `AllowList.check`, and returns only those addresses; aiohttp
connects to one of them (its DNS cache holds checked answers only). TLS still verifies
the URL's host name (aiohttp sends it as SNI and checks the certificate against it), so
pinning the IP changes nothing for HTTPS.

The session does nothing of its own: no redirects (the fetcher follows them, checking
each hop), no decompression (the fetcher decodes under its caps), no cookies, no
proxies (a proxy would connect on our behalf, past the guard), no default headers
(httpx's are sent as they are). aiohttp's exceptions become httpx's, so callers see
only httpx errors and `BlockedAddress`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager

import aiohttp
import httpx
import yarl
from aiohttp.abc import AbstractResolver, ResolveResult

from monitor.fetch import addresses

Resolver = Callable[[str, int], Awaitable[list[addresses.IPAddress]]]


class BlockedAddress(Exception):  # internal signal, turned into BlockedAddressError
    """Raised from inside the connector when the guard refuses a connection."""


async def resolve(host: str, port: int) -> list[addresses.IPAddress]:
    """Every address `host` resolves to, in the resolver's order, without duplicates."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        # An OSError, which aiohttp reports as ClientConnectorDNSError: a ConnectError.
        said = error.strerror if isinstance(error, socket.gaierror) else str(error)
        raise OSError(f"cannot resolve {host}: {said}") from None
    found: dict[str, addresses.IPAddress] = {}
    for *_, sockaddr in infos:
        text = str(sockaddr[0])
        found.setdefault(text, ipaddress.ip_address(text.split("%", 1)[0]))
    return list(found.values())


class GuardedResolver(AbstractResolver):
    """Resolves, checks every address, answers with the checked ones. See the module
    docstring."""

    def __init__(self, allow: addresses.AllowList, resolver: Resolver) -> None:
        self._allow = allow
        self._resolve = resolver

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        ips = await self._resolve(host, port)
        refused = self._allow.check(host, port, ips)
        if refused:
            raise BlockedAddress(refused)
        return [
            ResolveResult(
                hostname=host, host=str(ip), port=port, proto=0, flags=socket.AI_NUMERICHOST,
                family=socket.AF_INET6 if ip.version == 6 else socket.AF_INET,
            )
            for ip in ips
        ]  # fmt: skip

    async def close(self) -> None:
        pass


# Most specific first: the first isinstance match wins. aiohttp's timeouts are also
# TimeoutError, which the fetcher takes for its own deadline: they must not pass unmapped.
_ERRORS: tuple[tuple[type[Exception], type[httpx.RequestError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
    (aiohttp.ClientConnectorError, httpx.ConnectError),  # also the DNS and TLS failures
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),  # "…disconnected"
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),  # a malformed answer
    (aiohttp.ClientPayloadError, httpx.ReadError),  # a body cut short or badly chunked
    (aiohttp.ClientConnectionError, httpx.NetworkError),
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
    (aiohttp.ClientError, httpx.TransportError),
)


@contextmanager
def _httpx_errors(request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except aiohttp.ClientError as error:
        for mapped_from, mapped in _ERRORS:
            if isinstance(error, mapped_from):
                raise mapped(_message(error), request=request) from error
        raise


def _message(error: aiohttp.ClientError) -> str:
    if isinstance(error, aiohttp.ClientConnectorDNSError):
        return str(error.os_error)  # `resolve`'s own sentence
    if isinstance(error, aiohttp.ClientConnectorError):
        # "cannot connect to 127.0.0.1:1: Connection refused", not aiohttp's repr of it.
        cause = error.os_error
        said = os.strerror(cause.errno) if cause.errno else str(cause)
        return f"cannot connect to {error.host}:{error.port}: {said}"
    if isinstance(error, aiohttp.ServerDisconnectedError):
        return "Server disconnected without sending a response."
    if isinstance(error, aiohttp.ClientResponseError):
        return error.message or str(error)
    return str(error) or type(error).__name__


class _Body(httpx.AsyncByteStream):
    """The body of an aiohttp response, as it arrives. Closing it before the end closes the
    connection (aiohttp reuses only connections whose answer was read to the end)."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors(self._request):
            async for chunk in self._response.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        self._response.release()


# Header lines up to this size are read (aiohttp's default, 8 KB, refuses the long
# Set-Cookie and Link headers some boards send); a longer one is a broken server.
_HEADER_BYTES = 64 * 1024


class Transport(httpx.AsyncBaseTransport):
    """httpx → one aiohttp session with the guarded resolver. HTTP/1.1 only, no proxies."""

    def __init__(
        self,
        allow: addresses.AllowList,
        *,
        resolver: Resolver = resolve,
        max_connections: int = 100,
        keepalive_expiry: float = 15.0,
    ) -> None:
        self._allow = allow
        self._resolver = resolver
        self._max_connections = max_connections
        self._keepalive_expiry = keepalive_expiry
        self._session: aiohttp.ClientSession | None = None
        # Hosts met, as (host, port): the address they spell, if any, and the guard's
        # answer for it, which cannot change (no name, no resolver). Few per crawl.
        self._literals: dict[tuple[str, int], tuple[str | None, str | None]] = {}

    def _open(self) -> aiohttp.ClientSession:
        # Made on first use: an aiohttp session belongs to the running event loop.
        # Every open connection may stay open: fewer kept than crawls run at once (16, each
        # with up to its host's concurrency) would close some after each answer. Kept 15 s,
        # beyond a host's usual delay between requests; a server that closes one sooner is
        # noticed before the connection is reused.
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(self._allow, self._resolver),
            limit=self._max_connections,
            keepalive_timeout=self._keepalive_expiry,
            ssl=httpx.create_ssl_context(),
        )
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            trust_env=False,
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            timeout=aiohttp.ClientTimeout(total=None),
            max_line_size=_HEADER_BYTES,
            max_field_size=_HEADER_BYTES,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._session is None:
            self._session = self._open()
        url = self._checked_literal(request.url)
        limits = request.extensions.get("timeout", {})
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=limits.get("connect"), sock_read=limits.get("read")
        )
        headers = [(name.decode("latin-1"), value.decode("latin-1"))
                   for name, value in request.headers.raw]  # fmt: skip
        content = await request.aread()
        with _httpx_errors(request):
            response = await self._session.request(
                request.method, url,
                headers=headers, data=content or None, allow_redirects=False, timeout=timeout,
            )  # fmt: skip
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_Body(response, request),
            extensions={
                "http_version": f"HTTP/{response.version.major}.{response.version.minor}".encode()
                if response.version
                else b"HTTP/1.1",
                "reason_phrase": (response.reason or "").encode("latin-1", "replace"),
            },
        )

    def _checked_literal(self, url: httpx.URL) -> yarl.URL:
        """The URL to send, its host checked here if it is an IP address: aiohttp connects
        to one without asking the resolver (no name to rebind, so checking first is exact).

        The old spellings of IPv4 that resolvers still take ("2130706433", "127.1",
        "0x7f.1") are sent to the address they stand for (yarl refuses them), with the
        Host header as httpx wrote it.
        """
        literal = url.host
        port = url.port or (443 if url.scheme == "https" else 80)
        known = self._literals.get((literal, port))
        if known is None:
            known = self._literals[(literal, port)] = self._literal(literal, port)
        ip, refused = known
        if refused:
            raise BlockedAddress(refused)
        if ip is not None and ip != literal:
            url = url.copy_with(host=ip)
        return yarl.URL(str(url), encoded=True)

    def _literal(self, host: str, port: int) -> tuple[str | None, str | None]:
        """The address `host` spells (None for a name) and why the guard refuses it."""
        ip = addresses.ip_literal(host)
        if ip is None:
            return None, None  # a name: the resolver checks it
        return str(ip), self._allow.check(host, port, [ip])

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
