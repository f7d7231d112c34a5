"""Every brand's queries compiled into one matcher: prefilter first, exact evaluation after."""

from __future__ import annotations

import collections
import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import dataclass

from monitor import domain
from monitor.query import evaluate, nodes, parser, prefilter, snippet


@dataclass(frozen=True, slots=True)
class BrandQuery:
    """A brand as matching sees it: its name, its queries (any may match), queries to exclude.

    Each `exclude` entry is a query too (usually one word or phrase); a document matching
    any of them never matches the brand. With `word_forms`, a word (the last of a phrase)
    also matches with -s or -es appended, in queries and exclusions alike (see
    `nodes.Words.inflected`).
    """

    name: str
    queries: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    word_forms: bool = True


@dataclass(frozen=True, slots=True)
class _Brand:
    name: str
    tree: nodes.Node
    requirement: prefilter.Requirement
    keys: frozenset[int]  # every key the tree looks for, for `prefilter.windows`


def brand_tree(brand: BrandQuery) -> nodes.Node:
    """One tree for the brand: (q1 OR q2 …) AND NOT x1 AND NOT x2 …; parse errors propagate."""
    queries = [parser.parse(text) for text in brand.queries]
    if not queries:
        raise ValueError(f"brand {brand.name!r} has no query")
    tree = queries[0] if len(queries) == 1 else nodes.Or(tuple(queries))
    excluded = [nodes.Not(parser.parse(text), 1) for text in brand.exclude]
    tree = nodes.And((tree, *excluded)) if excluded else tree
    return _inflected(tree) if brand.word_forms else tree


def _inflected(node: nodes.Node) -> nodes.Node:
    """`node` with every word and phrase of the title or text taking -s and -es forms."""
    if isinstance(node, nodes.Words):
        if node.wildcard or node.field == "author":
            return node  # a prefix takes every ending already; a name is written as is
        return dataclasses.replace(node, inflected=True)
    if isinstance(node, nodes.Not):
        return nodes.Not(_inflected(node.child), node.column)
    if isinstance(node, nodes.And):
        return nodes.And(tuple(_inflected(child) for child in node.children))
    if isinstance(node, nodes.Or):
        return nodes.Or(tuple(_inflected(child) for child in node.children))
    if isinstance(node, nodes.Near):
        return dataclasses.replace(node, left=_inflected(node.left), right=_inflected(node.right))
    return node  # Site, Lang


def compile(brands: Sequence[BrandQuery]) -> Matcher:
    """Parse every brand's queries and build one prefilter over all of them.

    Raises QuerySyntaxError for the first query that does not parse (callers that want to
    name the brand and query validate each with `parse` first).
    """
    builder = prefilter.Builder({})
    compiled = []
    for brand in brands:
        tree = brand_tree(brand)
        compiled.append(
            _Brand(brand.name, tree, builder.requirement(tree), builder.every_key(tree))
        )
    return Matcher(compiled, builder.keys)


class Matcher:
    """Matches documents against every brand at once. Build it with `compile`.

    Immutable after construction, so one matcher can serve any number of documents.
    """

    def __init__(self, brands: Sequence[_Brand], keys: dict[str, int]) -> None:
        self._brands = tuple(brands)
        self._automaton = prefilter.Automaton(keys)
        self._located = self._automaton.located
        usage = collections.Counter(
            key for brand in self._brands for key in prefilter.keys_in(brand.requirement)
        )
        by_key: dict[int, list[int]] = {}
        for number, brand in enumerate(self._brands):
            for key in prefilter.triggers(brand.requirement, usage):
                by_key.setdefault(key, []).append(number)
        self._by_key = {key: tuple(numbers) for key, numbers in by_key.items()}
        self._always = tuple(
            number for number, brand in enumerate(self._brands) if brand.requirement is None
        )

    def match(self, document: domain.Document) -> list[domain.Match]:
        """One Match per brand the document matches, in the order the brands were given."""
        located = prefilter.located_sketch(document.title, document.text)
        found = self._located(located.text)
        if not found and not self._always:
            return []
        candidates = set(self._always)
        for key in found:
            candidates.update(self._by_key.get(key, ()))
        indexes: dict[tuple[tuple[int, int], ...] | None, evaluate.Index] = {}
        matches = []
        for number in sorted(candidates):
            brand = self._brands[number]
            if not prefilter.holds(brand.requirement, found):
                continue
            # Every occurrence of a word the brand looks for lies where its keys were found,
            # so only that part of the text is read (all of it when positions are unknown);
            # brands whose words are found in the same places share the reading.
            windows = prefilter.windows(located, found, brand.keys, document.title, document.text)
            index = indexes.get(windows)
            if index is None:
                index = indexes[windows] = evaluate.Index(document, windows)
            outcome = evaluate.evaluate(brand.tree, index)
            if outcome.matched:
                cut = functools.partial(_snippet, outcome, index)
                matches.append(domain.Match(brand.name, outcome.terms, cut))
        return matches


def _snippet(outcome: evaluate.Outcome, index: evaluate.Index) -> domain.Snippet:
    """The text around its first hit; the start of the text when only the title matched.

    A mail shows the title above the snippet: repeating it there would hide what the post
    or review says (a one-star review's title names the product; its text says why). The
    title is the snippet only when there is no text.
    """
    segment = evaluate.TEXT if index.document.text else evaluate.TITLE
    field = index.field(segment)
    spans = [field.span(hit.first, hit.last) for hit in outcome.hits if hit.segment == segment]
    return snippet.make(field.text, spans)
