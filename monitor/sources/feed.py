"""RSS and Atom feeds, read with feedparser.

feedparser copes with most broken feeds (it sets `bozo` and carries on); we keep every
entry it recovers and pass one warning up, so the pipeline logs it once for the source.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

import feedparser

from monitor import domain, text
from monitor.errors import SourceError
from monitor.identity import fingerprint
from monitor.sources.base import Derived, SourceBase

_HTML_TYPES = ("text/html", "application/xhtml+xml")


class FeedSource(SourceBase):
    """An RSS or Atom feed: every entry is a document."""

    type: Literal["feed"]


class FeedAdapter:
    def start(self, source: FeedSource, *, derived: Derived) -> list[domain.Request]:
        return [domain.Request(url=source.url, kind="feed")]

    def parse(
        self,
        source: FeedSource,
        response: domain.Response,
        *,
        now: datetime,
        memory: Mapping[str, str],
        derived: Derived,
    ) -> domain.Page:
        # feedparser reads the charset and base URL from the headers, as a browser would.
        headers = {**response.headers, "content-location": response.url}
        if response.content_type == "text/xml" and response.charset is None:
            # RFC 3023 made charset-less text/xml us-ascii, which feedparser still follows;
            # RFC 7303 lets the XML declaration decide, as every browser does.
            headers["content-type"] = "application/xml"
        parsed = feedparser.parse(response.content, response_headers=headers)
        if not parsed.entries and not parsed.get("version"):
            raise SourceError(_not_a_feed(response))
        warnings: tuple[str, ...] = ()
        if parsed.bozo:
            warnings = (f"feed is malformed ({_reason(parsed.bozo_exception)}); "
                        f"kept the {len(parsed.entries)} entries that could be read",)  # fmt: skip
        documents = tuple(_document(source, entry) for entry in parsed.entries)
        return domain.Page(documents=documents, warnings=warnings, empty=not documents)


def _document(source: FeedSource, entry: Any) -> domain.Document:
    link = entry.get("link") or ""
    title = text.visible_text(entry.get("title") or "")
    body = _body(entry)
    published = _published(entry)
    key = fingerprint.document_key(
        link=link,
        guid=entry.get("id"),
        fallback=(source.name, title, published.isoformat() if published else "", body),
    )
    return domain.Document(
        key=key,
        # Readers get the clean permalink: the key, when the key is a URL.
        url=key if key.startswith(("http://", "https://")) else source.url,
        title=title or text.one_line(body, 80),
        text=body,
        author=entry.get("author") or None,
        published_at=published,
        language=_language(entry) or source.language,
    )


def _body(entry: Any) -> str:
    # Prefer the full content over the summary; both may be HTML, which we strip.
    contents = entry.get("content") or []
    for content in contents:
        if content.get("value"):
            return text.visible_text(content["value"])
    return text.visible_text(entry.get("summary") or "")


def _published(entry: Any) -> datetime | None:
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(field)
        if value:
            # feedparser normalises to a UTC struct_time; timegm reads it as UTC.
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    return None


def _language(entry: Any) -> str | None:
    detail = entry.get("title_detail") or entry.get("summary_detail") or {}
    language = detail.get("language")
    return language.split("-")[0].lower() if language else None


def _reason(exception: object) -> str:
    return text.one_line(str(exception) or type(exception).__name__, 160)


def _not_a_feed(response: domain.Response) -> str:
    if response.content_type in _HTML_TYPES or response.content.lstrip()[:15].lower().startswith(
        (b"<!doctype html", b"<html")
    ):
        return f"{response.url} served an HTML page, not a feed: check the feed URL"
    return f"{response.url} is not an RSS or Atom feed (content type {response.content_type!r})"


ADAPTER = FeedAdapter()
