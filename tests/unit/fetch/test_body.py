"""Decoding under the cap: round trips, bombs stopped with bounded memory, truncation."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from collections.abc import AsyncIterator

import brotli
import pytest

from monitor.fetch import body

TEXT = b"Die Vaude-Jacke ist dicht. " * 2000
ZEROS = b"\0" * (50 * 1024 * 1024)


async def _chunks(data: bytes, size: int = 16384) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("encoding", "encoded"),
    [
        ("", TEXT),
        ("identity", TEXT),
        ("gzip", gzip.compress(TEXT)),
        ("x-gzip", gzip.compress(TEXT)),
        ("deflate", zlib.compress(TEXT)),
        ("deflate", _raw_deflate(TEXT)),
        ("br", brotli.compress(TEXT)),
        ("BR", brotli.compress(TEXT)),
    ],
)
async def test_round_trip(encoding: str, encoded: bytes) -> None:
    assert await body.read(_chunks(encoded), encoding, cap=len(TEXT)) == TEXT


@pytest.mark.parametrize(
    ("encoding", "bomb"),
    [("gzip", gzip.compress(ZEROS, 9)), ("br", brotli.compress(ZEROS, quality=4))],
    ids=["gzip", "br"],
)
async def test_a_bomb_stops_at_the_cap_without_inflating_in_memory(
    encoding: str, bomb: bytes
) -> None:
    cap = 256 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(body.TooLarge):
            await body.read(_chunks(bomb, 65536), encoding, cap=cap)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * cap  # 50 MB decoded would have been 200 times the cap


async def test_truncate_keeps_the_first_bytes_up_to_the_cap() -> None:
    out = await body.read(_chunks(gzip.compress(TEXT)), "gzip", cap=100, truncate=True)
    assert out == TEXT[:100]


async def test_exactly_the_cap_is_fine() -> None:
    assert await body.read(_chunks(TEXT), "identity", cap=len(TEXT)) == TEXT
    with pytest.raises(body.TooLarge):
        await body.read(_chunks(TEXT), "identity", cap=len(TEXT) - 1)


@pytest.mark.parametrize("encoding", ["zstd", "compress", "gzip, br"])
async def test_encodings_we_did_not_ask_for_are_refused(encoding: str) -> None:
    with pytest.raises(body.UnsupportedEncoding):
        await body.read(_chunks(TEXT), encoding, cap=len(TEXT))
