"""What every source type shares: its configuration fields and the adapter contract.

An adapter is pure. `start` names the first requests for a source; `parse` turns one
response into documents and follow-up requests. The pipeline does all fetching, so an
adapter can be tested with saved pages and no network.

A source model is what sources.yaml says about the source, and nothing else: validated
once, frozen, never filled in later. What the rest of the file implies for it (the time
zone from `settings:` when it names none, the queries of the brands a search source asks
for) is a `Derived`, computed by `Config.derived` and handed to the adapter beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Protocol, TypeVar
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from monitor import domain, text
from monitor.phrasebook import problems
from monitor.time_values import Duration, TimeZone


def check_http_url(value: str) -> str:
    """Accept an absolute http(s) URL with a host; say what is wrong otherwise."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https"):
        raise problems.invalid("not_a_url", value=value)
    if not parts.hostname:
        raise problems.invalid("url_without_host", value=value)
    return value.strip()


class SourceBase(BaseModel):
    """Fields every source has. Subclasses add `type` (a Literal) and their own fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    name: Annotated[str, AfterValidator(text.single_line)] = Field(min_length=1, max_length=100)
    url: str
    every: Duration | None = Field(
        default=None, description="How often to crawl; the settings' interval when unset."
    )
    language: str | None = Field(default=None, description="ISO 639-1 code, e.g. de or en.")
    timezone: TimeZone | None = Field(
        default=None, description="For dates written without one; the settings' when unset."
    )
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _url_is_http(cls, value: str) -> str:
        return check_http_url(value)


@dataclass(frozen=True, slots=True)
class Derived:
    """What a source is read with beyond its own entry (see the module docstring).

    `timezone` is the IANA zone for dates written without one; `brand_queries` the
    (brand name, query) pairs a search source without `queries` searches for.
    """

    timezone: str = "UTC"
    brand_queries: tuple[tuple[str, str], ...] = ()


SourceT_contra = TypeVar("SourceT_contra", bound=SourceBase, contravariant=True)


class Adapter(Protocol[SourceT_contra]):
    """The contract of a source type. Implementations hold no state between calls."""

    def start(self, source: SourceT_contra, *, derived: Derived) -> list[domain.Request]:
        """The first requests of a crawl."""
        ...

    def parse(
        self,
        source: SourceT_contra,
        response: domain.Response,
        *,
        now: datetime,
        memory: Mapping[str, str],
        derived: Derived,
    ) -> domain.Page:
        """Documents and follow-up requests in one response.

        `now` is the crawl's time (for relative dates such as "2 hours ago"); `memory` is
        what this source's pages asked to remember on earlier crawls (see `Page.remember`);
        `derived` what the rest of sources.yaml implies for the source (its time zone).

        Raises `errors.SourceError` when the response is not what this source expects
        (an HTML page where a feed should be, say); recoverable oddities go in
        `Page.warnings` instead.
        """
        ...
