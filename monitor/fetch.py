"""The only module that speaks HTTP. One shared httpx.AsyncClient for the whole process.

`fetch` turns a Request into a Response or raises FetchError. It sends the validators
of the last response (ETag, Last-Modified) so an unchanged page costs a 304 and no
parsing, follows at most a few redirects, only over http(s), and stops reading a body
past a size cap counted on decompressed bytes.
"""

from __future__ import annotations

import httpx

from monitor import __version__, domain
from monitor.errors import FetchError

MAX_REDIRECTS = 5
MAX_BODY_BYTES = 10 * 1024 * 1024
TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=10.0, pool=30.0)


def user_agent(contact: str) -> str:
    return f"monitor/{__version__} (brand-mention monitor; +mailto:{contact})"


def create_client(*, contact: str) -> httpx.AsyncClient:
    """The process's HTTP client. Close it with `await client.aclose()`."""
    return httpx.AsyncClient(
        timeout=TIMEOUT,
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": user_agent(contact), "Accept-Language": "de, en;q=0.8"},
        limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
    )


async def fetch(
    client: httpx.AsyncClient,
    request: domain.Request,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> domain.Response:
    """GET `request.url`. Raises FetchError for network failures, 4xx/5xx and oversize bodies."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with client.stream("GET", request.url, headers=headers) as response:
            final_url = str(response.url)
            if response.url.scheme not in ("http", "https"):
                raise FetchError(request.url, f"redirected to a non-http URL {final_url}")
            if response.status_code == 304:
                return domain.Response(
                    request, final_url, 304, b"", dict(response.headers), not_modified=True
                )
            if response.status_code >= 400:
                raise FetchError(
                    request.url, f"HTTP {response.status_code} {response.reason_phrase}",
                    status=response.status_code,
                )  # fmt: skip
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
                raise FetchError(request.url, f"body of {declared} bytes is over the cap")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body.extend(chunk)
                if len(body) > MAX_BODY_BYTES:
                    raise FetchError(request.url, f"body over the cap of {MAX_BODY_BYTES} bytes")
            return domain.Response(
                request, final_url, response.status_code, bytes(body), dict(response.headers)
            )
    except httpx.TooManyRedirects:
        raise FetchError(request.url, f"more than {MAX_REDIRECTS} redirects") from None
    except httpx.TimeoutException as error:
        raise FetchError(request.url, f"timed out ({type(error).__name__})") from None
    except httpx.HTTPError as error:
        raise FetchError(request.url, f"{type(error).__name__}: {error}") from None
