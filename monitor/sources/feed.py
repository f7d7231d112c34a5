"""RSS and Atom feeds, read with feedparser.

feedparser copes with most broken feeds (it sets `bozo` and carries on); we keep every
entry it recovers and pass one warning up, so the pipeline logs it once for the source.

The charset is ours to find, not feedparser's: without a detector installed it falls back
to windows-1252, so an unlabelled Cyrillic feed or a Shift_JIS-labelled one written in
Microsoft's cp932 would be stored as mojibake. `encoding` reads the bytes as it reads
pages, and feedparser is handed UTF-8 that says so.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urljoin

import feedparser

from monitor import domain, text
from monitor.errors import SourceError
from monitor.identity import fingerprint
from monitor.phrasebook.said import Said
from monitor.sources.base import Derived, SourceBase
from monitor.sources.reading import encoding

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_XML_ENCODING = re.compile(rb"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])[^"']*""")


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
        # Not given the feed's URL as Content-Location: feedparser would join every URL in
        # the feed against it, a third of its time; entry links are joined here instead
        # (an xml:base inside the feed still applies).
        headers = dict(response.headers)
        # Its charset is ours (see above). Stated, it also settles RFC 3023's rule that
        # makes charset-less text/xml us-ascii, which feedparser still follows.
        headers["content-type"] = f"{response.content_type or 'application/xml'}; charset=utf-8"
        body = _XML_ENCODING.sub(
            rb"\1utf-8",
            encoding.utf8(response.content, response.charset, url=response.url),
            count=1,
        )
        # No sanitizing and no rewriting of links inside entries' HTML: `text.visible_text`
        # strips it all (script and style included) and keeps no links, and those two
        # passes were two thirds of feedparser's time (bench/feeds.py). Entry links are
        # still resolved against the feed's URL.
        parsed = feedparser.parse(
            body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
        )
        if not parsed.entries and not parsed.get("version"):
            raise SourceError(_not_a_feed(response))
        warnings: tuple[str, ...] = ()
        if parsed.bozo:
            warnings = (Said("feed_malformed", reason=_reason(parsed.bozo_exception),
                             count=len(parsed.entries)),)  # fmt: skip
        documents = tuple(_document(source, entry, response.url) for entry in parsed.entries)
        return domain.Page(documents=documents, warnings=warnings, empty=not documents)


def _document(source: FeedSource, entry: Any, base: str) -> domain.Document:
    link = urljoin(base, entry.get("link") or "") if entry.get("link") else ""
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
        # dict.get, not entry.get: FeedParserDict answers a missing updated_parsed with
        # published_parsed and a DeprecationWarning.
        value = dict.get(entry, field)
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
        return Said("feed_is_html", url=response.url)
    return Said("not_a_feed", url=response.url, type=repr(response.content_type))


ADAPTER = FeedAdapter()
