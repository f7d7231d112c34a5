"""Every item on every real page in tests/golden/real/ is extracted as a person sees it.

The scoring is in tests/real_pages.py (the corpus README's rules). Pages that today's
presets do not read yet are strict expected failures, each with what it lacks: when one
starts passing, the mark must go, and the README table (`python -m tests.real_pages`)
is measured again. The expected values are never changed to fit the extractor.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from monitor import domain
from tests import real_pages

NO_PRESET = (
    "a site's own board software: no engine to recognise, no preset; its source gives selectors"
)
KNOWN_GAPS = {
    "pages/comments/mtb-news.de-tubeless.html": NO_PRESET,
    "pages/comments/oekonomenstimme.org-keynes.html": NO_PRESET,
    "pages/custom/amsel.de-ms-forum.harvest.json": NO_PRESET,
    "pages/custom/hifi-forum.de-84-87.harvest.json": NO_PRESET,
    "pages/custom/nairaland-5813456.harvest.json": "read with its own selectors, but a deleted "
    "user's posts say 'by Nobody:' in plain text, where no selector picks a name",
    "pages/discourse/blizzard-transfer.harvest.json": "Discourse's no-JS view, read by its "
    "schema.org markup: no per-post link in it (type: discourse reads the JSON, with links)",
    "pages/reviews/rezeptwelt.html": "reviews in microdata without itemprop=review",
    "pages/reviews/trustpilot-gousto.html": "a single-review page of a review portal",
}


def _cases() -> list[object]:
    cases = []
    for page in real_pages.pages():
        gap = KNOWN_GAPS.get(page.file)
        marks = [pytest.mark.xfail(reason=gap, strict=True)] if gap else []
        cases.append(pytest.param(page, id=page.file.removeprefix("pages/"), marks=marks))
    return cases


def test_every_page_of_the_corpus_is_scored() -> None:
    files = {page.file for page in real_pages.pages()}
    assert len(files) == 42
    assert set(KNOWN_GAPS) <= files


@pytest.mark.parametrize("page", _cases())
def test_every_item_of_a_real_page_is_extracted(page: real_pages.Page) -> None:
    scored = real_pages.score(page)
    assert scored.problems == []
    assert scored.right


def test_the_scoring_sees_a_wrong_author_date_link_text_and_rating() -> None:
    """The comparison can fail: each field of a right item, changed, is reported."""
    page = next(p for p in real_pages.pages() if p.file.endswith("keytomylime_1.html"))
    _, documents = real_pages.extract(page)
    right, expected = next(
        (document, item) for document, item in zip(documents, page.expected, strict=True)
        if item.get("text_start") and item.get("rating") is not None
    )  # fmt: skip
    assert real_pages._differences(page, right, expected, distinct_links=True) == []
    later = right.published_at and right.published_at.replace(year=right.published_at.year + 1)
    for changed, field in [
        (right._replace(author="someone else"), "author"),
        (right._replace(published_at=later), "date"),
        (right._replace(text="Something else entirely, from the first word on."), "text"),
        (right._replace(rating=1.0 if right.rating != 1.0 else 2.0), "rating"),
    ]:
        wrong = real_pages._differences(page, changed, expected, distinct_links=True)
        assert [problem.split()[0] for problem in wrong] == [field]
    linked = replace(page, url="https://elsewhere.example/")
    other = domain.Document(**{**right._asdict(), "url": "https://elsewhere.example/x"})
    expected_link = {**expected, "permalink": "https://shop.example/review/1"}
    wrong = real_pages._differences(linked, other, expected_link, distinct_links=True)
    assert [problem.split()[0] for problem in wrong] == ["permalink"]
