"""An httpx transport whose every TCP connection goes to an address the guard accepted.

httpx resolves and connects inside httpcore, so checking a name before the request leaves
a window (DNS rebinding: public at check time, 127.0.0.1 at connect time). Instead the
network backend below resolves the name itself with `loop.getaddrinfo`, refuses the
connection unless *every* address passes `AllowList.check`, then connects to one of those
same addresses. TLS still verifies the URL's host name (httpcore sends it as SNI and checks
the certificate against it), so pinning the IP changes nothing for HTTPS.

`Transport` is the small adapter from httpx to an httpcore connection pool that httpx's
own `AsyncHTTPTransport` is, with a `network_backend` it does not let us pass. It maps
httpcore's exceptions to httpx's, so callers see only httpx errors and `BlockedAddress`.
No proxies: a proxy would connect on our behalf, past the guard.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

from monitor.fetch import addresses

Resolver = Callable[[str, int], Awaitable[list[addresses.IPAddress]]]


class BlockedAddress(Exception):  # internal signal, turned into BlockedAddressError
    """Raised from inside the connection pool when the guard refuses a connection."""


async def resolve(host: str, port: int) -> list[addresses.IPAddress]:
    """Every address `host` resolves to, in the resolver's order, without duplicates."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from None
    found: dict[str, addresses.IPAddress] = {}
    for *_, sockaddr in infos:
        text = str(sockaddr[0])
        found.setdefault(text, ipaddress.ip_address(text.split("%", 1)[0]))
    return list(found.values())


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks every address, connects to a checked one. See the module docstring."""

    def __init__(
        self,
        allow: addresses.AllowList,
        *,
        resolver: Resolver = resolve,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._allow = allow
        self._resolve = resolver
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        ips = await self._resolve(host, port)
        refused = self._allow.check(host, port, ips)
        if refused:
            raise BlockedAddress(refused)
        error: Exception = httpcore.ConnectError(f"{host} has no address")
        for ip in ips:  # every one of them passed the check: try them in order
            try:
                return await self._inner.connect_tcp(
                    str(ip), port, timeout=timeout, local_address=local_address,
                    socket_options=socket_options,
                )  # fmt: skip
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as failed:
                error = failed
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


# Most specific first: the first isinstance match wins.
_ERRORS: tuple[tuple[type[Exception], type[httpx.RequestError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextmanager
def _httpx_errors(request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except Exception as error:
        for core, mapped in _ERRORS:
            if isinstance(error, core):
                raise mapped(str(error), request=request) from error
        raise


class _Body(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterator[bytes] | Any, request: httpx.Request) -> None:
        self._stream = stream
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors(self._request):
            async for chunk in self._stream:
                yield chunk

    async def aclose(self) -> None:
        if hasattr(self._stream, "aclose"):
            with _httpx_errors(self._request):
                await self._stream.aclose()


class Transport(httpx.AsyncBaseTransport):
    """httpx → httpcore pool with the guarded backend. HTTP/1.1 only, no proxies."""

    def __init__(
        self,
        allow: addresses.AllowList,
        *,
        resolver: Resolver = resolve,
        max_connections: int = 100,
        max_keepalive_connections: int = 100,
        keepalive_expiry: float = 15.0,
    ) -> None:
        # Every open connection may stay open: fewer kept than crawls run at once (16, each
        # with up to its host's concurrency) would close some after each answer. Kept 15 s,
        # beyond a host's usual delay between requests; a server that closes one sooner is
        # noticed by the pool before the connection is reused.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive_connections,
            keepalive_expiry=keepalive_expiry,
            network_backend=GuardedBackend(allow, resolver=resolver),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _httpx_errors(request):
            response = await self._pool.handle_async_request(core_request)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response.stream, request),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()
