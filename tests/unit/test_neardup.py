"""MinHash signatures: the same values forever (they are stored), and similarity as
Jaccard estimates it."""

from __future__ import annotations

import struct

from monitor.identity import neardup

TEXT = "Die Vaude Jacke ist nach zwei Wochen undicht und der Support antwortet nicht mehr"


def test_signatures_keep_the_values_datasketch_1_gave() -> None:
    # Computed with datasketch 1.6 (MinHash(num_perm=128), seed 1): a signature stored by
    # any earlier version is compared with today's, so the values must never change.
    values = struct.unpack(f"<{neardup.PERMUTATIONS}I", neardup.signature(TEXT))
    assert values[:4] == (655850127, 13700146, 252208765, 25309315)
    assert len(neardup.signature(TEXT)) == 4 * neardup.PERMUTATIONS


def test_a_copy_with_one_word_changed_is_similar_and_another_text_is_not() -> None:
    long_text = " ".join([TEXT, "weil die Naht am Ärmel schon beim ersten Regen nachgab"] * 3)
    copy = long_text.replace("Regen", "Schauer", 1)
    other = "Ganz andere Worte über Schuhe, Zelte und das Wetter in den Bergen im Winter"
    assert neardup.similarity(neardup.signature(long_text), neardup.signature(copy)) > 0.8
    assert neardup.similarity(neardup.signature(long_text), neardup.signature(other)) < 0.2


def test_band_keys_are_one_per_band_and_fit_a_signed_bigint() -> None:
    keys = neardup.band_keys(neardup.signature(TEXT))
    assert len(keys) == neardup.BANDS
    assert all(0 <= key < 2**63 for key in keys)
