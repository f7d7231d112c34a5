"""What every source type shares: its configuration fields and the adapter contract.

An adapter is pure. `start` names the first requests for a source; `parse` turns one
response into documents and follow-up requests. The pipeline does all fetching, so an
adapter can be tested with saved pages and no network.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any, Protocol, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from monitor import domain
from monitor.config import schedule


def _duration(value: Any) -> Any:
    return schedule.parse_duration(value) if isinstance(value, str) else value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


def check_http_url(value: str) -> str:
    """Accept an absolute http(s) URL with a host; say what is wrong otherwise."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"'{value}' is not a valid URL: it must start with http:// or https://")
    if not parts.hostname:
        raise ValueError(f"'{value}' is not a valid URL: it has no host name")
    return value.strip()


class SourceBase(BaseModel):
    """Fields every source has. Subclasses add `type` (a Literal) and their own fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    name: str = Field(min_length=1, max_length=100)
    url: str
    every: Duration | None = Field(
        default=None, description="How often to crawl; the settings' interval when unset."
    )
    language: str | None = Field(default=None, description="ISO 639-1 code, e.g. de or en.")
    timezone: str | None = Field(default=None, description="For dates written without one.")
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _url_is_http(cls, value: str) -> str:
        return check_http_url(value)


SourceT_contra = TypeVar("SourceT_contra", bound=SourceBase, contravariant=True)


class Adapter(Protocol[SourceT_contra]):
    """The contract of a source type. Implementations hold no state between calls."""

    def start(self, source: SourceT_contra) -> list[domain.Request]:
        """The first requests of a crawl."""
        ...

    def parse(
        self,
        source: SourceT_contra,
        response: domain.Response,
        *,
        now: datetime,
        memory: Mapping[str, str],
    ) -> domain.Page:
        """Documents and follow-up requests in one response.

        `now` is the crawl's time (for relative dates such as "2 hours ago"); `memory` is
        what this source's pages asked to remember on earlier crawls (see `Page.remember`).

        Raises `errors.SourceError` when the response is not what this source expects
        (an HTML page where a feed should be, say); recoverable oddities go in
        `Page.warnings` instead.
        """
        ...
