"""Search feeds: one URL template, asked once per brand query, answered as RSS/Atom or JSON.

    type: search
    preset: google_news           # or url: https://…?q={query}… (with format, rewrite…)
    brands: [Müller Medical]      # whose queries to search for; empty: every brand
    queries: []                   # or these search strings, sent as written
    rewrite: google               # none | google | reddit | plain | hashtag (`rewrite`)
    encoding: plus                # plus: M%C3%BCller+Medical; percent: M%C3%BCller%20Medical
    format: rss                   # rss (RSS or Atom, read by the feed adapter) | json
    instance: mastodon.social     # the host, for presets whose URL has {instance}

Without `queries`, the source searches for the queries of the brands it names (all brands
when `brands` is empty): `Config.derived` hands them to the adapter as (brand name, query)
pairs (`brand_queries`), each query of a brand once; `exclude` is left to our own
matching. Each query becomes the search strings its `rewrite` says, and each
string one request: ``{query}`` in `url` is replaced by the string in UTF-8, URL-encoded
as `encoding` says. A preset gives url, format, rewrite, encoding and, for JSON, the
mapping (see `sources.jsonapi`); the source's own keys override it. Presets of kind
`search` (google_news, bing_news, reddit, hackernews, mastodon_tag) and those `json`
presets that name a search URL (reddit_json, discourse_search, bluesky, mastodon_search)
can be used.

Results are documents like any other: search engines are fuzzy, so every result passes
through our own query engine later. A page with no results is not marked `empty`: a
search for a rarely named brand finds nothing most days, and that is not a broken source.

Google Alerts need no search source: create the alert with "Deliver to: RSS feed" and
paste its feed URL as an ordinary ``type: feed`` source. Its links are google.com/url
wrappers, which `fingerprint` unwraps into the article's own URL.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import Any, Literal
from urllib.parse import quote, quote_plus

from pydantic import Field, field_validator, model_validator

from monitor import domain
from monitor.phrasebook import problems
from monitor.sources import feed, jsonapi, presets, rewrite
from monitor.sources.base import Derived, SourceBase
from monitor.sources.rewrite import Mode as RewriteMode

_PLACEHOLDER = re.compile(r"\{(\w*)\}")
_PRESET_KEYS = ("url", "format", "rewrite", "encoding")


class SearchSource(SourceBase, jsonapi.MappingOptions):
    """A search engine's result feed, asked for each brand (see the module docstring)."""

    type: Literal["search"]
    preset: str | None = Field(default=None, description="google_news, bing_news, reddit, …")
    brands: tuple[str, ...] = Field(default=(), description="Empty means every brand.")
    queries: tuple[str, ...] = Field(
        default=(), description="Search strings sent as written, instead of brand queries."
    )
    rewrite: RewriteMode = Field(default="google", description="Brand query to engine syntax.")
    encoding: Literal["plus", "percent"] = "plus"
    format: Literal["rss", "json"] = "rss"
    instance: str | None = Field(default=None, description="Host for {instance} in url.")

    @model_validator(mode="before")
    @classmethod
    def _from_preset(cls, data: Any) -> Any:
        """The preset's url, format, rewrite and encoding under the source's own keys."""
        if not isinstance(data, Mapping) or not isinstance(data.get("preset"), str):
            return data
        options = search_preset(data["preset"])
        merged = {key: options[key] for key in _PRESET_KEYS if key in options} | dict(data)
        url = str(merged.get("url", ""))
        if "{instance}" in url:
            instance = str(merged.get("instance") or "").strip().removeprefix("https://")
            instance = instance.strip("/")
            if not instance or any(char in instance for char in "/:@?# "):
                raise problems.invalid("search_needs_instance", value=str(data["preset"]))
            merged["url"] = url.replace("{instance}", instance)
        return merged

    @field_validator("url")
    @classmethod
    def _is_template(cls, value: str) -> str:
        names = _PLACEHOLDER.findall(value)
        if "query" not in names:
            raise problems.invalid("search_needs_query", value=value, placeholder="{query}")
        if unknown := sorted(set(names) - {"query"}):
            raise problems.invalid(
                "search_unknown_placeholder", value=value, found="{" + unknown[0] + "}",
                placeholder="{query}",
            )  # fmt: skip
        return value

    @cached_property
    def mapping(self) -> jsonapi.JsonMapping:
        """How JSON answers are read (only for ``format: json``)."""
        return self.resolve_mapping(search_preset(self.preset) if self.preset else {})

    @model_validator(mode="after")
    def _json_has_mapping(self) -> SearchSource:
        if self.format == "json":
            _ = self.mapping  # raises ValueError (a config error) when incomplete
            return self
        given = [key for key in ("items", "fields", "link_template", "rating_scale")
                 if getattr(self, key) is not None]  # fmt: skip
        if given:
            raise problems.invalid("search_json_only", keys=", ".join(given))
        return self

    def search_strings(self, brand_queries: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
        """What to search for: `queries` as written, else `brand_queries` rewritten."""
        if self.queries:
            return tuple(dict.fromkeys(q.strip() for q in self.queries if q.strip()))
        found = (s for _, query in brand_queries
                 for s in rewrite.search_strings(query, self.rewrite))  # fmt: skip
        return tuple(dict.fromkeys(found))


def brand_queries(
    source: SearchSource, queries: Mapping[str, tuple[str, ...]]
) -> tuple[tuple[str, str], ...]:
    """The (brand name, query) pairs `source` searches for, given every brand's queries:
    each query of each brand it names (all when `brands` is empty), in order; none when it
    has its own `queries`. Names missing from `queries` are skipped (config reports them)."""
    if source.queries:
        return ()
    selected = source.brands or tuple(queries)
    return tuple((name, query) for name in selected for query in queries.get(name, ()))


def search_preset(name: str) -> Mapping[str, Any]:
    """The options of preset `name` if a search source can use it; ValueError if not."""
    if _searchable(name):
        preset = presets.load(name)
        return {"format": "json", **preset.options} if preset.kind == "json" else preset.options
    usable = [n for n in presets.names() if _searchable(n)]
    raise problems.invalid(
        "preset_wrong_kind_choices", value=name, kind="search", choices=", ".join(usable)
    )


def _searchable(name: str) -> bool:
    preset = presets.load(name)
    return preset.kind == "search" or (preset.kind == "json" and "url" in preset.options)


def expand(template: str, search: str, encoding: Literal["plus", "percent"]) -> str:
    """`template` with {query} replaced by `search`, UTF-8 and URL-encoded.

    plus: ``Müller Medical`` → ``M%C3%BCller+Medical``; percent: ``M%C3%BCller%20Medical``.
    Every reserved character (/, ?, &, #, +…) is encoded, so a search string can never
    change the URL's path or parameters.
    """
    encoded = quote_plus(search, safe="") if encoding == "plus" else quote(search, safe="")
    return template.replace("{query}", encoded)


class SearchAdapter:
    def start(self, source: SearchSource, *, derived: Derived) -> list[domain.Request]:
        """One request per search string (none when no brand or query was given)."""
        strings = source.search_strings(derived.brand_queries)
        urls = {expand(source.url, s, source.encoding): s for s in strings}
        return [domain.Request(url, kind="search", context=s) for url, s in urls.items()]

    def parse(
        self,
        source: SearchSource,
        response: domain.Response,
        *,
        now: datetime,
        memory: Mapping[str, str],
        derived: Derived,
    ) -> domain.Page:
        if source.format == "json":
            page = jsonapi.read(
                source, source.mapping, response, now=now, timezone=derived.timezone
            )
        else:
            as_feed = feed.FeedSource(
                type="feed", name=source.name, url=response.url,
                language=source.language, timezone=source.timezone,
            )  # fmt: skip
            page = feed.ADAPTER.parse(as_feed, response, now=now, memory=memory, derived=derived)
        return dataclasses.replace(page, empty=False)


ADAPTER = SearchAdapter()
