"""Ratings in whatever scale a portal uses, normalised to 0-5 stars (`Document.rating`).

The scale: a float from 0 to 5, rounded to two decimals, where 5 is the portal's best.
A value is divided by the scale's best and multiplied by 5, so "4/5" stays 4, "8,5 von 10"
becomes 4.25 and "1 of 5 stars" stays 1 (schema.org's default floor of 1 is not shifted to
0: people read "1 star" as 1). Scales whose floor is neither 0 nor 1 (-2…2, 50…100) are
mapped linearly from [worst, best] onto [0, 5]. Values outside the scale are clamped.

Readers:
    from_text("8,5 von 10")          "4/5", "4.5 out of 5", "4 von 5 Sternen", "Rated 4"
    from_schema("4", best="5")       schema.org ratingValue / bestRating / worstRating
    from_count(4, total=5)           stars counted from elements
    normalise(4.0, best=5)
A bare number without a scale ("4", ``data-rating="4"``) is read on `scale` (default 5).
Unreadable input is None.
"""

from __future__ import annotations

import re

STARS = 5.0

_NUMBER = r"(\d+(?:[.,]\d+)?)"
_OUT_OF = re.compile(
    _NUMBER + r"\s*(?:/|out\s+of|of|von|aus|sur|su|de)\s*" + _NUMBER, re.IGNORECASE
)
_ALONE = re.compile(_NUMBER)


def normalise(value: float, *, best: float = STARS, worst: float = 0.0) -> float | None:
    """`value` on the scale [worst, best] as 0-5 stars (see the module docstring)."""
    if best <= worst:
        return None
    if worst in (0.0, 1.0):
        stars = value / best * STARS
    else:
        stars = (value - worst) / (best - worst) * STARS
    return round(min(max(stars, 0.0), STARS), 2)


def from_text(text: str, *, scale: float = STARS) -> float | None:
    """A rating written as text or an attribute value: "4/5", "8,5 von 10", "4".

    The first "x of y" pair wins; otherwise the first number, read on `scale`.
    """
    match = _OUT_OF.search(text)
    if match:
        value, best = _number(match.group(1)), _number(match.group(2))
        return normalise(value, best=best) if best else None
    match = _ALONE.search(text)
    if match:
        return normalise(_number(match.group(1)), best=scale)
    return None


def from_schema(
    value: str | float | None,
    *,
    best: str | float | None = None,
    worst: str | float | None = None,
) -> float | None:
    """schema.org `Rating`: ratingValue with bestRating (default 5), worstRating (default 1)."""
    number = _maybe_number(value)
    if number is None:
        return None
    high = _maybe_number(best)
    low = _maybe_number(worst)
    return normalise(
        number, best=STARS if high is None else high, worst=1.0 if low is None else low
    )


def from_count(filled: int, *, total: int | None = None) -> float | None:
    """Stars counted from elements: `filled` of `total` (5 when the total is unknown)."""
    if filled < 0:
        return None
    return normalise(float(filled), best=float(total) if total else STARS)


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _maybe_number(value: str | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    match = _ALONE.search(value)
    return _number(match.group(1)) if match else None
