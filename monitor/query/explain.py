"""Why a query does or does not match a document, step by step (the CLI's test button)."""

from __future__ import annotations

from dataclasses import dataclass

from monitor import domain
from monitor.query import evaluate, nodes, parser

_SHOWN_HITS = 3
_CONTEXT = 25


@dataclass(frozen=True, slots=True)
class Step:
    """One node of the query: whether it matched, what it is, and where it matched."""

    depth: int
    matched: bool
    label: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Explanation:
    """The account of one query on one document; `str()` renders it for a terminal."""

    query: str
    matched: bool
    steps: tuple[Step, ...]

    def lines(self) -> list[str]:
        lines = [f"{'MATCH' if self.matched else 'NO MATCH'}: {self.query}"]
        for step in self.steps:
            indent = "  " * (step.depth + 1)
            lines.append(f"{indent}{'✓' if step.matched else '✗'} {step.label}")
            lines.extend(f"{indent}    {detail}" for detail in step.details)
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())


def explain(query_text: str, document: domain.Document) -> Explanation:
    """Evaluate `query_text` on `document` and record every step; QuerySyntaxError if bad."""
    tree = parser.parse(query_text)
    index = evaluate.Index(document)
    trace: evaluate.Trace = {}
    outcome = evaluate.evaluate(tree, index, trace)
    steps: list[Step] = []
    _walk(tree, 0, trace, index, steps)
    return Explanation(query_text, outcome.matched, tuple(steps))


def _walk(
    node: nodes.Node, depth: int, trace: evaluate.Trace, index: evaluate.Index, steps: list[Step]
) -> None:
    outcome = trace[id(node)]
    # Hits are listed where they are found (words, NEAR), not again on every AND and OR.
    details = _where(outcome, index) if isinstance(node, nodes.Words | nodes.Near) else ()
    steps.append(Step(depth, outcome.matched, _label(node, outcome, index), details))
    children: tuple[nodes.Node, ...] = ()
    if isinstance(node, nodes.Not):
        children = (node.child,)
    elif isinstance(node, nodes.And | nodes.Or):
        children = node.children
    elif isinstance(node, nodes.Near):
        children = (node.left, node.right)
    for child in children:
        _walk(child, depth + 1, trace, index, steps)


def _label(node: nodes.Node, outcome: evaluate.Outcome, index: evaluate.Index) -> str:
    if isinstance(node, nodes.Words):
        kind = "phrase" if len(node.words) > 1 else "wildcard" if node.wildcard else "word"
        where = {"any": "title or text", "title": "title", "author": "author"}[node.field]
        found = f"found {len(outcome.hits)}×" if outcome.matched else "not found"
        return f"{node.display}  ({kind} in {where}: {found})"
    if isinstance(node, nodes.Site):
        return f"{node.display}  (document host: {index.host or 'none'})"
    if isinstance(node, nodes.Lang):
        return f"{node.display}  (document language: {index.document.language or 'unknown'})"
    if isinstance(node, nodes.Not):
        return "NOT  (matches when the part below does not)"
    if isinstance(node, nodes.And):
        return "AND  (all of)"
    if isinstance(node, nodes.Or):
        return "OR  (any of)"
    operator = "ONEAR" if node.ordered else "NEAR"
    order = ", left one first" if node.ordered else ""
    words = "word" if node.distance == 1 else "words"
    return f"{operator}/{node.distance}  (at most {node.distance} {words} between{order})"


def _where(outcome: evaluate.Outcome, index: evaluate.Index) -> tuple[str, ...]:
    """Where the hits are: field, character offset and a short excerpt, a few of them."""
    details = []
    for hit in outcome.hits[:_SHOWN_HITS]:
        field = index.field(hit.segment)
        start, end = field.span(hit.first, hit.last)
        details.append(
            f"{hit.display} in {evaluate.FIELD_NAMES[hit.segment]} at {start}: "
            f"{_excerpt(field.text, start, end)}"
        )
    if len(outcome.hits) > _SHOWN_HITS:
        details.append(f"… and {len(outcome.hits) - _SHOWN_HITS} more")
    return tuple(details)


def _excerpt(text: str, start: int, end: int) -> str:
    before = max(0, start - _CONTEXT)
    after = min(len(text), end + _CONTEXT)
    shown = f"{text[before:start]}[{text[start:end]}]{text[end:after]}"
    shown = " ".join(shown.split())
    return ("…" if before else "") + shown + ("…" if after < len(text) else "")
