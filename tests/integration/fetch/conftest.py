"""Fixtures for the fetch integration tests: scripted loopback servers (see loopback.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from tests.integration.fetch.loopback import Server


@pytest.fixture
async def make_server() -> AsyncIterator[Callable[[], Awaitable[Server]]]:
    servers: list[Server] = []

    async def make() -> Server:
        server = Server()
        await server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        await server.stop()


@pytest.fixture
async def server(make_server: Callable[[], Awaitable[Server]]) -> Server:
    return await make_server()
