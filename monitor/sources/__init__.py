"""Source types: one module each, listed here so a reader can grep the whole set.

To add a type: write its config model (a `SourceBase` subclass with a `type` Literal) and
its adapter in a module of its own, then add both below.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from monitor.sources import discourse, feed, forum, jsonapi, review, search
from monitor.sources.base import Adapter, Derived, SourceBase

SourceConfig = Annotated[
    feed.FeedSource
    | forum.ForumSource
    | review.ReviewSource
    | discourse.DiscourseSource
    | search.SearchSource
    | jsonapi.JsonSource,
    Field(discriminator="type"),
]

ADAPTERS: dict[str, Adapter[Any]] = {
    "feed": feed.ADAPTER,
    "forum": forum.ADAPTER,
    "reviews": review.ADAPTER,
    "discourse": discourse.ADAPTER,
    "search": search.ADAPTER,
    "json": jsonapi.ADAPTER,
}


def adapter_for(source: SourceBase) -> Adapter[Any]:
    return ADAPTERS[source.type]


__all__ = ["ADAPTERS", "Adapter", "Derived", "SourceBase", "SourceConfig", "adapter_for"]
