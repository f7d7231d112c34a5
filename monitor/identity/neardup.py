"""Near-duplicate text: MinHash signatures and LSH band keys. Pure.

A syndicated press release reaches us at several URLs with small edits (a byline, a
boilerplate footer). Its word 3-shingles barely change, so the Jaccard similarity of two
copies stays high. A MinHash signature (128 permutations, the values datasketch 1.x
gives) estimates that similarity; 32 bands of 4 rows give LSH keys, stored in the
database, so any replica can find candidate copies with an indexed lookup and confirm
them by comparing signatures.
With these bands, copies at similarity 0.8 share a band with probability > 0.999.
"""

from __future__ import annotations

import functools
import hashlib
import re
import struct
from typing import Any

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
    # Imported here: numpy is a noticeable part of start-up that only crawls finding new
    # documents need, not every CLI command.
    import numpy as np

    a, b = _permutations()
    found = shingles(text)
    if not found:
        return b"\xff" * (4 * PERMUTATIONS)  # as an empty MinHash: every value at its maximum
    hashed = np.fromiter(
        # SHA-1 as a fast, fixed hash of the shingle, as datasketch has it; not for secrecy.
        (int.from_bytes(hashlib.sha1(shingle, usedforsecurity=False).digest()[:4], "little")
         for shingle in found),
        dtype=np.uint64, count=len(found),
    )  # fmt: skip
    permuted = np.bitwise_and((hashed[:, None] * a + b) % _MERSENNE, _MAX_HASH)
    values: bytes = permuted.min(axis=0).astype("<u4").tobytes()
    return values


# MinHash as datasketch 1.x computes it (its "legacy" scheme since 2.0): SHA-1's first 4
# bytes of each shingle, permuted by (a·h + b) mod 2^61-1 with a and b drawn from
# numpy's RandomState(1). Written out, so a stored signature means the same whichever
# datasketch is installed (2.0 changed its default scheme), and 25 times faster than a
# datasketch MinHash per text, which draws its 128 permutations anew each time.
_MERSENNE = (1 << 61) - 1
_MAX_HASH = (1 << 32) - 1


@functools.cache
def _permutations() -> tuple[Any, Any]:
    import numpy as np

    generator = np.random.RandomState(1)
    pairs = [
        (generator.randint(1, _MERSENNE, dtype=np.uint64),
         generator.randint(0, _MERSENNE, dtype=np.uint64))
        for _ in range(PERMUTATIONS)
    ]  # fmt: skip
    a, b = np.array(pairs, dtype=np.uint64).T
    return a, b


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
