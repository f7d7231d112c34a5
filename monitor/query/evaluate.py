"""The exact meaning of a query tree on one document.

A document is read as fields (title, text, author), each a sequence of folded words; a
phrase is consecutive words of one field, so it never spans title and text. NEAR/n means at
most n words between the two sides (``a NEAR/1 b`` takes "a b" and "a x b"), in the same
field, the two occurrences not overlapping; ONEAR/n also needs the left side first.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from typing import NamedTuple
from urllib.parse import urlsplit

from monitor import domain
from monitor.query import fold, nodes

TITLE, TEXT, AUTHOR = 0, 1, 2
FIELD_NAMES = ("title", "text", "author")
_SEGMENTS: dict[nodes.Field, tuple[int, ...]] = {
    "any": (TITLE, TEXT),
    "title": (TITLE,),
    "author": (AUTHOR,),
}


class Hit(NamedTuple):
    """One occurrence of a query term: words `first`..`last` of a field."""

    segment: int
    first: int
    last: int
    display: str


class Span(NamedTuple):
    """Where a positional node matched, and the term occurrences that make it up."""

    segment: int
    first: int
    last: int
    hits: tuple[Hit, ...]


class Outcome(NamedTuple):
    """Whether a node matched; its spans (positional nodes) and what it found.

    `hits` are the occurrences of positive terms that count towards the match (for marks);
    `terms` are the display forms of the positive terms that matched, in query order.
    """

    matched: bool
    spans: tuple[Span, ...] = ()
    hits: tuple[Hit, ...] = ()
    terms: tuple[str, ...] = ()


_NO = Outcome(False)


class Field:
    """One field of a document, tokenised: its words in order, folded, and where each is.

    With a `window` (a character range; a word cut at its end is read whole, one cut at
    its start is left out: see `_whole_words`) only the words there are read: word
    numbers then count from the window's first word, which changes nothing for phrases
    and NEAR (they compare numbers), and offsets stay those of `text`. The caller promises
    that every word a query looks for, where it occurs, is inside.
    """

    def __init__(self, text: str, window: tuple[int, int] | None = None) -> None:
        self.text = text
        self._start, self._end = (0, len(text)) if window is None else _whole_words(text, window)
        whole = self._start == 0 and self._end == len(text)
        self._part = text if whole else text[self._start : self._end]
        self.words = fold.split_words(self._part)
        # Offsets are only needed for a snippet or an explanation, so they are found then.
        self._starts: list[int] | None = None
        self._folded: list[str] | None = None
        self._positions: dict[str, list[int]] = {}
        self._present: set[str] | None = None

    @property
    def folded(self) -> list[str]:
        """The folded words, one for each of `words` (folded on first use)."""
        if self._folded is None:
            self._folded = fold.fold_words(self.words)
        return self._folded

    def span(self, first: int, last: int) -> tuple[int, int]:
        """The character range of words `first`..`last` in `text`."""
        if self._starts is None:
            self._starts = [self._start + start for start in fold.split(self._part)[1]]
        return self._starts[first], self._starts[last] + len(self.words[last])

    def find(self, words: tuple[str, ...], wildcard: bool, inflected: bool = False) -> list[int]:
        """Start positions of `words` as consecutive words (the last a prefix if wildcard,
        or also with -s or -es if inflected: see `nodes.Words`)."""
        folded = self.folded
        if len(words) == 1 and wildcard:
            return [i for i, word in enumerate(folded) if word.startswith(words[0])]
        if len(words) == 1:
            if not inflected:
                return self._positions_in_list(words[0])
            present = self._words_present()
            each = [
                self._positions_in_list(form)
                for form in fold.word_forms(words[0])
                if form in present
            ]
            return each[0] if len(each) == 1 else sorted(itertools.chain.from_iterable(each))
        starts = self._positions_in_list(words[0])
        last = len(words) - 1
        endings = fold.word_forms(words[last]) if inflected else (words[last],)
        found = []
        for start in starts:
            if start + last >= len(folded):
                break
            if all(folded[start + k] == words[k] for k in range(1, last)) and (
                folded[start + last].startswith(words[last])
                if wildcard
                else folded[start + last] in endings
            ):
                found.append(start)
        return found

    def _words_present(self) -> set[str]:
        if self._present is None:
            self._present = set(self.folded)
        return self._present

    def _positions_in_list(self, word: str) -> list[int]:
        """Where the folded `word` occurs, in order (looked up once per word)."""
        found = self._positions.get(word)
        if found is None:
            folded = self.folded
            found = []
            if word in self._words_present():
                position = -1
                for _ in range(folded.count(word)):  # list methods scan in C
                    position = folded.index(word, position + 1)
                    found.append(position)
            self._positions[word] = found
        return found


def _whole_words(text: str, window: tuple[int, int]) -> tuple[int, int]:
    """`window`, widened so that it cuts no word at its end and narrowed past a word cut
    at its start (a word a query looks for starts after the window's start: see
    `prefilter.windows`)."""
    start, end = window
    word = fold.WORD
    if 0 < start < end and word.match(text, start - 1) and (inside := word.match(text, start)):
        start = inside.end()
    if start < end < len(text) and word.match(text, end - 1) and (rest := word.match(text, end)):
        end = rest.end()
    return start, max(start, end)


class Index:
    """A document prepared for evaluation; each field is tokenised on first use.

    `windows` (title, text) confine reading to where the words of the queries to be
    evaluated occur (see Field); the author is always read whole.
    """

    def __init__(
        self, document: domain.Document, windows: Sequence[tuple[int, int]] | None = None
    ) -> None:
        self.document = document
        self._windows = windows
        self._fields: dict[int, Field] = {}
        self._host: str | None = None

    def field(self, segment: int) -> Field:
        found = self._fields.get(segment)
        if found is None:
            document = self.document
            text = (document.title, document.text, document.author or "")[segment]
            window = None if self._windows is None or segment == AUTHOR else self._windows[segment]
            found = self._fields[segment] = Field(text, window)
        return found

    @property
    def host(self) -> str:
        if self._host is None:
            self._host = (urlsplit(self.document.url).hostname or "").rstrip(".")
        return self._host


Trace = dict[int, Outcome]
"""Outcomes by id() of the node, for explain."""


def evaluate(node: nodes.Node, index: Index, trace: Trace | None = None) -> Outcome:
    """The outcome of `node` on the document of `index`. With `trace`, record every node.

    Without a trace, AND stops at the first child that fails (cheap filters like site:
    first); with one, every child is evaluated so that all can be shown.
    """
    outcome = _evaluate(node, index, trace)
    if trace is not None:
        trace[id(node)] = outcome
    return outcome


def _evaluate(node: nodes.Node, index: Index, trace: Trace | None) -> Outcome:
    if isinstance(node, nodes.Words):
        return _words(node, index)
    if isinstance(node, nodes.Site):
        host = index.host
        matched = host == node.host or host.endswith("." + node.host)
        return Outcome(True, terms=(node.display,)) if matched else _NO
    if isinstance(node, nodes.Lang):
        language = (index.document.language or "").lower().replace("_", "-")
        matched = language == node.code or language.startswith(node.code + "-")
        return Outcome(True, terms=(node.display,)) if matched else _NO
    if isinstance(node, nodes.Not):
        return Outcome(not evaluate(node.child, index, trace).matched)
    if isinstance(node, nodes.And):
        return _and(node.children, index, trace)
    if isinstance(node, nodes.Or):
        outcomes = [evaluate(child, index, trace) for child in node.children]
        return _merge([outcome for outcome in outcomes if outcome.matched])
    return _near(node, index, trace)


def _words(node: nodes.Words, index: Index) -> Outcome:
    spans = []
    last = len(node.words) - 1
    for segment in _SEGMENTS[node.field]:
        for start in index.field(segment).find(node.words, node.wildcard, node.inflected):
            hit = Hit(segment, start, start + last, node.display)
            spans.append(Span(segment, start, start + last, (hit,)))
    if not spans:
        return _NO
    return Outcome(True, tuple(spans), tuple(span.hits[0] for span in spans), (node.display,))


def _and(children: Sequence[nodes.Node], index: Index, trace: Trace | None) -> Outcome:
    # Filters that need no tokenising go first, so a failing site: skips the words.
    ordered = sorted(children, key=lambda child: not isinstance(child, nodes.Site | nodes.Lang))
    outcomes = []
    for child in ordered:
        outcome = evaluate(child, index, trace)
        if not outcome.matched and trace is None:
            return _NO
        outcomes.append(outcome)
    if not all(outcome.matched for outcome in outcomes):
        return _NO
    by_child = dict(zip(map(id, ordered), outcomes, strict=True))
    return _merge([by_child[id(child)] for child in children])


def _merge(outcomes: Sequence[Outcome]) -> Outcome:
    if not outcomes:
        return _NO
    if len(outcomes) == 1:
        return outcomes[0]
    return Outcome(
        True,
        tuple(span for outcome in outcomes for span in outcome.spans),
        tuple(dict.fromkeys(hit for outcome in outcomes for hit in outcome.hits)),
        tuple(dict.fromkeys(term for outcome in outcomes for term in outcome.terms)),
    )


def _by_position(
    spans: Sequence[Span], key: Callable[[Span], int]
) -> dict[int, tuple[list[int], list[Span]]]:
    """Per segment: the spans sorted by `key`, and their keys, for bisection."""
    grouped: dict[int, list[Span]] = {}
    for span in spans:
        grouped.setdefault(span.segment, []).append(span)
    result = {}
    for segment, members in grouped.items():
        members.sort(key=key)
        result[segment] = ([key(span) for span in members], members)
    return result


def _joined(a: Span, b: Span) -> Span:
    return Span(a.segment, min(a.first, b.first), max(a.last, b.last), a.hits + b.hits)


def _near(node: nodes.Near, index: Index, trace: Trace | None) -> Outcome:
    left = evaluate(node.left, index, trace)
    right = evaluate(node.right, index, trace)
    if not (left.matched and right.matched):
        return _NO
    # Linear in the spans, not their product: the right side's spans are looked up by
    # position (sorted starts and ends per field), only within `distance` of each left one.
    after = _by_position(right.spans, lambda span: span.first)
    before = _by_position(right.spans, lambda span: span.last) if not node.ordered else {}
    spans: list[Span] = []
    for a in left.spans:
        starts = after.get(a.segment)
        if starts is not None:
            keys, found = starts
            low, high = (
                bisect_left(keys, a.last + 1),
                bisect_right(keys, a.last + 1 + node.distance),
            )
            spans.extend(_joined(a, b) for b in found[low:high])
        ends = before.get(a.segment)
        if ends is not None:
            keys, found = ends
            low, high = (
                bisect_left(keys, a.first - 1 - node.distance),
                bisect_right(keys, a.first - 1),
            )
            spans.extend(_joined(a, b) for b in found[low:high])
    if not spans:
        return _NO
    hits = tuple(dict.fromkeys(hit for span in spans for hit in span.hits))
    # Query order: the left side's terms before the right side's.
    terms = tuple(t for t in (*left.terms, *right.terms) if any(h.display == t for h in hits))
    return Outcome(True, tuple(spans), hits, tuple(dict.fromkeys(terms)))
