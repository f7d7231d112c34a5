"""Why a query does or does not match a document, step by step (the CLI's test button)."""

from __future__ import annotations

from dataclasses import dataclass

from monitor import domain
from monitor.phrasebook.language import Language
from monitor.phrasebook.said import Said
from monitor.query import evaluate, nodes, parser

_SHOWN_HITS = 3
_CONTEXT = 25


@dataclass(frozen=True, slots=True)
class Step:
    """One node of the query: whether it matched, what it is, and where it matched."""

    depth: int
    matched: bool
    label: Said
    details: tuple[Said, ...] = ()


@dataclass(frozen=True, slots=True)
class Explanation:
    """The account of one query on one document; `lines` renders it for a terminal in a
    language (`str()` in English)."""

    query: str
    matched: bool
    steps: tuple[Step, ...]

    def lines(self, language: Language = "en") -> list[str]:
        lines = [Said("match" if self.matched else "no_match", query=self.query).told(language)]
        for step in self.steps:
            indent = "  " * (step.depth + 1)
            lines.append(f"{indent}{'✓' if step.matched else '✗'} {step.label.told(language)}")
            lines.extend(f"{indent}    {detail.told(language)}" for detail in step.details)
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


def _label(node: nodes.Node, outcome: evaluate.Outcome, index: evaluate.Index) -> Said:
    if isinstance(node, nodes.Words):
        kind = "phrase" if len(node.words) > 1 else "wildcard" if node.wildcard else "word"
        found = Said("found", count=len(outcome.hits)) if outcome.matched else Said("not_found")
        return Said("words", display=node.display, kind=Said(f"kind_{kind}"),
                    where=Said(f"field_{node.field}"), found=found)  # fmt: skip
    if isinstance(node, nodes.Site):
        return Said("site", display=node.display, host=index.host or Said("no_host"))
    if isinstance(node, nodes.Lang):
        code = index.document.language or Said("no_lang")
        return Said("lang", display=node.display, code=code)
    if isinstance(node, nodes.Not):
        return Said("not")
    if isinstance(node, nodes.And):
        return Said("and")
    if isinstance(node, nodes.Or):
        return Said("or")
    return Said(
        "near", operator="ONEAR" if node.ordered else "NEAR", distance=node.distance,
        unit=Said("unit_one" if node.distance == 1 else "unit_many"),
        order=Said("ordered") if node.ordered else "",
    )  # fmt: skip


def _where(outcome: evaluate.Outcome, index: evaluate.Index) -> tuple[Said, ...]:
    """Where the hits are: field, character offset and a short excerpt, a few of them."""
    details = []
    for hit in outcome.hits[:_SHOWN_HITS]:
        field = index.field(hit.segment)
        start, end = field.span(hit.first, hit.last)
        details.append(Said(
            "hit", display=hit.display, field=Said(f"field_{evaluate.FIELD_NAMES[hit.segment]}"),
            start=start, excerpt=_excerpt(field.text, start, end),
        ))  # fmt: skip
    if len(outcome.hits) > _SHOWN_HITS:
        details.append(Said("more", count=len(outcome.hits) - _SHOWN_HITS))
    return tuple(details)


def _excerpt(text: str, start: int, end: int) -> str:
    before = max(0, start - _CONTEXT)
    after = min(len(text), end + _CONTEXT)
    shown = f"{text[before:start]}[{text[start:end]}]{text[end:after]}"
    shown = " ".join(shown.split())
    return ("…" if before else "") + shown + ("…" if after < len(text) else "")
