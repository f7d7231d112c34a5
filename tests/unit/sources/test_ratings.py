"""Every rating scale ends as 0-5 stars."""

from __future__ import annotations

import pytest

from monitor.sources.reading import ratings


@pytest.mark.parametrize(
    ("written", "stars"),
    [
        ("4/5", 4.0),
        ("4 / 5", 4.0),
        ("8,5 von 10", 4.25),
        ("4.5 out of 5", 4.5),
        ("4 von 5 Sternen", 4.0),
        ("Rated 3 of 5 stars", 3.0),
        ("Bewertung: 3,5 / 5", 3.5),
        ("9/10", 4.5),
        ("4", 4.0),  # a bare number, on the default 5 scale
        ("12/5", 5.0),  # clamped
        ("no stars", None),
    ],
)
def test_text_ratings(written: str, stars: float | None) -> None:
    assert ratings.from_text(written) == stars


def test_bare_numbers_on_another_scale() -> None:
    assert ratings.from_text("8", scale=10) == 4.0  # data-rating="8" on a 10 scale


@pytest.mark.parametrize(
    ("value", "best", "worst", "stars"),
    [
        ("4", None, None, 4.0),  # schema.org defaults: best 5, worst 1
        ("6", "10", "1", 3.0),
        (8.5, 10, 0, 4.25),
        ("75", "100", "50", 2.5),  # a floor that is not 0 or 1: mapped linearly
        ("4,5", "5", None, 4.5),
        (None, "5", None, None),
        ("abc", "5", None, None),
    ],
)
def test_schema_org_ratings(
    value: str | float | None, best: str | float | None, worst: str | float | None,
    stars: float | None,
) -> None:  # fmt: skip
    assert ratings.from_schema(value, best=best, worst=worst) == stars


def test_counted_stars() -> None:
    assert ratings.from_count(3) == 3.0
    assert ratings.from_count(7, total=10) == 3.5


def test_an_empty_scale_is_no_rating() -> None:
    assert ratings.normalise(3, best=1, worst=1) is None
