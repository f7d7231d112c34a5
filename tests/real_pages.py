"""Real pages of public boards, comment sections and review portals, against what a person
sees on them: how many of their items monitor extracts correctly.

The pages and their hand-checked items are in tests/golden/real/ (copied unchanged from the
project's real-page corpus; `expected.json` records where each page comes from, and the
README beside it the rules its values follow). Each page is read the way a source would
read it today: as a new source of its type (a board or comment page as a forum source
with `preset: auto`, or a site's own board with the selectors its source would give,
`OWN_SELECTORS`; a review page with the preset its engine calls for, `REVIEW_PRESETS`,
else the type's default), the page's own URL as the base, its language, and as the time zone
the one the page states (UTC when it states none), as an admin would configure it.

An item is correct when, in page order, each of these holds (the corpus README's rules):
author equal; the date equal to the minute (to the day for a date-only value, as an
instant when the expected value has an offset; not compared when it has none, as for
relative dates); the permalink equal after session ids are removed, or naming the same
post (same address and fragment, or same canonical key), or any distinct link where the
page has none per item; the text starting with the expected start (whitespace removed,
40 characters); the rating equal, on a 0-5 scale. A page is right when its item count is
right and every item is.

    .venv/bin/python -m tests.real_pages            # the engine x version table (README)
    .venv/bin/python -m tests.real_pages --items    # every item that is wrong, and why
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import TypeAdapter

from monitor import domain, sources
from monitor.errors import SourceError
from monitor.sources.reading import selectors

CORPUS = Path(__file__).parent / "golden" / "real"
# When the pages were read, as far as relative dates go ("6 months ago" is not compared).
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)

# The preset that reads an engine's pages, by the engine's name as expected.json gives it
# (its first word): what `preset: auto` must pick for them. Every other board or comment
# page is read as a new forum source is, with `preset: auto`; review pages with the
# `reviews` type's default (schema.org), the Discourse API with the discourse type.
ENGINE_PRESETS: dict[str, str] = {
    "phpbb": "phpbb", "smf": "smf", "vbulletin": "vbulletin", "xenforo": "xenforo",
    "invision": "invision", "wordpress": "wordpress", "wordpress.com": "wordpress",
    "vanilla": "vanilla", "phorum": "phorum", "fluxbb": "fluxbb", "bbpress": "bbpress",
    "inyoka": "inyoka", "forumotion": "forumotion", "insided": "insided",
    "mybb": "mybb",
}  # fmt: skip
# Review pages whose engine has a preset of its own (the reviews type's default is
# schema_org), by the engine's whole name in expected.json.
REVIEW_PRESETS: dict[str, str] = {
    "wordpress+wp-recipe-maker comment ratings": "wp_recipe_maker",
}
# Boards of a site's own software have no engine to recognise: an admin adding one gives
# its selectors (found with `monitor try --selector`). These are such sources' selectors,
# by the page's engine name in expected.json; they show the selector language reads them.
OWN_SELECTORS: dict[str, dict[str, str]] = {
    "custom (MacTechNews forum)": {
        "thread_row": "div.MtnThread",
        "thread_link": "a@href",
        "title": "h2.Title",
        "item": "div.MtnComment",
        "body": "div.MtnCommentText",
        "quote": ".TexticonQuote",
        "author": "span.MtnCommentAccountName",
        "date": "span.MtnCommentTime",
        "permalink": "span.MtnCommentTime@href",
    },
    # Table rows: a header row (link, author, date) before each post's row.
    "custom (Nairaland)": {
        "thread_row": "table#up tr",
        "thread_link": "a@href",
        "item": "tr:has(> td[id^=pb])",
        "body": "div.narrow",
        "quote": "blockquote",
        "author": "< a.user",
        "date": "< span.s",
        "permalink": "< a[href*='#']@href",
    },
}
# Where expected.json is wrong, checked against the page by eye: the file is kept as it came,
# and the correction is made here, in the open, with its reason.
CORRECTIONS: dict[str, str] = {
    "pages/reviews/recept.se.html": "each review appears twice in the page's JSON-LD (the "
    "same author, day and text): it is one review, stored once, so each is expected once",
}
_SOURCE: TypeAdapter[Any] = TypeAdapter(sources.SourceConfig)
_OFFSET = re.compile(r"([+-]\d\d:\d\d|Z)$")


@dataclass(frozen=True)
class Page:
    """One entry of expected.json, with its bytes."""

    file: str
    engine: str
    version: str | None
    kind: str
    url: str
    content: bytes
    expected: tuple[Mapping[str, Any], ...]
    offset: timezone | None  # the time zone the page states, if it states one
    language: str | None
    harvested: bool  # the page came as text in a harvest JSON, not as the bytes served

    @property
    def family(self) -> str:
        return self.engine.split()[0].split("+")[0].lower()


@dataclass
class Score:
    page: Page
    read_by: str
    found: int = 0
    correct: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def right(self) -> bool:
        return self.found == len(self.page.expected) and self.correct == len(self.page.expected)


@cache
def pages() -> tuple[Page, ...]:
    corpus = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
    found = []
    for entry in corpus["pages"]:
        raw = (CORPUS / entry["file"]).read_bytes()
        if entry["file"].endswith(".harvest.json"):
            content = json.loads(raw)["html"].encode("utf-8")
        else:
            content = raw
        found.append(Page(
            file=entry["file"], engine=entry["engine"], version=entry.get("version"),
            kind=entry["kind"], url=entry["source"]["url"], content=content,
            expected=_corrected(entry["file"], entry["items"]),
            offset=_stated_offset(entry.get("timezone")),
            harvested=entry["file"].endswith(".harvest.json"), language=entry.get("language"),
        ))  # fmt: skip
    return tuple(found)


def _corrected(file: str, items: list[Mapping[str, Any]]) -> tuple[Mapping[str, Any], ...]:
    """The expected items, with `CORRECTIONS` applied (duplicates of one item dropped)."""
    if file not in CORRECTIONS:
        return tuple(items)
    seen: set[tuple[Any, ...]] = set()
    kept = []
    for item in items:
        same = (item.get("author"), item.get("date_iso"), item.get("text_start"))
        if same not in seen:
            seen.add(same)
            kept.append(item)
    return tuple(kept)


def _stated_offset(described: str | None) -> timezone | None:
    """ "+02:00 (…)" -> UTC+2; "UTC (time@datetime)" -> UTC; None when the page states none."""
    if not described:
        return None
    if described.startswith("UTC"):
        return UTC
    hours, minutes = described[1:3], described[4:6]
    sign = -1 if described[0] == "-" else 1
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


def _zone_name(offset: timezone | None) -> str:
    """The IANA name of a whole-hour offset ("Etc/GMT-2" is UTC+2: the sign is POSIX's)."""
    hours = int((offset.utcoffset(None) if offset else timedelta()).total_seconds() // 3600)
    return "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"


def extract(page: Page) -> tuple[str, list[domain.Document]]:
    """What today's code reads from `page`: (how it was read, the documents)."""
    kind = {"json-api": "discourse", "reviews": "reviews"}.get(page.kind, "forum")
    fields: dict[str, Any] = {"type": kind, "name": "real page", "url": page.url}
    if page.language:
        fields["language"] = page.language
    if kind == "reviews" and page.engine in REVIEW_PRESETS:
        fields["preset"] = REVIEW_PRESETS[page.engine]
    if kind == "forum" and page.engine in OWN_SELECTORS:
        fields.update(preset=None, selectors=OWN_SELECTORS[page.engine])
    source = _SOURCE.validate_python(fields)
    request_kind = {"forum": "thread", "reviews": "reviews", "discourse": "posts"}[kind]
    context = "depth=1" if kind == "forum" else ""
    # A harvested page is text already (its <meta charset> no longer applies): it is served
    # as UTF-8, saying so, as a server would; saved files go out as they are, unlabelled.
    content_type = "application/json" if kind == "discourse" else "text/html"
    if page.harvested:
        content_type += "; charset=utf-8"
    response = domain.Response(
        request=domain.Request(page.url, kind=request_kind, context=context), url=page.url,
        status=200, content=page.content, headers={"content-type": content_type},
    )  # fmt: skip
    read = sources.adapter_for(source).parse(
        source, response, now=NOW, memory={}, derived=sources.Derived(_zone_name(page.offset))
    )
    return _read_with(kind, source, read), list(read.documents)


def _read_with(kind: str, source: Any, read: domain.Page) -> str:
    """How the page was read, for the table: the preset `auto` chose, or the source's."""
    if kind == "forum" and source.preset is None:
        return "forum, its own selectors"
    if kind == "forum":
        notes = " ".join(read.notes)
        if chosen := _CHOSEN.search(notes):
            return f"forum, auto: {chosen.group(1)}"
        engine = _ENGINE.search(notes)
        return f"forum, auto: {engine.group(1) if engine else 'not recognised'}, no preset"
    return f"{kind} ({source.preset})" if getattr(source, "preset", None) else kind


_CHOSEN = re.compile(r"\): preset (\w+)")
_ENGINE = re.compile(r"engine: (.+?) \(")


def score(page: Page) -> Score:
    try:
        read_by, documents = extract(page)
    except SourceError as error:
        result = Score(page, "refused")
        result.problems.append(f"refused: {error}")
        return result
    result = Score(page, read_by, found=len(documents))
    if len(documents) != len(page.expected):
        result.problems.append(f"{len(documents)} items, expected {len(page.expected)}")
    links = [d.url for d in documents]
    distinct = len(set(links)) == len(links)
    for number, (document, expected) in enumerate(zip(documents, page.expected, strict=False)):
        wrong = _differences(page, document, expected, distinct_links=distinct)
        if wrong:
            result.problems.append(f"item {number + 1}: " + "; ".join(wrong))
        else:
            result.correct += 1
    return result


def _differences(
    page: Page, document: domain.Document, expected: Mapping[str, Any], *, distinct_links: bool
) -> list[str]:
    wrong = []
    if (document.author or "") != (expected.get("author") or ""):
        wrong.append(f"author {document.author!r}, expected {expected.get('author')!r}")
    if not _same_date(page, document.published_at, expected.get("date_iso")):
        wrong.append(f"date {document.published_at}, expected {expected.get('date_iso')}")
    if not _same_link(page, document.url, expected.get("permalink"), distinct=distinct_links):
        wrong.append(f"permalink {document.url}, expected {expected.get('permalink')}")
    start = "".join((expected.get("text_start") or "").split())[:40]
    ours = "".join(document.text.split())
    if start and not ours.startswith(start):
        wrong.append(f"text {document.text[:60]!r}, expected {expected.get('text_start')!r}")
    if expected.get("rating") is not None:
        best = expected.get("best_rating") or 5.0
        want = round(float(expected["rating"]) / float(best) * 5, 2)
        if document.rating is None or abs(document.rating - want) > 0.01:
            wrong.append(f"rating {document.rating}, expected {want} of 5")
    return wrong


def _same_date(page: Page, found: datetime | None, expected: str | None) -> bool:
    if expected is None:
        return True  # relative or unknown: the corpus cannot say
    if found is None:
        return False
    if len(expected) == 10:  # a day: compared in the page's zone (UTC if it states none)
        return found.astimezone(page.offset or UTC).date().isoformat() == expected
    wanted = datetime.fromisoformat(expected.replace("Z", "+00:00"))
    if wanted.tzinfo is None:  # the visible text, in the zone the page states, if any
        wanted = wanted.replace(tzinfo=page.offset or UTC)
    return abs(found - wanted) < timedelta(minutes=1)


def _same_link(page: Page, found: str, expected: str | None, *, distinct: bool) -> bool:
    if expected is None:
        return True
    ours, theirs = selectors.without_session(found), selectors.without_session(expected)
    if ours == theirs or selectors.permalink_key(ours) == selectors.permalink_key(theirs):
        return True
    a, b = urlsplit(ours), urlsplit(theirs)
    if a.fragment and a.fragment == b.fragment and a.path == b.path:
        return True  # two links to one post (phpBB's title and byline links)
    # No per-item link on the page: the corpus chose an anchor; any distinct link will do.
    return theirs.split("#")[0] == page.url and distinct


def table(scores: list[Score]) -> str:
    """The README's table: engine x version, pages, items expected, items right."""
    lines = [
        "| engine | version | pages | right pages | items | items right | read with |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    groups: dict[tuple[str, str], list[Score]] = {}
    for found in scores:
        groups.setdefault((found.page.engine, found.page.version or "–"), []).append(found)
    for (engine, version), members in sorted(groups.items()):
        items = sum(len(s.page.expected) for s in members)
        lines.append(
            f"| {engine} | {version} | {len(members)} | {sum(s.right for s in members)} | "
            f"{items} | {sum(s.correct for s in members)} | "
            f"{members[0].read_by} |"
        )
    total = sum(len(s.page.expected) for s in scores)
    lines.append(
        f"| **all** | | {len(scores)} | {sum(s.right for s in scores)} | {total} | "
        f"{sum(s.correct for s in scores)} | |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", action="store_true", help="Say what is wrong, item by item.")
    arguments = parser.parse_args()
    scores = [score(page) for page in pages()]
    print(table(scores))
    if arguments.items:
        for found in scores:
            if not found.right:
                print(f"\n{found.page.file} ({found.read_by}):")
                for problem in found.problems[:8]:
                    print(f"  {problem}")


if __name__ == "__main__":
    main()
