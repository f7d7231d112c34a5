"""Which immediate alerts a new mention sets off, and why. Pure: data in, reasons out.

The reason becomes the mail's subject, so the team sees at a glance what is urgent:
a one-star review, a crisis word, or simply a mention the rule wants at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monitor import domain
from monitor.query import BrandQuery, Matcher
from monitor.query import compile as compile_matcher


@dataclass(frozen=True, slots=True)
class Rule:
    """An immediate alert's conditions, compiled. Any condition given may trigger it."""

    alert: str
    brands: tuple[str, ...]
    sources: tuple[str, ...]
    rating_at_most: float | None
    crisis: Matcher | None

    def covers(self, brand: str, source: str) -> bool:
        return (not self.brands or brand in self.brands) and (
            not self.sources or source in self.sources
        )


@dataclass(frozen=True, slots=True)
class Reason:
    kind: domain.Urgency
    rating: float | None = None
    terms: tuple[str, ...] = ()


def compile_rule(
    alert: str,
    *,
    brands: Sequence[str],
    sources: Sequence[str],
    rating_at_most: float | None,
    query: str | None,
) -> Rule:
    crisis = compile_matcher([BrandQuery(alert, (query,))]) if query else None
    return Rule(alert, tuple(brands), tuple(sources), rating_at_most, crisis)


def reason(rule: Rule, document: domain.Document, *, brand: str, source: str) -> Reason | None:
    """Why `rule` fires for this mention, or None when it does not."""
    if not rule.covers(brand, source):
        return None
    if rule.rating_at_most is None and rule.crisis is None:
        return Reason(domain.Urgency.MENTION)
    if (
        rule.rating_at_most is not None
        and document.rating is not None
        and document.rating <= rule.rating_at_most
    ):
        return Reason(domain.Urgency.RATING, rating=document.rating)
    if rule.crisis is not None and (hits := rule.crisis.match(document)):
        return Reason(domain.Urgency.CRISIS, terms=hits[0].terms)
    return None
