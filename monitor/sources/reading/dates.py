"""Dates as forums and review portals write them, read into aware UTC datetimes.

    parse("Mo 20. Aug 2009, 14:30", now=now, timezone="Europe/Berlin", languages=("de",))

Reads ISO 8601 (``time@datetime`` attributes), Unix timestamps (``data-time``), numeric
German dates ("20.08.2009, 14:30 Uhr") and, through dateparser, everything else people
write in German or English: "Heute, 10:15", "gestern, 21:03", "vor 3 Stunden",
"Aug 20, 2009", "2 hours ago". A date written without a zone is in `timezone`; relative
dates count back from `now` (the crawl's time, passed in: this module never reads the
clock). An unreadable date is None, never an exception: the caller decides what to do
(the pipeline falls back to the time it first saw the item).

A date may stand inside other text, as in a byline that holds the author too ("von
kletterfan » Mi 2. Dez 2026, 13:59", "« Reply #1 on: December 02, 2026, 01:59:12 PM »"):
when the whole does not read as a date, each part between the separators engines put
there (» « | • ·) is tried, the last first, then each stretch shaped like a date (a day,
a month and a year, with the time after it), the first first.

The ISO, timestamp and numeric forms are read with a regular expression: they are what
most engines emit, and dateparser costs about 2 ms a call. Whatever reaches dateparser is
cached per (text, now, zone, languages), so a page of "Heute, …" dates is cheap too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser

DEFAULT_LANGUAGES = ("en", "de")

_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?(?:Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)
_TIMESTAMP = re.compile(r"\d{9,10}")
_GERMAN_NUMERIC = re.compile(
    r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2}),?(?:\s*(?:um\s*)?(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
    r"(?:\s*Uhr)?",
    re.IGNORECASE,
)
# Words around a date that dateparser does not know and that carry no date.
# German "am" ("am 20. August") is noise; English "am" after a time ("12:38 am") is not.
_NOISE = re.compile(
    r"\b(?:Uhr|posted|verfasst|geschrieben|on)\b\.?|(?<!\d\d )(?<!\d\d)\bam\b\.?|[»«|]",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")
# "13h16", as French boards write the time.
_FRENCH_TIME = re.compile(r"\b(\d{1,2})h(\d{2})\b")
# A time of day written beside a date ("14:30", "13h16", "2 pm", "14 Uhr"), or a moment
# counted from now ("vor 3 Stunden"): then a date is a moment, not a day.
_TIME_OF_DAY = re.compile(
    r"\d\s*[:h]\s*\d\d|\d\s*(?:am|pm|uhr)\b"
    r"|\b(?:ago|vor|heute|today|gestern|yesterday|now|jetzt|seit)\b",
    re.IGNORECASE,
)
# Dates as they stand inside other words: a day, a month (number or name) and a year, or a
# month name, day and year, each with a time if one follows.
_CLOCK = r"(?:,?\s*(?:um\s*|at\s*)?\d{1,2}[:h]\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?)?"
_EMBEDDED = re.compile(
    rf"\b\d{{1,2}}[-./ ]+(?:\d{{1,2}}|[^\W\d_]{{3,}}\.?)[-./ ]+\d{{4}}{_CLOCK}"
    rf"|\b[^\W\d_]{{3,}}\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}{_CLOCK}"
    # A two-digit year only with a time after it ("26/05/14, 07:41 am"): alone, "1/2/14"
    # could be anything.
    r"|\b\d{1,2}[./]\d{1,2}[./]\d{2}(?!\d),?\s*(?:um\s*|at\s*)?\d{1,2}[:h]\d{2}(?::\d{2})?"
    r"(?:\s*[ap]\.?m\.?)?",
    re.IGNORECASE,
)
# What bylines put between the author, the date and the rest.
_SEPARATORS = re.compile(r"\s*[»«|•·]\s*")
# "Reply #3 on:", "Antwort #3 am:" before a date (SMF).
_REPLY_NUMBER = re.compile(r"\b(?:reply|antwort)\s*#\d+\s*(?:on|am)?\s*:?", re.IGNORECASE)
# Dates before the web or far in the future are misreadings, not dates.
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_FUTURE_SLACK = timedelta(days=2)


def parse(
    value: str,
    *,
    now: datetime,
    timezone: str | None = None,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
) -> datetime | None:
    """`value` as an aware UTC datetime, or None when it cannot be read (see module doc).

    `now` must be aware; `timezone` is an IANA name (UTC when None or unknown).
    """
    zone = _zone(timezone)
    found = _whole(value, now, zone, tuple(languages))
    if found is not None:
        return found
    parts = [part for part in _SEPARATORS.split(value) if part.strip()]
    if len(parts) > 1 or _REPLY_NUMBER.search(value):
        for part in reversed(parts):
            found = _whole(_REPLY_NUMBER.sub(" ", part), now, zone, tuple(languages))
            if found is not None:
                return found
    # A date standing in other words without a separator ("Re: Thema 25-February-2012 21:46"),
    # the first one first: what follows a post's date is when it was edited ("20. April 2020
    # 11:17 (zuletzt bearbeitet: 21. April 2020 12:17)").
    for match in _EMBEDDED.finditer(value):
        found = _whole(match.group(0), now, zone, tuple(languages))
        if found is not None:
            return found
    return None


def day_only(written: str) -> bool:
    """Whether `written` names a day and no time of it ("01.12.2026", "26. Nov 2026",
    "2026-12-01"): what `parse` makes of it is then that day's midnight, not a moment."""
    stripped = written.strip()
    return (
        bool(stripped)
        and not _TIME_OF_DAY.search(stripped)
        and not (_TIMESTAMP.fullmatch(stripped))
    )


def _whole(
    value: str, now: datetime, zone: ZoneInfo, languages: tuple[str, ...]
) -> datetime | None:
    """`value` read as one date, or None."""
    cleaned = _SPACES.sub(" ", value.replace("\u00a0", " ")).strip()
    if not cleaned:
        return None
    found = _fast(cleaned, zone)
    if found is None:
        local_now = now.astimezone(zone).replace(tzinfo=None)
        found = _dateparser(cleaned, local_now, zone.key, languages)
    if found is None or not _EARLIEST <= found <= now + _FUTURE_SLACK:
        return None
    return found


def _fast(value: str, zone: ZoneInfo) -> datetime | None:
    """The machine-written forms, without dateparser."""
    if _ISO.fullmatch(value):
        return _iso(value, zone)
    if _TIMESTAMP.fullmatch(value):
        return datetime.fromtimestamp(int(value), tz=UTC)
    match = _GERMAN_NUMERIC.fullmatch(value)
    if match:
        day, month, year, hour, minute, second = match.groups()
        full_year = int(year) + (2000 if len(year) == 2 else 0)
        try:
            found = datetime(
                full_year, int(month), int(day), int(hour or 0), int(minute or 0),
                int(second or 0), tzinfo=zone,
            )  # fmt: skip
        except ValueError:
            return None
        return _aware(found, zone)
    return None


def _iso(value: str, zone: ZoneInfo) -> datetime | None:
    try:
        found = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return None
    return _aware(found, zone)


@lru_cache(maxsize=4096)
def _dateparser(
    value: str, local_now: datetime, zone: str, languages: tuple[str, ...]
) -> datetime | None:
    cleaned = _SPACES.sub(" ", _NOISE.sub(" ", _FRENCH_TIME.sub(r"\1:\2", value))).strip(" ,-:")
    settings = {
        # "10/05/2006" is the 10th of May everywhere but in American English.
        "DATE_ORDER": "MDY" if languages[:1] == ("en",) else "DMY",
        "RELATIVE_BASE": local_now,
        "TIMEZONE": zone,
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
    }
    try:
        found = dateparser.parse(cleaned, languages=list(languages), settings=settings)
    except (ValueError, OverflowError):  # dateparser raises on some impossible dates
        return None
    return _aware(found, ZoneInfo(zone)) if found is not None else None


def _aware(value: datetime, zone: ZoneInfo) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


@lru_cache(maxsize=64)
def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
