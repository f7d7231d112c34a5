"""The parsed form of a query: a tree of frozen nodes.

Leaves hold folded words (see `fold`), so evaluation compares strings and never folds a
query again; `display` keeps what the admin wrote, for reports. `column` is 1-based in the
query text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Field = Literal["any", "title", "author"]


@dataclass(frozen=True, slots=True)
class Words:
    """A word, a wildcard or a phrase: consecutive words of one field.

    `words` are folded and never empty. With `wildcard`, the last word is a prefix (of a
    folded word). With `inflected`, the last word also matches with -s or -es appended
    (German genitive and plural: "Vaudes neue Jacke", "Müllers Laden"; English plural; the
    possessive "Vaude's" is two words anyway). `field` "any" means the title or the text
    (never spanning both).
    """

    words: tuple[str, ...]
    display: str
    column: int
    field: Field = "any"
    wildcard: bool = False
    inflected: bool = False


@dataclass(frozen=True, slots=True)
class Site:
    """The document's URL host is `host` or a subdomain of it."""

    host: str
    display: str
    column: int


@dataclass(frozen=True, slots=True)
class Lang:
    """The document's language is `code` (case-insensitive; ``de`` also takes ``de-AT``)."""

    code: str
    display: str
    column: int


@dataclass(frozen=True, slots=True)
class Not:
    child: Node
    column: int


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Near:
    """`left` and `right` with at most `distance` words between them, in the same field.

    With `ordered`, `left` must come first. Both sides are positional: words, phrases,
    OR of those, or another Near.
    """

    left: Node
    right: Node
    distance: int
    ordered: bool
    column: int


Node = Words | Site | Lang | Not | And | Or | Near


def is_positional(node: Node) -> bool:
    """True if `node` matches at places in a text (so NEAR can measure distances to it)."""
    if isinstance(node, Words | Near):
        return True
    if isinstance(node, Or):
        return all(is_positional(child) for child in node.children)
    return False


def is_anchored(node: Node) -> bool:
    """True if every way `node` can match needs something present, not only absences."""
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(is_anchored(child) for child in node.children)
    if isinstance(node, Or):
        return all(is_anchored(child) for child in node.children)
    return True


def render(node: Node) -> str:
    """A query string meaning the same as `node`, fully parenthesised (for explain output)."""
    if isinstance(node, Words | Site | Lang):
        return node.display
    if isinstance(node, Not):
        return f"NOT {render(node.child)}"
    if isinstance(node, And):
        return "(" + " ".join(render(child) for child in node.children) + ")"
    if isinstance(node, Or):
        return "(" + " OR ".join(render(child) for child in node.children) + ")"
    operator = "ONEAR" if node.ordered else "NEAR"
    return f"({render(node.left)} {operator}/{node.distance} {render(node.right)})"
