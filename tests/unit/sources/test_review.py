"""Review portals: selectors without a preset, counted stars, identity, JSON-LD oddities."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from monitor import domain, sources
from monitor.errors import SourceError
from monitor.sources import review

NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)
URL = "https://bewertungen.example.de/firma/muster-gmbh"
CONFIG: TypeAdapter[Any] = TypeAdapter(sources.SourceConfig)

PORTAL = """<html><head><meta charset="utf-8"><title>Muster GmbH – Erfahrungen</title></head>
<body><div class="review-list">
 <div class="review" data-rating="4" id="rv-1">
   <a class="review-link" href="/bewertung/1001">Permalink</a>
   <span class="name">Kunde A.</span><span class="when">vor 3 Stunden</span>
   <div class="stars"><i class="star on"></i><i class="star on"></i><i class="star on"></i>
   <i class="star on"></i><i class="star"></i></div>
   <div class="text">Lieferung pünktlich, <b>Müller</b> am Telefon sehr freundlich.
   <div class="answer">Antwort der Muster GmbH: Danke!</div></div>
 </div>
 <div class="review" id="rv-2">
   <span class="name">Kunde B.</span><span class="when">irgendwann</span>
   <div class="stars"><i class="star on"></i><i class="star"></i></div>
   <div class="text">Nie wieder.</div>
 </div>
</div><a class="next" href="?page=2">weiter</a></body></html>"""


def source(**fields: Any) -> review.ReviewSource:
    base = {"type": "reviews", "name": "muster", "url": URL, "preset": None,
            "timezone": "Europe/Berlin", "language": "de", "selectors": {
                "item": "div.review", "body": "div.text", "quote": "div.answer",
                "author": "span.name", "date": "span.when",
                "permalink": "a.review-link@href", "rating_stars": "i.star.on",
                "next_page": "a.next@href"}}  # fmt: skip
    made = CONFIG.validate_python({**base, **fields})
    assert isinstance(made, review.ReviewSource)
    return made


def parse(src: review.ReviewSource, html: str, context: str = "depth=1") -> domain.Page:
    request = domain.Request(URL, kind="reviews", context=context)
    response = domain.Response(request, URL, 200, html.encode(), {})
    return review.ADAPTER.parse(
        src, response, now=NOW, memory={}, derived=sources.Derived(src.timezone or "UTC")
    )


def test_defaults() -> None:
    src = CONFIG.validate_python({"type": "reviews", "name": "x", "url": URL})
    assert isinstance(src, review.ReviewSource)
    assert (src.preset, src.reads_json_ld, src.max_pages, src.rating_scale) == (
        "schema_org", True, 3, 5.0,
    )  # fmt: skip


def test_selector_portal_with_counted_stars() -> None:
    page = parse(source(), PORTAL)
    first, second = page.documents
    assert first.key == "https://bewertungen.example.de/bewertung/1001"
    assert first.text == "Lieferung pünktlich, Müller am Telefon sehr freundlich."
    assert (first.rating, first.author, first.title) == (
        4.0,
        "Kunde A.",
        "Muster GmbH – Erfahrungen",
    )
    assert first.published_at == datetime(2024, 3, 15, 9, 0, tzinfo=UTC)
    assert second.rating == 1.0
    # No permalink: keyed by its content, never by the page URL.
    assert second.key.startswith("hash:")
    assert second.url == URL
    assert page.warnings == ("1 dates could not be read, e.g. 'irgendwann'",)
    (following,) = page.requests
    assert (following.url, following.continuation) == (f"{URL}?page=2", True)


def test_attribute_ratings_on_another_scale() -> None:
    src = source(selectors={"item": "div.review", "body": "div.text", "rating": "@data-rating"},
                 rating_scale=10)  # fmt: skip
    assert parse(src, PORTAL).documents[0].rating == 2.0


def test_aria_label_ratings() -> None:
    html = PORTAL.replace('data-rating="4"', 'aria-label="4 von 5 Sternen"')
    src = source(selectors={"item": "div.review", "body": "div.text", "rating": "@aria-label"})
    assert parse(src, html).documents[0].rating == 4.0


def test_max_pages_bounds_pagination() -> None:
    assert parse(source(max_pages=2), PORTAL, context="depth=2").requests == ()


def test_needs_item_and_body_without_json_ld() -> None:
    with pytest.raises(ValidationError, match="item and body are needed"):
        source(selectors={"item": "div.review"})
    with pytest.raises(ValidationError, match="not a reviews preset"):
        source(preset="phpbb")


def test_broken_json_ld_is_skipped_with_a_warning() -> None:
    html = """<html><head><script type="application/ld+json">{"@type": "Review",</script>
    <script type="application/ld+json"><!--
    {"@context": "https://schema.org", "@graph": [{"@type": "Product", "name": "AS-18",
     "review": {"@type": "Review", "author": {"@type": "Person", "name": "Jo"},
     "reviewBody": "Gut.", "reviewRating": {"ratingValue": "5"}}}]}
    --></script></head><body></body></html>"""
    src = CONFIG.validate_python({"type": "reviews", "name": "x", "url": URL})
    page = parse(src, html)
    (document,) = page.documents
    assert (document.title, document.author, document.rating) == ("Review of AS-18", "Jo", 5.0)
    assert page.warnings == ("1 JSON-LD blocks are not valid JSON; they were skipped",)


def test_no_reviews_is_a_warning_and_a_login_page_an_error() -> None:
    empty = parse(source(), "<html><body><p>Keine Bewertungen</p></body></html>")
    assert empty.warnings == (
        "selector item ('div.review') found no reviews on a page that is not a login wall",
    )
    with pytest.raises(SourceError, match="login page instead of reviews"):
        parse(source(), '<form><input type="password" name="pw"></form>')


# --- what a review is about ------------------------------------------------------------

PRODUCT_JSON_LD = """<html><head><title>Kundenmeinungen</title>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Product",
 "name": "Massageliege ML-7", "brand": {"@type": "Brand", "name": "Müller Medical"},
 "review": [
  {"@type": "Review", "@id": "#r1", "name": "Nach zwei Wochen gerissen",
   "reviewBody": "Der Bezug ist gerissen.", "reviewRating": {"ratingValue": 1}},
  {"@type": "Review", "@id": "#r2", "name": "Massageliege ML-7 ist top",
   "reviewBody": "Stabil.", "reviewRating": {"ratingValue": 5}},
  {"@type": "Review", "@id": "#r3", "reviewBody": "Geht so.",
   "itemReviewed": {"@type": "Product", "name": "Müller Medical Kissen K-2"}}
 ]}</script></head><body></body></html>"""

PRODUCT_MICRODATA = """<html><head><title>Kundenmeinungen</title></head><body>
<div itemscope itemtype="https://schema.org/Product">
 <div itemprop="brand" itemscope itemtype="https://schema.org/Brand">
  <meta itemprop="name" content="Müller Medical"></div>
 <h1 itemprop="name">Müller Medical Massageliege ML-7</h1>
 <div itemprop="review" itemscope itemtype="https://schema.org/Review">
  <link itemprop="url" href="/bewertung/71"><h4 itemprop="name">Gerissen</h4>
  <span itemprop="author" itemscope itemtype="https://schema.org/Person">
   <span itemprop="name">Physio Jürgen</span></span>
  <div itemprop="reviewBody">Der Bezug ist gerissen.</div></div>
</div></body></html>"""


def test_a_review_names_what_it_is_about_so_brand_queries_find_it() -> None:
    src = CONFIG.validate_python({"type": "reviews", "name": "shop", "url": URL})
    titles = [d.title for d in parse(src, PRODUCT_JSON_LD).documents]
    assert titles == [
        "Nach zwei Wochen gerissen – Massageliege ML-7 (Müller Medical)",
        "Massageliege ML-7 ist top (Müller Medical)",  # names the product already
        "Review of Müller Medical Kissen K-2",  # its own itemReviewed, no headline
    ]
    (document,) = parse(src, PRODUCT_MICRODATA).documents
    assert document.title == "Gerissen – Müller Medical Massageliege ML-7"  # brand in the name
    assert document.author == "Physio Jürgen"
    unbranded = PRODUCT_MICRODATA.replace("Müller Medical Massageliege", "Massageliege")
    (document,) = parse(src, unbranded).documents
    assert document.title == "Gerissen – Massageliege ML-7 (Müller Medical)"


def test_without_schema_org_names_the_page_heading_is_the_subject() -> None:
    html = PORTAL.replace('<div class="review-list">', "<h1>Muster GmbH</h1><div>")
    src = source(selectors={**source().selectors.model_dump(exclude_none=True),
                            "subject": "h1", "title": "span.name"})  # fmt: skip
    titles = [d.title for d in parse(src, html).documents]
    assert titles == ["Kunde A. – Muster GmbH", "Kunde B. – Muster GmbH"]


def test_a_review_without_a_headline_is_titled_in_the_sources_language() -> None:
    html = PRODUCT_JSON_LD.replace('"name": "Nach zwei Wochen gerissen",', "")
    german = CONFIG.validate_python({"type": "reviews", "name": "s", "url": URL, "language": "de"})
    english = CONFIG.validate_python({"type": "reviews", "name": "s", "url": URL, "language": "en"})
    assert parse(german, html).documents[0].title == (
        "Bewertung zu Massageliege ML-7 (Müller Medical)"
    )
    assert parse(english, html).documents[0].title == "Review of Massageliege ML-7 (Müller Medical)"


def test_a_review_dated_only_by_date_created_has_that_date() -> None:
    src = CONFIG.validate_python({"type": "reviews", "name": "shop", "url": URL})
    html = PRODUCT_JSON_LD.replace('"@id": "#r1",', '"@id": "#r1", "dateCreated": "2024-01-26",')
    first, second, _ = parse(src, html).documents
    assert first.published_at is not None
    assert first.published_at.date().isoformat() == "2024-01-26"
    assert second.published_at is None


def test_a_reply_nested_in_a_rated_comment_has_its_own_stars_not_its_parents() -> None:
    html = """<html><body><ol>
    <li class="comment" id="comment-1"><div class="comment-body"><p>Sehr gut!</p>
      <div class="wprm-comment-rating"><span class="wprm-rating-star wprm-rating-star-full">
      </span><span class="wprm-rating-star wprm-rating-star-full"></span><span
      class="wprm-rating-star wprm-rating-star-full"></span><span class="wprm-rating-star">
      </span></div></div>
      <ol class="children"><li class="comment" id="comment-2"><div class="comment-body">
        <p>Danke!</p></div></li>
      <li class="comment" id="comment-3"><div class="comment-body"><p>Naja.</p>
        <div class="wprm-comment-rating"><span class="wprm-rating-star wprm-rating-star-full">
        </span></div></div></li></ol>
    </li></ol></body></html>"""
    page = parse(source(preset="wp_recipe_maker", selectors={}), html)
    assert [(d.text, d.rating) for d in page.documents] == [
        ("Sehr gut!", 3.0),
        ("Danke!", None),
        ("Naja.", 1.0),
    ]
    assert [d.url.rsplit("#")[-1] for d in page.documents] == ["comment-1", "comment-2",
                                                                "comment-3"]  # fmt: skip
