"""Which brands a document mentions: the one door the rest of the code uses to match.

The query language lives in `monitor.query` (syntax in its docstring and the README);
this module is what callers import, so the engine can change without them noticing.
"""

from __future__ import annotations

from monitor import query
from monitor.query import BrandQuery, Matcher

compile = query.compile
explain = query.explain


def check(text: str) -> None:
    """Raise QuerySyntaxError (with the column) if `text` is not a valid query."""
    query.parse(text)


__all__ = ["BrandQuery", "Matcher", "check", "compile", "explain"]
