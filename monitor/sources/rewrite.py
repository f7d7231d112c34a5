"""A brand query in our language, rewritten into what a search engine understands.

Search engines are fuzzy and every result passes through our own query engine later, so
a rewrite may only ever *widen* a query, never narrow it: what an engine cannot say is
loosened or dropped. Modes:

    none      the query text as written
    google    "phrases", OR, -term, intitle:, site: (Google, Bing); NEAR/n → both sides
              (AND); wildcards lose their *; lang: is dropped and author:x becomes the
              word x; a NOT of anything but words, phrases and site: is dropped, and so
              is an OR with an alternative that cannot be said
    reddit    the same in Reddit's (Lucene) words: title:, NOT term
    plain     the positive words and phrases, space-joined, no syntax; one search per
              top-level OR alternative (engines that need every word would otherwise
              find only items naming all alternatives)
    hashtag   one hashtag per top-level OR alternative: its first positive word or
              phrase with letters and digits only ("Müller Medical" → MüllerMedical)

    search_strings('"Müller Medical" OR MüMed -Test', "google")
        → ('"Müller Medical" OR (MüMed -Test)',)

Each function returns the search strings to send, in order, without duplicates; a query
with nothing an engine can search for (``lang:de`` alone) gives none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from monitor import query
from monitor.query import nodes

Mode = Literal["none", "google", "reddit", "plain", "hashtag"]
MODES: tuple[Mode, ...] = ("none", "google", "reddit", "plain", "hashtag")


@dataclass(frozen=True, slots=True)
class _Dialect:
    title: str  # the prefix that limits a term to the title
    negate: str  # the prefix that excludes a term


_DIALECTS = {"google": _Dialect("intitle:", "-"), "reddit": _Dialect("title:", "NOT ")}


def search_strings(text: str, mode: Mode) -> tuple[str, ...]:
    """`text` (a brand query) as the search strings `mode` says (see the module docstring).

    Raises QuerySyntaxError when `text` is not a query (config has checked brand queries).
    """
    if mode == "none":
        return (text.strip(),) if text.strip() else ()
    tree = query.parse(text)
    if mode in _DIALECTS:
        found = _Syntax(_DIALECTS[mode]).say(tree)
        return (found,) if found else ()
    branches = tree.children if isinstance(tree, nodes.Or) else (tree,)
    if mode == "plain":
        made = [" ".join(_unique(_words(branch))) for branch in branches]
    else:
        made = [_hashtag(_words(branch)) for branch in branches]
    return tuple(_unique(made))


def _hashtag(words: list[str]) -> str:
    return "".join(char for char in words[0] if char.isalnum()) if words else ""


def written(leaf: nodes.Words) -> tuple[str, bool]:
    """The words of `leaf` as the admin wrote them (no field, quotes or *), and if quoted."""
    shown = leaf.display
    if leaf.field != "any":
        shown = shown.partition(":")[2]
    quoted = len(shown) >= 2 and shown.startswith('"') and shown.endswith('"')
    if quoted:
        shown = shown[1:-1]
    elif leaf.wildcard:
        shown = shown.removesuffix("*")
    return shown.strip(), quoted


class _Syntax:
    """Our query tree said in an engine's syntax (`dialect`)."""

    def __init__(self, dialect: _Dialect) -> None:
        self.dialect = dialect

    def say(self, node: nodes.Node) -> str | None:
        """`node` in the engine's syntax; None when it cannot be said (so: no constraint)."""
        if isinstance(node, nodes.Words):
            words, quoted = written(node)
            term = f'"{words}"' if quoted else words
            return f"{self.dialect.title}{term}" if node.field == "title" else term
        if isinstance(node, nodes.Site):
            return f"site:{node.host}"
        if isinstance(node, nodes.Lang):
            return None
        if isinstance(node, nodes.Not):
            return self.negated(node.child)
        if isinstance(node, nodes.Near):
            return self.say(nodes.And((node.left, node.right)))
        if isinstance(node, nodes.And):
            kept = self.and_parts(node)
            return " ".join(kept) if kept else None
        parts = [self.grouped(child) for child in node.children]
        if not all(parts):
            return None  # leaving an alternative out would narrow the search
        return " OR ".join(part for part in parts if part)

    def and_parts(self, node: nodes.And) -> list[str]:
        return [part for child in node.children if (part := self.grouped(child))]

    def grouped(self, node: nodes.Node) -> str | None:
        """`node`, in parentheses if it is an OR or an AND of several terms."""
        found = self.say(node)
        several = isinstance(node, nodes.Or) or (
            isinstance(node, nodes.And) and len(self.and_parts(node)) > 1
        )
        return f"({found})" if found and several else found

    def negated(self, child: nodes.Node) -> str | None:
        """-term for words, phrases and sites; NOT (a OR b) as -a -b; anything else dropped."""
        if isinstance(child, nodes.Words | nodes.Site):
            term = self.say(child)
            return f"{self.dialect.negate}{term}" if term else None
        if isinstance(child, nodes.Or):
            parts = [self.negated(grandchild) for grandchild in child.children]
            return " ".join(p for p in parts if p) if all(parts) else None
        return None


def _words(node: nodes.Node) -> list[str]:
    """The positive words and phrases of `node`, in reading order (what is under NOT: no)."""
    if isinstance(node, nodes.Words):
        return [written(node)[0]]
    if isinstance(node, nodes.Near):
        return _words(node.left) + _words(node.right)
    if isinstance(node, nodes.And | nodes.Or):
        return [word for child in node.children for word in _words(child)]
    return []


def _unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for value in values:
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            kept.append(value)
    return kept
