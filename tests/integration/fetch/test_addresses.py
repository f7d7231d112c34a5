"""The address guard on real connections: every spelling of loopback is refused."""

from __future__ import annotations

import pytest

from monitor import domain, fetch
from monitor.config.host_policy import HostPolicy
from monitor.errors import BlockedAddressError
from tests.integration.fetch.loopback import Reply, Server, opener


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "2130706433", "0x7f.1", "127.1", "[::ffff:127.0.0.1]", "localhost"]
)
async def test_loopback_in_any_spelling_is_refused_without_allow_hosts(
    server: Server, host: str
) -> None:
    server.routes["/page"] = Reply(body=b"hello")
    async with opener() as fetcher:
        url = f"http://{host}:{server.port}/page"
        with pytest.raises(BlockedAddressError, match="loopback address") as caught:
            await fetch.fetch(fetcher, domain.Request(url))
    assert caught.value.url == url  # the page, not its robots.txt
    assert server.seen == []  # not even robots.txt


async def test_an_allowed_ip_is_fetched_in_any_spelling(server: Server) -> None:
    server.routes["/page"] = Reply(body=b"hello")
    no_delay = {"2130706433": HostPolicy(delay=0)}
    async with opener(f"127.0.0.1:{server.port}", policies=no_delay) as fetcher:
        response = await fetch.fetch(
            fetcher, domain.Request(f"http://2130706433:{server.port}/page")
        )
    assert response.content == b"hello"
