"""Near-duplicate text: MinHash signatures and LSH band keys. Pure.

A syndicated press release reaches us at several URLs with small edits (a byline, a
boilerplate footer). Its word 3-shingles barely change, so the Jaccard similarity of two
copies stays high. A MinHash signature (datasketch, 128 permutations) estimates that
similarity; 32 bands of 4 rows give LSH keys, stored in the database, so any replica can
find candidate copies with an indexed lookup and confirm them by comparing signatures.
With these bands, copies at similarity 0.8 share a band with probability > 0.999.
"""

from __future__ import annotations

import hashlib
import re
import struct

PERMUTATIONS = 128
BANDS = 32
ROWS = PERMUTATIONS // BANDS
_WORD = re.compile(r"\w+")
_SHINGLE = 3


def shingles(text: str) -> set[bytes]:
    """Word 3-grams of the case-folded text (single words for very short texts)."""
    words = _WORD.findall(text.casefold())
    if len(words) < _SHINGLE:
        return {word.encode() for word in words}
    return {" ".join(words[i : i + _SHINGLE]).encode() for i in range(len(words) - _SHINGLE + 1)}


def signature(text: str) -> bytes:
    """The MinHash signature of `text`, packed as bytes for storage."""
    # Imported here: datasketch pulls in numpy and scipy, a second of start-up that only
    # crawls finding new documents need, not every CLI command.
    from datasketch import MinHash

    minhash = MinHash(num_perm=PERMUTATIONS)
    minhash.update_batch(list(shingles(text)))
    return struct.pack(f"<{PERMUTATIONS}I", *(int(v) for v in minhash.hashvalues))


def similarity(first: bytes, second: bytes) -> float:
    """Estimated Jaccard similarity of the texts behind two signatures."""
    a = struct.unpack(f"<{PERMUTATIONS}I", first)
    b = struct.unpack(f"<{PERMUTATIONS}I", second)
    same: int = sum(x == y for x, y in zip(a, b, strict=True))
    return same / PERMUTATIONS


def band_keys(packed: bytes) -> list[int]:
    """One 63-bit key per band: texts sharing any key are candidates for a comparison."""
    width = ROWS * 4
    keys = []
    for band in range(BANDS):
        digest = hashlib.blake2b(packed[band * width : (band + 1) * width], digest_size=8)
        keys.append(int.from_bytes(digest.digest(), "big") >> 1)  # fits a signed BIGINT
    return keys
