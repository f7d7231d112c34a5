"""Normalisation and tokenising, the same for queries and for documents.

A *word* is a maximal run of word characters: letters, digits, the underscore (so
``brand_name`` and ``@user_1`` stay whole) and combining marks below U+10000 (so a
decomposed ``u`` + U+0308 stays inside its word). Everything else ends a word: spaces,
line breaks, hyphens, apostrophes (``'`` and ``’``), ``™``, dots, colons.

Scripts written without spaces between words (Chinese, Japanese kana and kanji, Thai,
Lao, Khmer, Myanmar) have no word boundary to find: there each character, with the marks
on it, is a word of its own, and a run of them in a query is a phrase of such words. So
``ヴァウデ`` matches inside ``ヴァウデの新しいジャケット``, and a Latin name next to them
is a word of its own: ``Vaude`` matches ``Vaudeの``. (Korean, written with spaces, keeps
its words.)

`fold_word` maps a word to its canonical form, character by character and then one
German rule on the result:

1. each character: casefold (``ß`` -> ``ss``), compatibility-decompose (NFKD: ``é`` ->
   ``e`` + accent, ``ﬁ`` -> ``fi``, ``²`` -> ``2``), drop combining marks, map the few
   Latin letters that do not decompose (``ø`` -> ``o``, ``æ`` -> ``ae``, ``œ`` -> ``oe``,
   ``ł`` -> ``l``, ``đ``/``ð`` -> ``d``, ``þ`` -> ``th``, ``ı`` -> ``i``), repeated until
   stable. Because marks are dropped, NFC and NFD spellings of a word fold alike, which is
   what applying NFC first would achieve.
2. the word: every run of ``e`` right after ``a``, ``o`` or ``u`` is removed, so ``ä``,
   ``ae`` and ``a`` are one letter (``ö``/``oe``/``o`` and ``ü``/``ue``/``u`` likewise):
   "Müller", "Mueller", "MÜLLER" and "Muller" all fold to ``muller``.

Trade-off of rule 2, on purpose: it is applied to every word, in queries and in texts
alike, so matching stays symmetric (``ue`` in the text matches ``ü`` in the query and the
other way round) and folding is idempotent. It never makes a word miss itself ("Quelle"
still matches "Quelle", "Frequenz" "Frequenz"); the price is false positives between
words that differ only by such an ``e``: "Poet" matches "Pot", "due" "du", "Michael"
"Michal", "Israel" "Isral" (and "Quelle" the non-word "Qülle"). A wildcard prefix folds
the same way, so ``Mü*`` is ``mu*`` and also takes "Mutter". Brand names rarely collide
like this; an admin who hits one can add the colliding word to the brand's ``exclude``.
Only an ``e`` right after a, o, u goes: "Kaffee", "See" and "Idee" keep theirs.

Folded words are cached (`fold_word`), so the common words of a language are folded once.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple

# Letters NFKD leaves alone but a German or Nordic reader sees as plain Latin ones.
_SPECIAL = {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}


def _mark_ranges() -> str:
    """A regex character-class body of the combining marks (Mn, Mc, Me) below U+10000.

    Marks beyond the Basic Multilingual Plane (historic scripts, musical notation) are left
    out on purpose: with them the class cannot be a bitmap and regex scanning gets a
    hundred times slower. There they count as separators, the same for queries and texts.
    """
    codes = [code for code in range(0x10000) if unicodedata.category(chr(code)).startswith("M")]
    parts: list[str] = []
    start = previous = codes[0]
    for code in [*codes[1:], 0x10002]:
        if code != previous + 1:
            parts.append(f"\\u{start:04x}-\\u{previous:04x}")
            start = code
        previous = code
    return "".join(parts)


MARKS = _mark_ranges()
_MARK = re.compile(f"[{MARKS}]")
WORD = re.compile(f"[\\w{MARKS}]+")
"""A word: a maximal run of letters, digits, underscores and combining marks."""
_WORD_SPLIT = re.compile(f"({WORD.pattern})")
# Scripts without spaces between words: each character (and its marks) is a word.
_UNSPACED = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff66-\uff9f"
)
_HAS_UNSPACED = re.compile(f"[{_UNSPACED}]")
_WORD_UNSPACED = re.compile(f"(?=\\w)[{_UNSPACED}][{MARKS}]*|(?:(?![{_UNSPACED}])[\\w{MARKS}])+")
_WORD_SPLIT_UNSPACED = re.compile(f"({_WORD_UNSPACED.pattern})")


def word_regex(text: str) -> re.Pattern[str]:
    """The regex whose matches are the words of `text` (`WORD`, or its variant for texts
    with characters of unspaced scripts)."""
    return _WORD_UNSPACED if _HAS_UNSPACED.search(text) else WORD


def is_unspaced(char: str) -> bool:
    """Whether `char` is a letter of a script written without spaces: a word on its own."""
    return _HAS_UNSPACED.match(char) is not None and (char.isalnum() or char == "_")


_COLLAPSE = re.compile(r"(?<=[aou])e+")


def is_word_char(char: str) -> bool:
    """True if `char` belongs inside a word (the same set `WORD` matches)."""
    return char.isalnum() or char == "_" or _MARK.match(char) is not None


@functools.cache
def fold_char(char: str) -> str:
    """Step 1 of the module docstring for one character; may be empty or longer than one."""
    folded = char
    for _ in range(4):  # two rounds settle every character; the bound is a safety net
        step = unicodedata.normalize("NFKD", folded.casefold())
        step = "".join(_SPECIAL.get(c, c) for c in _MARK.sub("", step))
        if step == folded:
            break
        folded = step
    return folded


_FOLDED: dict[str, str] = {}
_FOLDED_LIMIT = 1 << 17  # words; emptied when full, so a long-running service stays small


def fold_word(word: str) -> str:
    """The canonical form of `word`; equal forms match. Idempotent; see the module docstring.

    Meant for a single word, but folds any string character by character, so a phrase
    folds to its folded words with the separators left as they are.
    """
    folded = _FOLDED.get(word)
    if folded is None:
        if len(_FOLDED) >= _FOLDED_LIMIT:
            _FOLDED.clear()
        folded = _FOLDED[word] = _COLLAPSE.sub("", "".join([fold_char(char) for char in word]))
    return folded


@functools.cache
def word_forms(word: str) -> tuple[str, ...]:
    """A folded word and its folded -s and -es forms, without repeats ("uhu" + "es" folds
    to "uhus"): what a brand word takes when its brand has word forms on."""
    return tuple(dict.fromkeys((word, fold_word(word + "s"), fold_word(word + "es"))))


def fold_words(words: list[str]) -> list[str]:
    """`fold_word` of each of `words`; at C speed when all are known already (most are)."""
    try:
        return list(map(_FOLDED.__getitem__, words))
    except KeyError:
        return list(map(fold_word, words))


def _separators_cp1252() -> bytes:
    """A bytes.translate table for Windows-1252: each byte of a character outside words
    becomes a space, each byte of a word character stays."""
    table = bytearray(range(256))
    for code in range(256):
        char = bytes([code]).decode("cp1252", errors="ignore")  # 5 bytes are unassigned
        if not char or not WORD.fullmatch(char):
            table[code] = 0x20
    return bytes(table)


_SEPARATORS_CP1252 = _separators_cp1252()


def split_words(text: str) -> list[str]:
    """The words of `text` as written, exactly the words of `split`, without offsets.

    Most German and English text fits Windows-1252, one byte per character: there the
    separators become spaces with one `bytes.translate` and `str.split` cuts the words, a
    few times faster than the regex scan. Other texts (emoji, Polish, Cyrillic, unspaced
    scripts: none of them fit) take `split`.
    """
    try:
        raw = text.encode("cp1252")
    except UnicodeEncodeError:
        return split(text)[0]
    return raw.translate(_SEPARATORS_CP1252).decode("cp1252").split()


def split(text: str) -> tuple[list[str], list[int]]:
    """The words of `text` as written and the offset of each in `text`."""
    # The scanner that knows unspaced scripts is slower; most texts have none of them.
    splitter = _WORD_SPLIT_UNSPACED if _HAS_UNSPACED.search(text) else _WORD_SPLIT
    parts = splitter.split(text)  # separator, word, separator, word, …, separator
    words = parts[1::2]
    return words, list(itertools.accumulate(map(len, parts)))[0::2][: len(words)]


class Token(NamedTuple):
    """A word of a text: where it is in the original string and its folded form."""

    start: int
    end: int
    folded: str


def tokens(text: str) -> Iterator[Token]:
    """The words of `text` in order, with offsets into `text` itself (not a normalised copy)."""
    words, starts = split(text)
    for word, start in zip(words, starts, strict=True):
        yield Token(start, start + len(word), fold_word(word))


def words(text: str) -> list[str]:
    """The folded words of `text`, dropping words that fold to nothing (lone marks)."""
    found = word_regex(text).findall(text)
    return [folded for folded in map(fold_word, found) if folded]
