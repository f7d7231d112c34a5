"""Conditional GET: validators go out, a 304 comes back as `not_modified` with no body."""

from __future__ import annotations

from monitor import domain, fetch
from tests.integration.fetch.loopback import Reply, Seen, Server, opener


async def test_a_304_is_not_modified_and_carries_no_content(server: Server) -> None:
    def page(seen: Seen) -> Reply:
        if seen.headers.get("if-none-match") == '"v1"':
            return Reply(304, headers={"ETag": '"v1"'})
        return Reply(body=b"<html>fresh</html>", headers={"ETag": '"v1"'})

    server.routes["/page"] = page
    async with opener("127.0.0.1") as fetcher:
        first = await fetch.fetch(fetcher, domain.Request(f"{server.url}/page"))
        second = await fetch.fetch(
            fetcher, domain.Request(f"{server.url}/page"), etag='"v1"',
            last_modified="Mon, 24 Nov 2025 10:00:00 GMT",
        )  # fmt: skip
    assert (first.status, first.not_modified, first.headers["etag"]) == (200, False, '"v1"')
    assert (second.status, second.not_modified, second.content) == (304, True, b"")
    sent = server.hits("/page")[1].headers
    assert sent["if-modified-since"] == "Mon, 24 Nov 2025 10:00:00 GMT"
