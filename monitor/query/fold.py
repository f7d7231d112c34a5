"""Normalisation and tokenising, the same for queries and for documents.

A *word* is a maximal run of word characters: letters, digits, the underscore (so
``brand_name`` and ``@user_1`` stay whole) and combining marks below U+10000 (so a
decomposed ``u`` + U+0308 stays inside its word). Everything else ends a word: spaces,
line breaks, hyphens, apostrophes (``'`` and ``’``), ``™``, dots, colons.

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

Documents are not cut into words to be folded one by one where that can be avoided: a
text that `byte_image` holds (one byte per character) is mapped with one bytes.translate
to its `folded_image`, and `pattern` turns folded query words into a regex that finds,
in such an image, exactly the words that fold to them (see the section below).
"""

from __future__ import annotations

import codecs
import functools
import itertools
import operator
import re
import sys
import unicodedata
from collections.abc import Callable, Iterator
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


def fold_words(words: list[str]) -> list[str]:
    """`fold_word` of each of `words`; at C speed when all are known already (most are)."""
    try:
        return list(map(_FOLDED.__getitem__, words))
    except KeyError:
        return list(map(fold_word, words))


CODECS = ("latin-1", "cp1252")
"""Single-byte encodings, for speed. Latin-1 is a plain copy of most European
text; Windows-1252 adds typographic quotes and dashes, €, Š, Œ, Ž and such, still in C."""

_NARROW = sys.getsizeof("é") - len("é") - 1  # CPython: a Latin-1 string's size less its length
_SEPARATORS = "monitor.query.separators"


def _separators_only(error: UnicodeError) -> tuple[str, int]:
    # Arrows, bullets and other separators beyond Windows-1252 become spaces, which every
    # reader of an image takes them for anyway; a word character beyond fails the codec.
    if isinstance(error, UnicodeEncodeError):
        run = error.object[error.start : error.end]
        if not any(map(is_word_char, run)):
            return " " * len(run), error.end
    raise error


codecs.register_error(_SEPARATORS, _separators_only)


def byte_image(text: str) -> tuple[bytes, str] | None:
    """`text` as one byte per character in one of `CODECS`, and which; None if neither can.

    One byte per character keeps offsets. Word characters are exact; a separator beyond
    the codec is a space, as readers of the image (tables mapping every separator to a
    space) would make it anyway. Text CPython stores as Latin-1 is a plain copy; wider text
    (it has a character beyond) goes to Windows-1252 at once.
    """
    if text.isascii() or sys.getsizeof(text) - len(text) - 1 == _NARROW:
        try:
            return text.encode("latin-1"), "latin-1"
        except UnicodeEncodeError:  # not a compact CPython string after all
            pass
    try:
        return text.encode("cp1252", _SEPARATORS), "cp1252"
    except UnicodeEncodeError:
        return None


def _byte_table(codec: str, image: Callable[[str], str]) -> bytes:
    """A bytes.translate table: each byte of `codec` to the one-byte `image` of its char."""
    table = bytearray(range(256))
    for code in range(256):
        char = bytes([code]).decode(codec, errors="ignore")  # cp1252 leaves 5 bytes unused
        if char:
            table[code] = image(char).encode(codec)[0]
    return bytes(table)


SPACES = {
    codec: _byte_table(codec, lambda char: char if is_word_char(char) else " ") for codec in CODECS
}
"""bytes.translate tables: separators to a space, word characters to themselves."""


# --- a whole field at once: the folded image ------------------------------------------------
#
# The *folded image* of a text held by `byte_image` is one byte per character, so offsets
# stay those of the text: separators become a space, each word character the one ASCII
# byte of its fold (step 1 of the module docstring), and the few whose fold is not one
# ASCII character a byte of their own below (so "Straße" is "stra\xdfe"). Step 2 is not
# applied to the image; instead `pattern` turns folded query words into a regex over images
# that accepts exactly the words folding to them: "e*" after a, o and u, "\xdf" for "ss".

# Æ and Œ (folding to "ae", "oe") are plain a and o: step 2 drops an e right after a or o
# anyway, whatever follows, so "æ" and "a" fold alike in every word.

_OWN_BYTE = {"ss": 0xDF, "th": 0xFE, "μ": 0xB5, "ƒ": 0x83, "ˆ": 0x88}
_AS_VOWEL = {"ae": "a", "oe": "o"}
_FRACTIONS = {"1⁄4": 0xBC, "1⁄2": 0xBD, "3⁄4": 0xBE}  # ¼ ½ ¾ fold to these


def _image_table(codec: str) -> bytes | None:
    """The bytes.translate table from `codec` to folded images; None if a fold is unforeseen."""
    table = bytearray(range(256))
    for code in range(256):
        char = bytes([code]).decode(codec, errors="ignore")  # cp1252 leaves 5 bytes unused
        if not char or not is_word_char(char):
            table[code] = ord(" ")
            continue
        folded = fold_char(char)
        if len(folded) == 1 and folded.isascii() and folded != " ":
            table[code] = ord(folded)
        elif folded in _AS_VOWEL:
            table[code] = ord(_AS_VOWEL[folded])
        elif folded in _OWN_BYTE or folded in _FRACTIONS:
            table[code] = {**_OWN_BYTE, **_FRACTIONS}[folded]
        else:  # a Unicode update folding a Latin-1 letter anew: words the slow way
            return None
    return bytes(table)


_IMAGE_TABLES = {codec: _image_table(codec) for codec in CODECS}


def folded_image(image: tuple[bytes, str], ends: bytes = b" ") -> bytes | None:
    """The folded image of a text, given its `byte_image`, with `ends` added at both ends.

    Byte k + len(ends) is character k of the text, so a match's position is an offset in
    the text. None if this Python's Unicode data folds a letter of the codec in an unforeseen
    way. The image of a `join`-ed string (no ends added) holds each field's, spaces around.
    """
    raw, codec = image
    table = _IMAGE_TABLES[codec]
    return None if table is None else ends + raw.translate(table) + ends


_VOWELS = {"a": b"ae*", "o": b"oe*", "u": b"ue*"}
_ONE_BYTE = {folded: re.escape(bytes((code,))) for folded, code in _OWN_BYTE.items()}


def _word_regex(word: str) -> bytes | None:
    """A regex over folded images for the words folding to `word`; None if none can.

    Where `word` has a, o or u, the image may have any run of e after it (step 2, which
    `word` has been through already, so no e follows there). A run of n s may be any mix
    of s and ß adding up to n; "th" may be þ; "μ", "ƒ", "ˆ" and the fractions are their byte.
    Any other character beyond ASCII is in no folded image.
    """
    parts: list[bytes] = []
    at = 0
    while at < len(word):
        char = word[at]
        if char == "s":
            run = len(word) - at - len(word[at:].lstrip("s"))
            parts.append(b"s" if run == 1 else b"(?:" + b"|".join(_s_runs(run)) + b")")
            at += run
        elif word.startswith("th", at):
            parts.append(b"(?:th|" + _ONE_BYTE["th"] + b")")
            at += 2
        elif char in _VOWELS:
            parts.append(_VOWELS[char])
            at += 1
        elif word[at : at + 3] in _FRACTIONS:
            parts.append(re.escape(bytes((_FRACTIONS[word[at : at + 3]],))))
            at += 3
        elif char.isascii() and char != " ":  # a space is a separator in every image
            parts.append(re.escape(char.encode("ascii")))
            at += 1
        elif char in _ONE_BYTE and char != "ss":
            parts.append(_ONE_BYTE[char])
            at += 1
        else:
            return None
    return b"".join(parts)


@functools.cache
def _s_runs(length: int) -> list[bytes]:
    """Every way to write `length` letters s with s and ß (ß counting two)."""
    if length < 2:
        return [b"s" * length]
    return [b"s" + rest for rest in _s_runs(length - 1)] + [
        _ONE_BYTE["ss"] + rest for rest in _s_runs(length - 2)
    ]


def _prefix_regex(prefix: str) -> bytes | None:
    """Like `_word_regex`, for the words whose fold starts with `prefix` (a wildcard).

    The word's last letter in the image may fold to more than `prefix` has left: an s may
    be the first half of a ß, a t of þ, "1" or "1⁄" the start of ¼ or ½.
    """
    options = [_word_regex(prefix)]
    for whole, code in [*_OWN_BYTE.items(), *_FRACTIONS.items()]:
        for cut in range(1, len(whole)):
            if prefix.endswith(whole[:cut]):
                before = _word_regex(prefix[:-cut])
                options.append(None if before is None else before + re.escape(bytes((code,))))
    kept = [option for option in options if option is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else b"(?:" + b"|".join(kept) + b")"


_PATTERNS: dict[tuple[tuple[str, ...], bool], re.Pattern[bytes] | None] = {}
_PATTERNS_LIMIT = 1 << 15  # regexes; emptied when full, like `_FOLDED`


def pattern(words: tuple[str, ...], wildcard: bool) -> re.Pattern[bytes] | None:
    """A regex finding `words` as consecutive words in a `folded_image`; None if never there.

    A match starts at the space before the first word; with `wildcard` the last word is a
    prefix, else the match ends where the last word does (a space must follow).
    """
    found = _PATTERNS.get((words, wildcard), ...)
    if found is ...:
        regexes = [_word_regex(word) for word in words[:-1]]
        regexes.append(_prefix_regex(words[-1]) if wildcard else _word_regex(words[-1]))
        if any(regex is None for regex in regexes):
            found = None
        else:
            body = b" " + b" +".join(regex for regex in regexes if regex is not None)
            found = re.compile(body if wildcard else body + b"(?= )")
        if len(_PATTERNS) >= _PATTERNS_LIMIT:
            _PATTERNS.clear()
        _PATTERNS[words, wildcard] = found
    return found


def pieces(text: str, image: tuple[bytes, str] | None = None) -> list[str] | None:
    """`text` split at every separator character, or None if `byte_image` cannot hold it.

    The non-empty pieces are the words `WORD` finds; piece k starts at k plus the lengths
    of the pieces before it. Done with C-level bytes and string methods, several times
    faster than a regex over every word. `image` is `byte_image(text)` if already known.
    """
    image = image or byte_image(text)
    if image is None:
        return None
    raw, codec = image
    return raw.translate(SPACES[codec]).decode(codec).split(" ")


def split(text: str) -> tuple[list[str], list[int]]:
    """The words of `text` as written and the offset of each in `text`."""
    found = pieces(text)
    if found is None:
        parts = _WORD_SPLIT.split(text)  # separator, word, separator, word, …, separator
        words = parts[1::2]
        return words, list(itertools.accumulate(map(len, parts)))[0::2][: len(words)]
    starts = map(operator.add, itertools.accumulate(map(len, found), initial=0), itertools.count())
    return list(filter(None, found)), list(itertools.compress(starts, found))


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
    return [folded for folded in map(fold_word, WORD.findall(text)) if folded]
