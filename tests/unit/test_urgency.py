"""Which immediate alerts a new mention sets off, and why (urgency.reason): pure data."""

from __future__ import annotations

import pytest

from monitor.alerting import urgency
from monitor.domain import Document


def document(text: str = "Die Vaude Jacke", *, rating: float | None = None) -> Document:
    return Document(key="k", url="https://portal.example/r/1", title="Titel", text=text,
                    rating=rating)  # fmt: skip


def rule(
    *,
    rating_at_most: float | None = None,
    query: str | None = None,
    brands: tuple[str, ...] = (),
    sources: tuple[str, ...] = (),
) -> urgency.Rule:
    return urgency.compile_rule(
        "alert", brands=brands, sources=sources, rating_at_most=rating_at_most, query=query
    )


def why(r: urgency.Rule, d: Document, *, brand: str = "Vaude", source: str = "Portal"):
    return urgency.reason(r, d, brand=brand, source=source)


def test_a_rule_without_conditions_fires_for_every_mention() -> None:
    assert why(rule(), document()) == urgency.Reason("mention")
    assert why(rule(), document(rating=5)) == urgency.Reason("mention")


@pytest.mark.parametrize(
    ("rating", "fires"),
    [(0.0, True), (1.0, True), (2.0, True), (2.01, False), (4.0, False), (None, False)],
)
def test_rating_at_most_fires_at_or_below_the_bound(rating: float | None, fires: bool) -> None:
    expected = urgency.Reason("rating", rating=rating) if fires else None
    assert why(rule(rating_at_most=2), document(rating=rating)) == expected


def test_a_crisis_query_fires_on_its_words_regardless_of_case_and_names_them() -> None:
    crisis = rule(query="Rückruf")
    assert why(crisis, document("Großer RÜCKRUF bei Vaude")) == urgency.Reason(
        "crisis", terms=("Rückruf",)
    )
    assert why(crisis, document("Die Vaude Jacke hält warm")) is None
    assert why(crisis, document("Rückrufaktion")) is None  # whole words only


def test_any_condition_may_fire_and_a_low_rating_is_named_first() -> None:
    both = rule(rating_at_most=2, query="Rückruf")
    assert why(both, document("Rückruf!", rating=1)) == urgency.Reason("rating", rating=1)
    assert why(both, document("Rückruf!", rating=5)) == urgency.Reason("crisis", terms=("Rückruf",))
    assert why(both, document("alles gut", rating=1)) == urgency.Reason("rating", rating=1)
    assert why(both, document("alles gut", rating=5)) is None


def test_brand_and_source_filters_come_before_any_condition() -> None:
    narrow = rule(brands=("Vaude",), sources=("Portal",))
    assert why(narrow, document()) == urgency.Reason("mention")
    assert why(narrow, document(), brand="Müller Medical") is None
    assert why(narrow, document(), source="Forum") is None
    low = rule(rating_at_most=2, brands=("Vaude",))
    assert why(low, document(rating=1), brand="Müller Medical") is None
