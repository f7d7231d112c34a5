"""A board reached under its other host alias (www. or not) is the same board: its thread
pages are read, with one warning naming both names. The fetch layer runs on
httpx.MockTransport and virtual time; the board is the demo's phpBB renderer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from monitor import fetch, sources
from monitor.config.host_policy import HostPolicy
from monitor.crawl import walk
from monitor.identity import fingerprint
from tests.boards import Board
from tests.unit.fetch.faketime import FakeTime

NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)


class _Stream(httpx.AsyncByteStream):
    """A body that arrives as a stream, as from a real server."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._data


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://www.forum.example.org/viewtopic.php?t=1", "forum.example.org"),
        ("http://FORUM.example.org./x", "forum.example.org"),
        ("https://forum.example.org", "forum.example.org"),
        ("https://wwwforum.example.org/", "wwwforum.example.org"),
        ("https://other.example.org/", "other.example.org"),
    ],
)
def test_a_board_is_known_by_its_host_without_www(url: str, host: str) -> None:
    assert fingerprint.board_host(url) == host


def _board() -> Board:
    board = Board(charset="utf-8", meta_charset="UTF-8", topics_per_page=5, posts_per_page=5)
    for number in range(2):
        at = NOW - timedelta(days=3, hours=number)
        board.add_thread(f"Thema {number}", [("anna", at, "Die Brühgruppe quietscht.")])
    return board


async def test_thread_links_to_the_www_alias_are_followed_and_named_once() -> None:
    board = _board()
    pages = {path: board.encode(html) for path, html in board.pages().items()}
    # The list page links its threads on the www. alias, as boards with a fixed base do.
    first_list = board.list_path()
    pages[first_list] = pages[first_list].replace(
        b'href="./viewtopic', b'href="https://www.site.example/viewtopic'
    )
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        target = request.url.raw_path.decode()
        asked.append(f"{request.url.host}{target}")
        body = pages.get(target)
        if body is None:
            return httpx.Response(404)
        return httpx.Response(200, stream=_Stream(body), headers={"content-type": "text/html"})

    time = FakeTime()
    client = fetch.create_client(contact="t@example.org", transport_=httpx.MockTransport(handler))
    fetcher = fetch.Fetcher(
        client, clocks=time.clocks(jitter=0.5),
        policies={"site.example": HostPolicy(delay=0), "www.site.example": HostPolicy(delay=0)},
    )  # fmt: skip
    source = sources.forum.ForumSource(
        type="forum", name="board", url=f"https://site.example{first_list}", preset="phpbb"
    )
    crawl = walk.walk(
        fetcher, source, derived=sources.Derived("Europe/Berlin"), now=NOW,
        history=walk.NoHistory(),
    )  # fmt: skip
    (walked,) = await time.run(crawl)
    await client.aclose()

    assert any(page.startswith("www.site.example/viewtopic") for page in asked)
    assert len(walked.documents) == 2
    assert (
        walked.warnings.count(
            "links lead to www.site.example as well as site.example: both are read as one board"
        )
        == 1
    )
