"""Which brands a document mentions. The one door the rest of the code uses to match.

For now a brand query is a list of words and "quoted phrases" that must all occur,
case-insensitively and as whole words; any of a brand's queries may match, and its
`exclude` words veto a match. The full query
language replaces the inside of this module without changing its interface.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from monitor import domain
from monitor.errors import QuerySyntaxError

SNIPPET_LENGTH = 200


@dataclass(frozen=True, slots=True)
class BrandQuery:
    """A brand as matching sees it: its name, its queries (any may match), words to exclude."""

    name: str
    queries: tuple[str, ...]
    exclude: tuple[str, ...] = ()


def check(query: str) -> None:
    """Raise QuerySyntaxError if `query` cannot be used."""
    _terms(query)


@dataclass(frozen=True, slots=True)
class _CompiledBrand:
    name: str
    queries: tuple[tuple[re.Pattern[str], ...], ...]  # any query; every pattern in it
    any_term: re.Pattern[str]  # for marking the snippet
    exclude: re.Pattern[str] | None


class Matcher:
    """Matches documents against every brand at once. Build it with `compile`."""

    def __init__(self, brands: Sequence[_CompiledBrand]) -> None:
        self._brands = tuple(brands)

    def match(self, document: domain.Document) -> list[domain.Match]:
        found = []
        haystack = f"{document.title}\n{document.text}"
        for brand in self._brands:
            if brand.exclude is not None and brand.exclude.search(haystack):
                continue
            if any(all(p.search(haystack) for p in query) for query in brand.queries):
                terms = tuple(dict.fromkeys(h.group(0) for h in brand.any_term.finditer(haystack)))
                found.append(domain.Match(brand.name, terms, _snippet(document, brand.any_term)))
        return found


def compile(brands: Sequence[BrandQuery]) -> Matcher:
    return Matcher([_compile_brand(brand) for brand in brands])


def _compile_brand(brand: BrandQuery) -> _CompiledBrand:
    queries = tuple(tuple(_pattern([term]) for term in _terms(q)) for q in brand.queries)
    every_term = [term for query in brand.queries for term in _terms(query)]
    exclude = _pattern(list(brand.exclude)) if brand.exclude else None
    return _CompiledBrand(brand.name, queries, _pattern(every_term), exclude)


def _terms(query: str) -> list[str]:
    try:
        terms = shlex.split(query)
    except ValueError:
        raise QuerySyntaxError("unterminated quote", query.find('"') + 1) from None
    if not terms:
        raise QuerySyntaxError("empty query", 1)
    return terms


def _pattern(terms: list[str]) -> re.Pattern[str]:
    alternatives = (r"[\s\-]+".join(re.escape(word) for word in term.split()) for term in terms)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def _snippet(document: domain.Document, pattern: re.Pattern[str]) -> domain.Snippet:
    source = document.text if pattern.search(document.text) else document.title
    first = pattern.search(source)
    start = 0 if first is None else max(0, first.start() - SNIPPET_LENGTH // 2)
    end = min(len(source), start + SNIPPET_LENGTH)
    # Cut at word boundaries so no word is shown half.
    if start > 0:
        start = source.find(" ", start) + 1 or start
    if end < len(source):
        end = source.rfind(" ", start, end) if " " in source[start:end] else end
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(source) else ""
    body = source[start:end]
    marks = tuple(
        (len(prefix) + hit.start(), len(prefix) + hit.end()) for hit in pattern.finditer(body)
    )
    return domain.Snippet(prefix + body + suffix, marks)
