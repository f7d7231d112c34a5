"""Read a response body, decoding it ourselves so the size cap holds on decoded bytes.

httpx's decoders inflate a whole network chunk at once: 50 KB of gzip or a few bytes of
brotli can become 50 MB before a caller could count. Here every decoder is asked for at
most what still fits under the cap (`zlib` `max_length`, brotli's `output_buffer_limit`),
so memory stays near the cap whatever the compression ratio.

Supported Content-Encodings: identity, gzip (x-gzip), deflate (zlib or raw), br. Stacked
encodings (`gzip, br`) and others are refused: we only ask for those three.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from typing import Protocol

import brotli

ACCEPT_ENCODING = "gzip, deflate, br"


class TooLarge(Exception):  # internal signal, turned into TooLargeError
    """The decoded body went past the cap."""


class UnsupportedEncoding(Exception):  # internal signal, turned into FetchError
    """A Content-Encoding we did not ask for."""


class _Decoder(Protocol):
    def decode(self, data: bytes, room: int) -> bytes:
        """At most `room` more bytes of output for `data` (or for what is still buffered)."""

    def pending(self) -> bool:
        """Whether output is still buffered after the last call."""


class _Identity:
    def __init__(self) -> None:
        self._rest = b""

    def decode(self, data: bytes, room: int) -> bytes:
        data = self._rest + data
        self._rest = data[room:]
        return data[:room]

    def pending(self) -> bool:
        return bool(self._rest)


class _Zlib:
    def __init__(self, wbits: int, *, raw_fallback: bool = False) -> None:
        self._inflate = zlib.decompressobj(wbits)
        self._raw_fallback = raw_fallback  # "deflate" is zlib-wrapped or raw in the wild
        self._started = False

    def decode(self, data: bytes, room: int) -> bytes:
        data = self._inflate.unconsumed_tail + data
        try:
            out = self._inflate.decompress(data, room)
        except zlib.error:
            if not self._raw_fallback or self._started:
                raise
            self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
            self._raw_fallback = False
            out = self._inflate.decompress(data, room)
        self._started = True
        return out

    def pending(self) -> bool:
        return bool(self._inflate.unconsumed_tail)


class _Brotli:
    def __init__(self) -> None:
        self._decompressor = brotli.Decompressor()

    def decode(self, data: bytes, room: int) -> bytes:
        # After a limited call, brotli takes only empty input until it has drained.
        if data and not self._decompressor.can_accept_more_data():
            raise TooLarge
        out: bytes = self._decompressor.process(data, output_buffer_limit=room)
        return out

    def pending(self) -> bool:
        return not self._decompressor.can_accept_more_data()


def _decoder(content_encoding: str) -> _Decoder:
    name = content_encoding.strip().lower()
    if name in ("", "identity"):
        return _Identity()
    if name in ("gzip", "x-gzip"):
        return _Zlib(16 + zlib.MAX_WBITS)
    if name == "deflate":
        return _Zlib(zlib.MAX_WBITS, raw_fallback=True)
    if name == "br":
        return _Brotli()
    raise UnsupportedEncoding(content_encoding)


async def read(
    chunks: AsyncIterator[bytes], content_encoding: str, cap: int, *, truncate: bool = False
) -> bytes:
    """The decoded body. Past `cap` decoded bytes: raise TooLarge, or with `truncate` return
    the first `cap` bytes (robots.txt). Raises UnsupportedEncoding, zlib.error, brotli.error.
    """
    decoder = _decoder(content_encoding)
    body = bytearray()
    async for chunk in chunks:
        data = chunk
        while True:
            body += decoder.decode(data, cap + 1 - len(body))
            data = b""
            if len(body) > cap:
                if truncate:
                    return bytes(body[:cap])
                raise TooLarge
            if not decoder.pending():
                break
    return bytes(body)
