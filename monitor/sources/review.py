"""Review portals: a page listing reviews, paginated, read with selectors and schema.org.

Two readers, used together: schema.org JSON-LD (``<script type="application/ld+json">``
holding Review objects, alone or inside a Product / LocalBusiness / Hotel / ItemList /
@graph), when the preset or source turns `json_ld` on; and selectors (`item`, `body`, …),
which the `schema_org` preset points at schema.org microdata. A review found by both is
kept once (same key).

Identity: a review's own URL (`url` / `@id` in JSON-LD, the `permalink` selector), with its
fragment kept (`selectors.permalink_key`); without one, a hash of source, author, date,
rating and text (`review_key`). Never the page URL. The next page (`next_page`) is a
continuation, up to `max_pages`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor import domain, text
from monitor.identity import fingerprint
from monitor.phrasebook import problems
from monitor.phrasebook.said import Said
from monitor.sources import forum, presets
from monitor.sources.base import Derived, SourceBase
from monitor.sources.reading import dates, ratings, selectors
from monitor.sources.reading.selectors import Spec

_JSON_LD = 'script[type="application/ld+json"]'
# What some sites wrap JSON-LD in: HTML comments, CDATA markers.
_JSON_WRAPPERS = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[)|(?:-->|//\s*\]\]>)\s*$")


class ReviewSelectors(BaseModel):
    """Where a review's parts are; each a selector spec (see `sources.selectors`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    item: Spec | None = Field(default=None, description="A review.")
    title: Spec | None = None
    body: Spec | None = None
    quote: Spec | None = Field(default=None, description="In a body: left out (replies).")
    author: Spec | None = None
    date: Spec | None = None
    permalink: Spec | None = Field(default=None, description="In a review: its own URL.")
    rating: Spec | None = Field(default=None, description='"4/5", "8,5 von 10", "4"…')
    rating_best: Spec | None = Field(default=None, description="The scale's best value.")
    rating_worst: Spec | None = None
    rating_stars: Spec | None = Field(default=None, description="Filled stars, counted.")
    next_page: Spec | None = None
    subject: Spec | None = Field(
        default=None, description="On the page: what its reviews are about (a product name)."
    )
    brand: Spec | None = Field(default=None, description="On the page: the subject's brand.")


class ReviewSource(SourceBase):
    """A review portal page: `url` is the first page of an item's (or a shop's) reviews."""

    type: Literal["reviews"]
    preset: str | None = Field(default="schema_org", description="schema_org, or none.")
    selectors: ReviewSelectors = ReviewSelectors()
    json_ld: bool | None = Field(default=None, description="Read JSON-LD; preset decides.")
    rating_scale: float = Field(default=5.0, gt=0, description="Best value of bare numbers.")
    max_pages: int = Field(default=3, ge=1, le=50)

    @cached_property
    def resolved(self) -> ReviewSelectors:
        """The preset's selectors with this source's overrides on top."""
        return presets.with_overrides(self.preset, self.selectors)

    @property
    def reads_json_ld(self) -> bool:
        if self.json_ld is not None:
            return self.json_ld
        return bool(self.preset and presets.load(self.preset).options.get("json_ld"))

    @model_validator(mode="after")
    def _complete(self) -> ReviewSource:
        if self.preset and presets.load(self.preset).kind != "reviews":
            raise problems.invalid("preset_wrong_kind", value=self.preset, kind="reviews")
        if not self.reads_json_ld and not (self.resolved.item and self.resolved.body):
            raise problems.invalid("reviews_need_selectors")
        return self


class ReviewAdapter:
    def start(self, source: ReviewSource, *, derived: Derived) -> list[domain.Request]:
        context = forum.Context().encode()
        return [domain.Request(url=source.url, kind="reviews", context=context)]

    def parse(
        self,
        source: ReviewSource,
        response: domain.Response,
        *,
        now: datetime,
        memory: Mapping[str, str],
        derived: Derived,
    ) -> domain.Page:
        tree = selectors.parse_page(response)
        subject = _on_page(tree, source.resolved.subject), _on_page(tree, source.resolved.brand)
        reader = _Reader(source, response.url, _page_title(tree), subject, now, derived.timezone)
        found: dict[str, domain.Document] = {}
        if source.reads_json_ld:
            for review, about in _json_ld_reviews(tree, reader):
                document = reader.from_json_ld(review, about)
                found.setdefault(document.key, document)
        chosen = source.resolved
        if chosen.item and tree.root is not None:
            items = selectors.nodes(tree.root, chosen.item)
            reader.items = items
            for item in items:
                document = reader.from_element(item)
                found.setdefault(document.key, document)
        if not found:
            selectors.check_wall(tree, response, what=Said("wanted_reviews"))
            what = Said("selector_item", spec=repr(chosen.item)) if chosen.item else Said("json_ld")
            warning = Said("no_reviews", what=what)
            return domain.Page(warnings=(warning,), empty=True)
        return domain.Page(
            documents=tuple(found.values()),
            requests=_next(source, response, tree),
            warnings=reader.warnings(),
        )


def _next(
    source: ReviewSource, response: domain.Response, tree: LexborHTMLParser
) -> tuple[domain.Request, ...]:
    context = forum.Context.decode(response.request.context)
    spec = source.resolved.next_page
    link = selectors.first(tree.root, spec) if spec and tree.root is not None else None
    if not link or context.depth >= source.max_pages:
        return ()
    url = selectors.page_url(response.url, link)
    if url == response.url.split("#")[0]:
        return ()
    following = forum.Context(depth=context.depth + 1).encode()
    return (domain.Request(url, kind="reviews", context=following, continuation=True),)


class _Reader:
    """Builds review Documents; collects what it could not read for one warning each."""

    def __init__(
        self, source: ReviewSource, page_url: str, page_title: str,
        subject: tuple[str | None, str | None], now: datetime, timezone: str,
    ) -> None:  # fmt: skip
        self.source, self.page_url, self.page_title, self.now = source, page_url, page_title, now
        self.timezone = timezone  # for dates written without one
        self.subject, self.brand = subject  # what the page's reviews are about, its brand
        self.bad_dates: list[str] = []
        self.bad_json = 0
        self.items: list[LexborNode] = []  # the page's item elements, once found

    def from_json_ld(
        self, review: Mapping[str, Any], about: Mapping[str, Any] | None
    ) -> domain.Document:
        rating = review.get("reviewRating")
        stars = None
        if isinstance(rating, Mapping):
            stars = ratings.from_schema(
                _scalar(rating.get("ratingValue")), best=_scalar(rating.get("bestRating")),
                worst=_scalar(rating.get("worstRating")),
            )  # fmt: skip
        reviewed = review.get("itemReviewed")
        name, brand = _about(reviewed if isinstance(reviewed, Mapping) else about)
        return self._document(
            link=_scalar(review.get("url")) or _scalar(review.get("@id")),
            title=_name(review.get("name")) or _name(review.get("headline")),
            subject=name,
            brand=brand,
            body=text.visible_text(
                _name(review.get("reviewBody") or review.get("description")) or ""
            ),
            author=_name(review.get("author")),
            written_date=_scalar(review.get("datePublished") or review.get("dateCreated")),
            rating=stars,
        )

    def from_element(self, item: LexborNode) -> domain.Document:
        chosen = self.source.resolved
        body_node = selectors.first_node(item, chosen.body) if chosen.body else None
        return self._document(
            link=selectors.first(item, chosen.permalink) if chosen.permalink else None,
            title=selectors.first(item, chosen.title) if chosen.title else None,
            subject=self.subject,
            brand=self.brand,
            body=selectors.body_text(body_node, chosen.quote) if body_node is not None else "",
            author=selectors.first(item, chosen.author) if chosen.author else None,
            written_date=selectors.first(item, chosen.date) if chosen.date else None,
            rating=self._rating(item),
        )

    def _rating(self, item: LexborNode) -> float | None:
        chosen = self.source.resolved
        value = selectors.first(item, chosen.rating) if chosen.rating else None
        if value:
            best = selectors.first(item, chosen.rating_best) if chosen.rating_best else None
            worst = selectors.first(item, chosen.rating_worst) if chosen.rating_worst else None
            if best or worst:
                return ratings.from_schema(value, best=best, worst=worst)
            return ratings.from_text(value, scale=self.source.rating_scale)
        if chosen.rating_stars:
            # Its own stars: a reply nested inside it (comment sections) has stars of its own.
            filled = len(self._own(item, selectors.nodes(item, chosen.rating_stars)))
            return (
                ratings.from_count(filled, total=round(self.source.rating_scale))
                if filled
                else None
            )
        return None

    def _own(self, item: LexborNode, found: list[LexborNode]) -> list[LexborNode]:
        """The elements of `found` that belong to `item`, not to an item nested in it."""
        mine = []
        for node in found:
            parent = node.parent
            while (
                parent is not None
                and parent != item
                and not any(parent == other for other in self.items)
            ):
                parent = parent.parent
            if parent == item:
                mine.append(node)
        return mine

    def _document(
        self, *, link: str | None, title: str | None, subject: str | None, brand: str | None,
        body: str,
        author: str | None, written_date: str | None, rating: float | None,
    ) -> domain.Document:  # fmt: skip
        published = self._date(written_date)
        by_day = published is not None and written_date is not None and dates.day_only(written_date)
        url = selectors.absolute(self.page_url, link) if link else None
        if url and url != self.page_url.split("#")[0]:
            key = selectors.permalink_key(url)
        else:
            url = None  # the page's own URL names every review on it: not an identity
            key = review_key(self.source.name, author, published, rating, body)
        heading = _heading(title, subject, brand, self.source.language) or self.page_title
        return domain.Document(
            key=key, url=url or self.page_url, title=heading or text.one_line(body, 80),
            text=body, author=author, published_at=published, rating=rating,
            language=self.source.language, dated_by_day=by_day,
        )  # fmt: skip

    def _date(self, written: str | None) -> datetime | None:
        if not written:
            return None
        languages = tuple(dict.fromkeys((self.source.language or "en", "en", "de")))
        found = dates.parse(written, now=self.now, timezone=self.timezone, languages=languages)
        if found is None:
            self.bad_dates.append(written)
        return found

    def warnings(self) -> tuple[str, ...]:
        found = []
        if self.bad_dates:
            found.append(forum.date_warning(self.bad_dates))
        if self.bad_json:
            found.append(Said("bad_json_ld", count=self.bad_json))
        return tuple(found)


def review_key(
    source: str, author: str | None, published: datetime | None, rating: float | None, body: str
) -> str:
    """The identity of a review without a link of its own: who wrote it, when, how many
    stars and what, together. Two "Super!" reviews of one day by two guests, or by one
    guest with 5 and with 1 star, are two reviews. Made of what the database stores (the
    date in UTC, the rating on 0-5), so migration 0007 could re-key reviews stored before.
    """
    stamp = published.astimezone(UTC).isoformat() if published else ""
    stars = f"{rating:g}" if rating is not None else ""
    return fingerprint.document_key(
        link=None, guid=None, fallback=(source, author or "", stamp, stars, body)
    )


def _json_ld_reviews(
    tree: LexborHTMLParser, reader: _Reader
) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any] | None]]:
    """Every schema.org Review in the page's JSON-LD, with the thing it is about."""
    for script in tree.css(_JSON_LD):
        raw = _JSON_WRAPPERS.sub("", script.text(deep=True))
        try:
            data = json.loads(raw, strict=False)  # strict=False: raw newlines in strings
        except ValueError:
            reader.bad_json += 1
            continue
        yield from _walk(data, None)


def _walk(
    data: Any, about: Mapping[str, Any] | None
) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any] | None]]:
    if isinstance(data, list):
        for entry in data:
            yield from _walk(entry, about)
        return
    if not isinstance(data, Mapping):
        return
    types = data.get("@type")
    names = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    if any(isinstance(name, str) and name.endswith("Review") for name in names):
        yield data, about
        return  # a review's own parts (itemReviewed, author) hold no further reviews
    inner = data if names else about
    for value in data.values():
        if isinstance(value, Mapping | list):
            yield from _walk(value, inner)


def _scalar(value: Any) -> str | None:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip() or None
    return None


def _name(value: Any) -> str | None:
    """A name from a string, a Person / Organization, or a list of them."""
    if isinstance(value, list):
        names = [name for entry in value if (name := _name(entry))]
        return ", ".join(names) or None
    if isinstance(value, Mapping):
        return _name(value.get("name"))
    return text.tidy(value) or None if isinstance(value, str) else None


# A review without a headline of its own is titled after its subject, in the source's
# language (the title is the document's: it appears in the team's mails as it is).
_REVIEW_OF = {"de": "Bewertung zu {}"}


def _heading(
    title: str | None, name: str | None, brand: str | None, language: str | None
) -> str | None:
    """A review's title, naming what it is about (`name`, made by `brand`).

    Reviews rarely repeat the product's name ("Nach drei Monaten kaputt"), yet they are
    about it: with the name and brand in the title, a brand query finds them, and a mail
    says which product a one-star review is about. Only what the title lacks is added.
    """
    if brand and name and brand.casefold() in name.casefold():
        brand = None
    if not title:
        subject = f"{name} ({brand})" if name and brand else name or brand
        return _REVIEW_OF.get(language or "", "Review of {}").format(subject) if subject else None
    folded = title.casefold()
    if name and name.casefold() in folded:
        name = None
    if brand and brand.casefold() in folded:
        brand = None
    if name:
        return f"{title} – {name} ({brand})" if brand else f"{title} – {name}"
    return f"{title} ({brand})" if brand else title


def _about(about: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    """The name of what a review is about, and its brand (or maker)."""
    if not about:
        return None, None
    return _name(about.get("name")), _name(about.get("brand")) or _name(about.get("manufacturer"))


def _on_page(tree: LexborHTMLParser, spec: str | None) -> str | None:
    return selectors.first(tree.root, spec) if spec and tree.root is not None else None


def _page_title(tree: LexborHTMLParser) -> str:
    node = tree.css_first("title")
    return selectors.inline_text(node) if node is not None else ""


ADAPTER = ReviewAdapter()
