"""Public JSON APIs, read through a mapping: where the items are and where each field is.

    type: json
    url: https://www.reddit.com/search.json?q=Vaude&sort=new
    preset: reddit_json            # or write the mapping yourself:
    items: data.children[].data    # JMESPath to the list of items (see `sources.jsonpath`)
    fields:                        # JMESPath per field, relative to one item
      title: title
      body: selftext               # HTML is stripped to visible text
      author: author
      date: created_utc            # ISO 8601, epoch seconds or ms, or what `dates` reads
      link: url                    # relative links resolve against the API's URL
      rating: score                # read on `rating_scale` (default 5) as 0-5 stars
      id: name                     # identity when an item has no link
      language: lang
    link_template: "https://www.reddit.com{permalink}"   # {JMESPath on the item}

`json_api: true` reads a JSON:API document (Flarum, Drupal and others): a resource's
related resources are listed once under ``included`` and referred to by type and id, so
before the paths are read each item's ``relationships.<name>.data`` gets the included
resource's ``attributes`` inlined (``relationships.user.data.attributes.username``).

`link_template` builds the link where no path can: each ``{…}`` is a JMESPath expression
on the item (``{author.handle}``, ``{split(uri, '/')[-1]}``); when one of them finds
nothing, the `link` field is used instead. A preset gives the whole mapping; a source's
own `items`, `fields` (per field) and `link_template` override it.

Answers are checked, not trusted: an `items` path that finds no list raises SourceError
naming the path (the API changed, or answered an error object); an HTML page instead of
JSON raises SourceError saying so; an empty list is an empty Page (``empty=True``).

Identity: the item's link, canonicalised (tracking parameters dropped, redirect wrappers
unwrapped); else its id (an https id is taken as the link), as ``guid:<api host>:<id>``;
else a hash of source, title, date and text. A document without a link points readers
at the API's URL, the only address there is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cached_property
from typing import Annotated, Any, Literal
from urllib.parse import urljoin, urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from selectolax.lexbor import LexborHTMLParser

from monitor import domain, text
from monitor.errors import SourceError
from monitor.identity import fingerprint
from monitor.phrasebook import problems
from monitor.phrasebook.said import Said
from monitor.sources import presets
from monitor.sources.base import Derived, SourceBase
from monitor.sources.reading import dates, encoding, jsonpath, ratings, selectors

JmesPath = Annotated[str, AfterValidator(jsonpath.check)]
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_MILLISECONDS = 100_000_000_000  # epoch numbers above this are ms (seconds: year 5138)


def _template(value: str) -> str:
    value = value.strip()
    expressions = _PLACEHOLDER.findall(value)
    if not expressions:
        raise problems.invalid("link_without_placeholder", value=value, braces="{…}")
    for expression in expressions:
        jsonpath.check(expression)
    return value


LinkTemplate = Annotated[str, AfterValidator(_template)]


class Fields(BaseModel):
    """Where each part of a document is in one item: JMESPath expressions, all optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: JmesPath | None = None
    body: JmesPath | None = Field(default=None, description="Text or HTML.")
    author: JmesPath | None = None
    date: JmesPath | None = Field(default=None, description="ISO 8601, epoch s or ms, text.")
    link: JmesPath | None = Field(default=None, description="The item's own URL.")
    rating: JmesPath | None = Field(default=None, description="A number on `rating_scale`.")
    id: JmesPath | None = Field(default=None, description="Identity when there is no link.")
    language: JmesPath | None = None


class JsonMapping(BaseModel):
    """A complete mapping: a preset's with a source's overrides on top."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    items: JmesPath
    fields: Fields
    link_template: LinkTemplate | None = None
    rating_scale: float = Field(default=5.0, gt=0)
    json_api: bool = False
    quote: selectors.Css | None = None

    @model_validator(mode="after")
    def _has_text(self) -> JsonMapping:
        if self.fields.title is None and self.fields.body is None:
            raise problems.invalid("fields_need_text")
        return self


class MappingOptions(BaseModel):
    """The mapping keys a JSON-reading source accepts (the `json` type, `search` with JSON)."""

    preset: str | None = Field(default=None, description="A json (or JSON search) preset.")
    items: JmesPath | None = Field(default=None, description="JMESPath to the item list.")
    fields: Fields | None = Field(default=None, description="Overrides the preset's, per field.")
    link_template: LinkTemplate | None = None
    rating_scale: float | None = Field(default=None, gt=0, description="Default 5.")
    json_api: bool | None = Field(
        default=None, description="A JSON:API answer: inline its `included` resources."
    )
    quote: selectors.Css | None = Field(
        default=None, description="In an HTML body: quotes of other posts, left out."
    )

    def resolve_mapping(self, preset_options: Mapping[str, Any]) -> JsonMapping:
        """The preset's mapping (its `options`) with this source's keys on top."""
        fields = dict(preset_options.get("fields") or {})
        if self.fields is not None:
            fields.update(self.fields.model_dump(exclude_none=True))
        data: dict[str, Any] = {"items": self.items or preset_options.get("items"),
                                "fields": fields}  # fmt: skip
        for key in ("link_template", "rating_scale", "json_api", "quote"):
            value = getattr(self, key)
            if value is None:
                value = preset_options.get(key)
            if value is not None:
                data[key] = value
        if data["items"] is None:
            raise problems.invalid("items_needed")
        return JsonMapping.model_validate(data)


def json_preset(name: str) -> Mapping[str, Any]:
    """The options of preset `name` if it maps JSON; ValueError naming those that do."""
    if _maps_json(name):
        return presets.load(name).options
    usable = [n for n in presets.names() if _maps_json(n)]
    raise problems.invalid(
        "preset_wrong_kind_choices", value=name, kind="JSON", choices=", ".join(usable)
    )


def _maps_json(name: str) -> bool:
    preset = presets.load(name)
    return preset.kind == "json" or preset.options.get("format") == "json"


class JsonSource(SourceBase, MappingOptions):
    """Any public JSON API: `url` answers JSON, the mapping says where the items are."""

    type: Literal["json"]

    @cached_property
    def mapping(self) -> JsonMapping:
        return self.resolve_mapping(json_preset(self.preset) if self.preset else {})

    @model_validator(mode="after")
    def _complete(self) -> JsonSource:
        _ = self.mapping  # raises ValueError (a config error) when incomplete
        return self


class JsonAdapter:
    def start(self, source: JsonSource, *, derived: Derived) -> list[domain.Request]:
        return [domain.Request(source.url, kind="json")]

    def parse(
        self,
        source: JsonSource,
        response: domain.Response,
        *,
        now: datetime,
        memory: Mapping[str, str],
        derived: Derived,
    ) -> domain.Page:
        return read(source, source.mapping, response, now=now, timezone=derived.timezone)


def read(
    source: SourceBase,
    mapping: JsonMapping,
    response: domain.Response,
    *,
    now: datetime,
    timezone: str,
) -> domain.Page:
    """The documents `mapping` finds in a JSON `response` (shared with `search`); dates
    written without a zone are in `timezone`.

    Raises SourceError for an answer that is not JSON, or has no list at `mapping.items`.
    """
    data = load(response)
    if mapping.json_api:
        data = inline_included(data)
    items = jsonpath.search(mapping.items, data)
    if not isinstance(items, list):
        said = _error_message(data)
        raise SourceError(
            Said("api_no_list_says", url=response.url, path=mapping.items, says=said) if said
            else Said("api_no_list", url=response.url, path=mapping.items)
        )  # fmt: skip
    reader = _Reader(source, mapping, response.url, now, timezone)
    documents = tuple(d for item in items if (d := reader.document(item)) is not None)
    return domain.Page(documents=documents, warnings=reader.warnings(), empty=not items)


def inline_included(document: Any) -> Any:
    """A JSON:API `document` whose resources carry their related resources' attributes:
    ``relationships.user.data`` = ``{"type": "users", "id": "7", "attributes": {…}}``.

    One level deep (an included resource's own relationships stay references), so a
    cycle of relations cannot recurse; a reference to nothing included stays as it is.
    """
    if not isinstance(document, Mapping) or not isinstance(document.get("included"), list):
        return document
    index = {
        (resource.get("type"), str(resource.get("id"))): resource
        for resource in document["included"]
        if isinstance(resource, Mapping)
    }

    def related(reference: Any) -> Any:
        if not isinstance(reference, Mapping):
            return reference
        found = index.get((reference.get("type"), str(reference.get("id"))))
        return {**reference, "attributes": found.get("attributes", {})} if found else reference

    def inlined(resource: Any) -> Any:
        if not isinstance(resource, Mapping) or not isinstance(
            resource.get("relationships"), Mapping
        ):
            return resource
        relationships = {}
        for name, relation in resource["relationships"].items():
            if isinstance(relation, Mapping) and "data" in relation:
                data = relation["data"]
                data = [related(r) for r in data] if isinstance(data, list) else related(data)
                relation = {**relation, "data": data}
            relationships[name] = relation
        return {**resource, "relationships": relationships}

    data = document.get("data")
    return {
        **document,
        "data": [inlined(r) for r in data] if isinstance(data, list) else inlined(data),
        "included": [inlined(r) for r in document["included"]],
    }


def _written_as_day(value: Any) -> bool:
    return isinstance(value, str) and dates.day_only(value)


def load(response: domain.Response) -> Any:
    """The JSON value of `response`; SourceError for HTML or broken JSON."""
    body = encoding.decode(response.content, response.charset or "utf-8")
    try:
        return json.loads(body)
    except ValueError as error:
        start = body.lstrip()[:15].lower()
        if response.content_type in _HTML_TYPES or start.startswith(("<!doctype", "<html", "<")):
            selectors.check_wall(LexborHTMLParser(body), response, what=Said("wanted_json"))
            raise SourceError(Said("api_html", url=response.url, status=response.status)) from None
        raise SourceError(Said("api_bad_json", url=response.url, reason=str(error))) from None


def _error_message(data: Any) -> str:
    """What an error answer says about itself (``{"message": …}``, ``{"error": {…}}``)."""
    if not isinstance(data, Mapping):
        return f"a JSON {type(data).__name__}" if data is not None else ""
    for key in ("message", "error_description", "error"):
        value = data.get(key)
        if isinstance(value, Mapping):
            value = value.get("message")
        if isinstance(value, str) and value.strip():
            return repr(text.one_line(value, 120))
    return ""


class _Reader:
    """Items of one response to documents, collecting what was odd for one warning each."""

    def __init__(
        self, source: SourceBase, mapping: JsonMapping, base: str, now: datetime, timezone: str
    ) -> None:
        self.source, self.mapping, self.base, self.now = source, mapping, base, now
        self.timezone = timezone  # for dates written without one
        self.host = urlsplit(base).hostname or ""
        self.bad_dates: list[str] = []
        self.not_text: set[str] = set()
        self.skipped = 0

    def document(self, item: Any) -> domain.Document | None:
        body = text.visible_text(self._text("body", item), without=self.mapping.quote)
        title = text.visible_text(self._text("title", item))
        if not body and not title:
            self.skipped += 1
            return None
        published = self._date(item)
        item_id = self._text("id", item)
        # An id that is a URL (ActivityPub ids are) is the best link there is.
        link = self._link(item) or (item_id if item_id.startswith("https://") else None)
        key = fingerprint.document_key(
            link=link,
            guid=f"{self.host}:{item_id}" if item_id else None,
            fallback=(self.source.name, title, published.isoformat() if published else "", body),
        )
        return domain.Document(
            key=key,
            url=key if key.startswith(("http://", "https://")) else self.base,
            title=title or text.one_line(body, 80),
            text=body,
            author=self._text("author", item) or None,
            published_at=published,
            rating=self._rating(item),
            language=self._language(item),
            dated_by_day=published is not None and _written_as_day(self._value("date", item)),
        )

    def warnings(self) -> tuple[str, ...]:
        found: list[str] = []
        if self.skipped:
            found.append(Said("items_skipped", count=self.skipped))
        if self.bad_dates:
            found.append(Said("dates_unreadable", count=len(self.bad_dates),
                              example=repr(self.bad_dates[0][:60])))  # fmt: skip
        for name in sorted(self.not_text):
            path = getattr(self.mapping.fields, name)
            found.append(Said("field_not_a_value", name=name, path=path))
        return tuple(found)

    def _value(self, name: str, item: Any) -> Any:
        path = getattr(self.mapping.fields, name)
        return jsonpath.search(path, item) if path else None

    def _text(self, name: str, item: Any) -> str:
        return self._scalar(name, self._value(name, item))

    def _scalar(self, name: str, value: Any) -> str:
        if value is None or isinstance(value, bool):
            return ""
        if isinstance(value, str | int | float):
            return str(value).strip()
        self.not_text.add(name)
        return ""

    def _link(self, item: Any) -> str | None:
        template = self.mapping.link_template
        if template is not None:
            parts = [self._scalar("link", jsonpath.search(e, item))
                     for e in _PLACEHOLDER.findall(template)]  # fmt: skip
            if all(parts):
                filled = iter(parts)
                link = _PLACEHOLDER.sub(lambda _: next(filled), template)
                return urljoin(self.base, link)
        written = self._text("link", item)
        return urljoin(self.base, written) if written else None

    def _date(self, item: Any) -> datetime | None:
        value = self._value("date", item)
        if value is None or value == "":
            return None
        found = None
        if isinstance(value, int | float) and not isinstance(value, bool):
            found = _epoch(value)
        elif isinstance(value, str) and re.fullmatch(r"\d{9,13}(?:\.\d+)?", value.strip()):
            found = _epoch(float(value))
        elif isinstance(value, str):
            found = dates.parse(value, now=self.now, timezone=self.timezone)
        if found is None:
            self.bad_dates.append(str(value))
        return found

    def _rating(self, item: Any) -> float | None:
        value = self._value("rating", item)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return ratings.normalise(float(value), best=self.mapping.rating_scale)
        if isinstance(value, str) and value.strip():
            return ratings.from_text(value, scale=self.mapping.rating_scale)
        return None

    def _language(self, item: Any) -> str | None:
        code = self._text("language", item)
        return code.split("-")[0].lower() if code else self.source.language


def _epoch(number: float) -> datetime | None:
    seconds = number / 1000 if number >= _MILLISECONDS else number
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


ADAPTER = JsonAdapter()
