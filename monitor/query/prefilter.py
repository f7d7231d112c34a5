"""One Aho-Corasick automaton over every brand's words, to skip documents cheaply.

Tokenising a document costs far more than scanning it, so `Matcher` first maps the title
and text to a *sketch* with a few C-speed string operations, runs the automaton over it
once, and evaluates a brand's tree only when the words its query needs are all there.

The sketch is a lossy image of the folded text, built so that it can only over-report:

The text is first encoded one byte per character in Windows-1252 (which covers German and
English text with its typographic punctuation) and mapped with one ``bytes.translate``
table; characters beyond go through a codec error handler, one run at a time.
In the sketch:

* every character that is not a word character (see `fold`) becomes a space, so the keys
  `` word `` (with a space each side) hit whole words only and a wildcard `` prefix`` hits
  word starts only;
* a character of a script written without spaces (see `fold`) is a word of its own, with
  a space each side;
* every word character becomes its folded form (`fold.fold_char`), with each ``e``
  dropped (rather than only an ``e`` after a, o, u: dropping them all is one C-level
  ``bytes.translate``, and the extra hits it allows are rare and cost only an evaluation)
  and each non-ASCII folded letter replaced by a consonant chosen by its code point (so
  the sketch is ASCII and vowels keep their meaning for the ``e`` rule).

Both sides of a word go through the same per-character map, so if a document word folds
to a query word, the sketch of that document word is exactly the query word's key: the
prefilter never causes a missed match. Tests and the bench check this against exact
evaluation.

A brand's *requirement* is a monotone formula over keys: a phrase needs all its words,
NEAR both sides, AND every positive child, OR any child. NOT and the filters the sketch
cannot see (site:, lang:, author:) require nothing; a brand whose requirement is nothing
is evaluated on every document. A brand becomes a candidate through its *trigger* keys
(of an AND only the rarest part's, see `triggers`) and is evaluated if its requirement
holds on the keys found.
"""

from __future__ import annotations

import codecs
import functools
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import ahocorasick

from monitor.query import fold, nodes

_CONSONANTS = "bcdfghjklmnpqrstvwxz"
_HANDLER = "monitor.query.sketch"


def _sketch_folded(folded: str) -> str:
    """The sketch of already folded characters (see the module docstring)."""
    out = []
    for char in folded:
        if char == "e":
            continue
        if char.isascii() and fold.is_word_char(char):
            out.append(char)
        elif fold.is_word_char(char):
            out.append(_CONSONANTS[ord(char) % len(_CONSONANTS)])
        else:
            out.append(" ")
    return "".join(out)


@functools.cache
def sketch_char(char: str) -> str:
    """The sketch of one character of a document (one of an unspaced script is a word of
    its own: spaces around it, as `fold` splits it)."""
    if not fold.is_word_char(char):
        return " "
    sketched = _sketch_folded(fold.fold_char(char))
    return f" {sketched} " if fold.is_unspaced(char) else sketched


def _encode_error(error: UnicodeError) -> tuple[str, int]:
    # Characters beyond Windows-1252 (Ł, Cyrillic, arrows…) are rare in one document; they
    # come here from the C encoder, a run at a time.
    if not isinstance(error, UnicodeEncodeError):
        raise error
    run = error.object[error.start : error.end]
    return "".join([sketch_char(char) for char in run]), error.end


codecs.register_error(_HANDLER, _encode_error)


@dataclass(frozen=True, slots=True)
class _Tables:
    """How to sketch the bytes of one single-byte codec."""

    table: bytes  # each byte to the one ASCII byte of its sketch
    delete: bytes  # bytes whose sketch is empty (e, é, …)
    longer: dict[int, bytes]  # bytes whose sketch is longer (ß -> ss)
    shorter: bytes  # every byte but those, to find them with one translate


def _tables(codec: str) -> _Tables:
    table = bytearray(range(256))
    delete = bytearray()
    longer = {}
    for code in range(256):
        char = bytes([code]).decode(codec, errors="ignore")  # cp1252 leaves 5 bytes unused
        image = sketch_char(char).encode("ascii") if char else b" "
        if len(image) == 1:
            table[code] = image[0]
        elif not image:
            delete.append(code)
        else:
            longer[code] = image
    shorter = bytes(code for code in range(256) if code not in longer)
    return _Tables(bytes(table), bytes(delete), longer, shorter)


_TABLES = _tables("cp1252")


def join(*texts: str) -> str:
    """`texts` as separate fields of one string, as `sketch_of` wants them."""
    return " " + "\n".join(texts) + " "


class Sketch(NamedTuple):
    """A sketch and how far its positions may drift from those of the joined text.

    The character at index ``i`` of `join`'s string lands at sketch index ``p`` with
    ``p - ahead <= i <= p + behind``: ``ahead`` counts the characters the sketch gained
    (ß is ``ss``), ``behind`` those it dropped (every ``e``). Both are None when the text
    went through the codec error handler, whose runs are not counted: then positions say
    nothing.
    """

    text: str
    ahead: int | None
    behind: int | None


def windows(
    located: Sketch, where: Mapping[int, tuple[int, int]], keys: Iterable[int], *texts: str
) -> tuple[tuple[int, int], ...] | None:
    """For each of `texts`, the range of it that holds every occurrence of `keys` (`where`
    they were found in the sketch); None when the sketch's positions say nothing.

    The bounds may cut words. Every key starts with the space before its word, so a word
    a key found starts after the range's start: a word cut there is none of them (and
    `evaluate` leaves it out); one cut at the end is read whole.
    """
    if located.ahead is None or located.behind is None:
        return None
    ranges = [where[key] for key in keys if key in where]
    if not ranges:
        return tuple((0, 0) for _ in texts)
    low = min(start for start, _ in ranges) - located.ahead
    high = max(end for _, end in ranges) + located.behind
    found = []
    offset = 1  # `join`: a space, the texts with a line break between them, a space
    for text in texts:
        found.append((min(max(low - offset, 0), len(text)), min(max(high - offset, 0), len(text))))
        offset += len(text) + 1
    return tuple(found)


def sketch(*texts: str) -> str:
    """The sketch of `texts` as separate fields, with a space at both ends."""
    return located_sketch(*texts).text


def located_sketch(*texts: str) -> Sketch:
    """The sketch of `texts` as separate fields, with the drift of its positions."""
    joined = join(*texts)
    try:
        raw = joined.encode("cp1252")  # one byte per character: positions stay comparable
        counted = True
    except UnicodeEncodeError:
        raw = joined.encode("cp1252", _HANDLER)  # runs beyond it go to `_encode_error`
        counted = False
    if not raw.isascii():
        for code in set(raw.translate(None, _TABLES.shorter)):  # ß, þ, ¼: translate maps 1:1
            raw = raw.replace(bytes((code,)), _TABLES.longer[code])
    sketched = raw.translate(_TABLES.table, _TABLES.delete).decode("ascii")
    if not counted:
        return Sketch(sketched, None, None)
    return Sketch(sketched, len(raw) - len(joined), len(raw) - len(sketched))


def key(word: str, prefix: bool) -> str:
    """The automaton key of one folded word: whole words only, or word starts if `prefix`."""
    return " " + _sketch_folded(word) + ("" if prefix else " ")


# A requirement: a key id, ("&", parts), ("|", parts); None requires nothing.
Requirement = int | tuple[str, tuple["Requirement", ...]] | None


@dataclass
class Builder:
    """Collects keys from query trees and numbers them."""

    keys: dict[str, int]

    def requirement(self, node: nodes.Node) -> Requirement:
        """What `node` needs to be present in a document's sketch before it can match."""
        if isinstance(node, nodes.Words):
            if node.field == "author":
                return None
            return _combine("&", self._words_keys(node))
        if isinstance(node, nodes.Near):
            return _combine("&", [self.requirement(node.left), self.requirement(node.right)])
        if isinstance(node, nodes.And):
            return _combine("&", [self.requirement(child) for child in node.children])
        if isinstance(node, nodes.Or):
            parts = [self.requirement(child) for child in node.children]
            return None if any(part is None for part in parts) else _combine("|", parts)
        return None  # Not, Site, Lang

    def every_key(self, node: nodes.Node) -> frozenset[int]:
        """The keys of every word `node` looks for in the title or text, under NOT too.

        Evaluation reads only the part of a text where these keys were found (see
        `windows`), so the words an exclusion vetoes get keys as well: the automaton
        then says where they are.
        """
        if isinstance(node, nodes.Words):
            if node.field == "author":
                return frozenset()
            return frozenset().union(*(keys_in(part) for part in self._words_keys(node)))
        if isinstance(node, nodes.Near):
            return self.every_key(node.left) | self.every_key(node.right)
        if isinstance(node, nodes.And | nodes.Or):
            return frozenset().union(*(self.every_key(child) for child in node.children))
        if isinstance(node, nodes.Not):
            return self.every_key(node.child)
        return frozenset()  # Site, Lang

    def _words_keys(self, node: nodes.Words) -> list[Requirement]:
        """A key per word (the last a word start if it is a prefix); a last word that takes
        -s and -es needs any of its forms' keys (whole words still: "vaud " or "vauds ")."""
        last = len(node.words) - 1
        parts: list[Requirement] = [
            self._key(key(word, node.wildcard and i == last)) for i, word in enumerate(node.words)
        ]
        if node.inflected and not node.wildcard:
            forms = fold.word_forms(node.words[last])
            parts[last] = _combine("|", [self._key(key(form, False)) for form in forms])
        return parts

    def _key(self, text: str) -> int:
        return self.keys.setdefault(text, len(self.keys))


def _combine(operator: str, parts: Iterable[Requirement]) -> Requirement:
    kept = tuple(dict.fromkeys(part for part in parts if part is not None))
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else (operator, kept)


def holds(requirement: Requirement, found: Container[int]) -> bool:
    """True if the keys `found` in a sketch satisfy `requirement`."""
    if requirement is None:
        return True
    if isinstance(requirement, int):
        return requirement in found
    operator, parts = requirement
    if operator == "&":
        return all(holds(part, found) for part in parts)
    return any(holds(part, found) for part in parts)


def keys_in(requirement: Requirement) -> set[int]:
    """Every key `requirement` mentions."""
    if requirement is None:
        return set()
    if isinstance(requirement, int):
        return {requirement}
    return set().union(*(keys_in(part) for part in requirement[1]))


def triggers(requirement: Requirement, usage: Mapping[int, int]) -> frozenset[int]:
    """Keys of which at least one is found whenever `requirement` holds; few and rare ones.

    Of an AND only one part needs to trigger (`holds` checks the rest); the part whose keys
    the fewest brands share is chosen, since a key many brands need ("bank", "medical") is
    most likely a common word. An OR needs every part's triggers.
    """
    if requirement is None:
        return frozenset()
    if isinstance(requirement, int):
        return frozenset((requirement,))
    operator, parts = requirement
    options = [triggers(part, usage) for part in parts]
    if operator == "|":
        return frozenset().union(*options)
    return min(options, key=lambda keys: sum(usage[key] for key in keys))


class Automaton:
    """Finds which of the numbered keys occur in a sketch."""

    def __init__(self, keys: dict[str, int]) -> None:
        self._automaton = ahocorasick.Automaton()
        self._lengths = [0] * len(keys)
        for text, number in keys.items():
            self._lengths[number] = len(text)
            self._automaton.add_word(text, number)
        self._empty = not keys
        if not self._empty:
            self._automaton.make_automaton()

    def located(self, sketched: str) -> dict[int, tuple[int, int]]:
        """Each key found, with the sketch range [start, end) that holds its occurrences."""
        found: dict[int, tuple[int, int]] = {}
        if self._empty:
            return found
        lengths = self._lengths
        for last, number in self._automaton.iter(sketched):
            end = last + 1
            seen = found.get(number)
            found[number] = (end - lengths[number], end) if seen is None else (seen[0], end)
        return found
