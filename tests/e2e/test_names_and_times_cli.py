"""Names as a user types them and times as a user reads them: brand, source and alert
arguments compare like query words and suggest the closest name; stored times are shown
in the configured time zone, named in the header."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import Entry, FeedServer, rss_feed
from tests.e2e.conftest import run_monitor

ENV = {"MONITOR_ALLOW_HOSTS": "127.0.0.1", "COLUMNS": "400"}
PUBLISHED = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)  # 14:30 in Berlin (summer time)


def _crawled(folder: Path, server: FeedServer) -> None:
    feed = server.serve("/feed.xml", rss_feed(
        [Entry("Vaude-Jacke im Test", server.url("/post/1"), "Die Vaude hält.", PUBLISHED)]
    ))  # fmt: skip
    (folder / "sources.yaml").write_text(
        "settings: {timezone: Europe/Berlin, backfill: 3650d}\n"
        "brands: [{name: Vaude, query: Vaude}, {name: Müller Medical, query: Müller}]\n"
        f"sources:\n  - {{name: Outdoor-Blog, type: feed, url: '{feed}'}}\n"
        "hosts:\n  127.0.0.1: {delay: 0}\n",
        encoding="utf-8",
    )
    crawl = run_monitor("crawl", "--source", "outdoor blog", cwd=folder, **ENV)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    assert "Outdoor-Blog" in crawl.stdout


def test_brand_names_compare_like_query_words(tmp_path: Path, feed_server: FeedServer) -> None:
    _crawled(tmp_path, feed_server)
    for spelled in ("vaude", "VAUDE", "Vaude"):
        listed = run_monitor("mentions", "--brand", spelled, cwd=tmp_path, **ENV)
        assert listed.returncode == 0, listed.stderr
        assert "Vaude-Jacke im Test" in listed.stdout
    # A configured brand without mentions yet is no error, only an empty list.
    assert (
        run_monitor("mentions", "--brand", "mueller medical", cwd=tmp_path, **ENV).returncode == 0
    )


def test_an_unknown_name_is_an_error_with_the_closest_names(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    _crawled(tmp_path, feed_server)
    cases = [
        (["mentions", "--brand", "Vaudee"], "no brand is named 'Vaudee': did you mean 'Vaude'?"),
        (["crawl", "--source", "Outdor-Blog"], "did you mean 'Outdoor-Blog'?"),
        (["try", "Outdor Blog"], "did you mean 'Outdoor-Blog'?; to try a URL give --preset"),
        (["mentions", "--brand", "Deuter"], "known: 'Müller Medical', 'Vaude'"),
    ]
    for command, said in cases:
        result = run_monitor(*command, cwd=tmp_path, **ENV)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert said in " ".join(result.stderr.split()), result.stderr


def test_times_are_shown_in_the_configured_zone_and_named(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    _crawled(tmp_path, feed_server)
    listed = run_monitor("mentions", cwd=tmp_path, **ENV)
    assert "date (Europe/Berlin)" in listed.stdout
    assert "2026-07-01 14:30" in listed.stdout
    sources = run_monitor("sources", cwd=tmp_path, **ENV)
    assert "last success (Europe/Berlin)" in sources.stdout
    assert "next / sent at (Europe/Berlin)" in run_monitor("outbox", cwd=tmp_path, **ENV).stdout
