"""Dates as boards write them, German and English, read in the source's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.sources.reading import dates

# Friday 15 March 2024, 13:00 in Berlin (CET, UTC+1).
NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)
BERLIN = "Europe/Berlin"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Mo 20. Aug 2009, 14:30", "2009-08-20T12:30:00+00:00"),  # CEST, UTC+2
        ("Verfasst: Mo 20. Aug 2009, 14:30", "2009-08-20T12:30:00+00:00"),
        ("Heute, 10:15", "2024-03-15T09:15:00+00:00"),
        ("gestern, 21:03", "2024-03-14T20:03:00+00:00"),
        ("vor 3 Stunden", "2024-03-15T09:00:00+00:00"),
        ("20.08.2009", "2009-08-19T22:00:00+00:00"),
        ("20.08.2009, 14:30 Uhr", "2009-08-20T12:30:00+00:00"),
        ("20. August 2009 um 14:30", "2009-08-20T12:30:00+00:00"),
        ("Aug 20, 2009", "2009-08-19T22:00:00+00:00"),
        ("Mon Aug 20, 2009 2:30 pm", "2009-08-20T12:30:00+00:00"),
        ("2 hours ago", "2024-03-15T10:00:00+00:00"),
        ("Yesterday at 9:03 PM", "2024-03-14T20:03:00+00:00"),
        ("Today at 10:15:00", "2024-03-15T09:15:00+00:00"),
        ("2009-08-20T14:30:00+00:00", "2009-08-20T14:30:00+00:00"),
        ("2023-01-05T10:20:30+0100", "2023-01-05T09:20:30+00:00"),
        ("2024-03-15T10:48:31.512Z", "2024-03-15T10:48:31.512000+00:00"),
        ("2009-08-20 14:30", "2009-08-20T12:30:00+00:00"),  # no zone: the source's
        ("1672910430", "2023-01-05T09:20:30+00:00"),  # Unix time, as in data-time
        ("Tue Mar 12, 2024 12:38 am", "2024-03-11T23:38:00+00:00"),  # am is a meridiem here
        ("am 12. März 2024 um 00:38", "2024-03-11T23:38:00+00:00"),  # and a word here
        # Inside a byline, beside the author (phpBB 3.0/3.1, SMF).
        ("von kletterfan » Di 12. Mär 2024, 13:59", "2024-03-12T12:59:00+00:00"),
        ("by hikerjoe » Tue Mar 12, 2024 9:14 pm", "2024-03-12T20:14:00+00:00"),
        ("« Reply #1 on: March 12, 2024, 01:59:12 PM »", "2024-03-12T12:59:12+00:00"),
        ("« Antwort #3 am: 12. März 2024, 13:59:12 »", "2024-03-12T12:59:12+00:00"),
        # Inside other words, without a separator (Phorum's subject line, a reply heading).
        ("Compartir experiencias 12-March-2024 13:59", "2024-03-12T12:59:00+00:00"),
        ("Re: Jacke kaputt March 12, 2024, 01:59:12 PM", "2024-03-12T12:59:12+00:00"),
        # Day first, a two-digit year, a time (Forumotion's byline).
        ("von lupa am 26/02/24, 07:41 pm", "2024-02-26T18:41:00+00:00"),
        # The post's date first, when it was edited after it (Inyoka, many others).
        (
            "Zitieren 12. März 2024 11:17 (zuletzt bearbeitet: 13. März 2024 12:17)",
            "2024-03-12T10:17:00+00:00",
        ),
        (
            "March 12, 2024 9:14 am (last edited March 14, 2024 8:00 am)",
            "2024-03-12T08:14:00+00:00",
        ),
    ],
)
def test_reads_absolute_and_relative_dates(written: str, expected: str) -> None:
    found = dates.parse(written, now=NOW, timezone=BERLIN, languages=("de", "en"))
    assert found is not None
    assert found.isoformat() == expected
    assert found.tzinfo == UTC


@pytest.mark.parametrize(
    ("written", "languages", "expected"),
    [
        ("10/05/2006, 13h16", ("fr", "en"), "2006-05-10T13:16:00+00:00"),
        ("10/05/2006 13:16", ("de", "en"), "2006-05-10T13:16:00+00:00"),
        ("10/05/2006 1:16 pm", ("en",), "2006-10-05T13:16:00+00:00"),
    ],
)
def test_slashed_dates_are_day_first_except_in_english(
    written: str, languages: tuple[str, ...], expected: str
) -> None:
    found = dates.parse(written, now=NOW, timezone="UTC", languages=languages)
    assert found is not None
    assert found.isoformat() == expected


def test_time_zone_defaults_to_utc() -> None:
    assert dates.parse("20.08.2009, 14:30", now=NOW) == datetime(2009, 8, 20, 14, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "written",
    ["", "   ", "quatsch", "32.13.2009", "Beiträge: 213", "Jacke » kaputt", "by someone » | «"],
)
def test_unreadable_dates_are_none(written: str) -> None:
    assert dates.parse(written, now=NOW, timezone=BERLIN) is None


def test_dates_far_in_the_future_are_misreadings() -> None:
    assert dates.parse("2031-01-01T00:00:00Z", now=NOW) is None


def test_unknown_time_zone_falls_back_to_utc() -> None:
    found = dates.parse("20.08.2009, 14:30", now=NOW, timezone="Mars/Olympus")
    assert found == datetime(2009, 8, 20, 14, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "by_day"),
    [
        ("01.12.2026", True),
        ("2026-12-01", True),
        ("26. Nov 2026", True),
        ("Dec 1, 2026", True),
        ("01.12.2026, 13:59", False),
        ("10/05/2006, 13h16", False),
        ("2026-12-01T00:00:00+01:00", False),
        ("Tue Dec 01, 2026 9 pm", False),
        ("vor 3 Stunden", False),
        ("gestern", False),
        ("1672910430", False),
        ("", False),
    ],
)
def test_a_date_written_without_a_time_names_a_day(written: str, by_day: bool) -> None:
    assert dates.day_only(written) is by_day
