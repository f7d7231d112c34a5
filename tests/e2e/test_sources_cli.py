"""`monitor sources` as a user runs it after `monitor crawl`: each source's state, the
problem of a broken one, and exit 1 while any source is broken."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.conftest import Entry, FeedServer, rss_feed
from tests.e2e.conftest import run_monitor

# A wide terminal, so rich does not wrap the problem text across lines.
ENV = {"MONITOR_ALLOW_HOSTS": "127.0.0.1", "COLUMNS": "400"}
HTML_PAGE = "<!doctype html><html><body><h1>Willkommen</h1></body></html>"


def _feed(server: FeedServer) -> str:
    published = datetime.now(UTC) - timedelta(hours=1)
    return rss_feed([Entry("Vaude-Jacke im Test", server.url("/post/1"), "Vaude hält.", published)])


def _write_config(folder: Path, sources: dict[str, str]) -> None:
    lines = "".join(
        f"  - {{name: {name}, type: feed, url: '{url}'}}\n" for name, url in sources.items()
    )
    (folder / "sources.yaml").write_text(
        "brands: [{name: Vaude, query: Vaude}]\n"
        "sources:\n" + lines + "hosts:\n  127.0.0.1: {delay: 0}\n",
        encoding="utf-8",
    )


def _line_of(output: str, name: str) -> str:
    (line,) = [line for line in output.splitlines() if f" {name} " in line]
    return " ".join(line.split())


def test_sources_shows_a_broken_source_with_its_problem_and_exits_1(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    good = feed_server.serve("/feed.xml", _feed(feed_server))
    bad = feed_server.serve("/news.xml", HTML_PAGE, content_type="text/html; charset=utf-8")
    _write_config(tmp_path, {"blog": good, "news": bad})

    crawl = run_monitor("crawl", cwd=tmp_path, **ENV)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr  # one of two worked

    listed = run_monitor("sources", cwd=tmp_path, **ENV)
    assert listed.returncode == 1, listed.stdout + listed.stderr
    blog = _line_of(listed.stdout, "blog")
    news = _line_of(listed.stdout, "news")
    assert " ok " in blog
    assert "never" not in blog
    assert " broken " in news
    assert "never" in news  # no success yet
    assert f"{bad} served an HTML page, not a feed: check the feed URL" in news


def test_sources_exits_0_when_every_source_is_healthy(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    first = feed_server.serve("/feed.xml", _feed(feed_server))
    second = feed_server.serve("/other.xml", _feed(feed_server))
    _write_config(tmp_path, {"blog": first, "other": second})

    crawl = run_monitor("crawl", cwd=tmp_path, **ENV)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr

    listed = run_monitor("sources", cwd=tmp_path, **ENV)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    for name in ("blog", "other"):
        line = _line_of(listed.stdout, name)
        assert " ok " in line
        assert "broken" not in line


def test_a_failing_source_is_listed_as_failing_without_failing_the_command(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    good = feed_server.serve("/feed.xml", _feed(feed_server))
    missing = feed_server.url("/missing.xml")  # HTTP 404: one failure of three
    _write_config(tmp_path, {"blog": good, "dead": missing})

    crawl = run_monitor("crawl", cwd=tmp_path, **ENV)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr

    listed = run_monitor("sources", cwd=tmp_path, **ENV)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    dead = _line_of(listed.stdout, "dead")
    assert " failing " in dead
    assert " 1 " in dead  # failures in a row
    assert f"The server answers with the error HTTP 404. ({missing})" in dead
    # Said in German from what was stored, whatever language the crawl ran in.
    german = run_monitor("sources", cwd=tmp_path, LANG="de_DE.UTF-8", **ENV)
    dead = _line_of(german.stdout, "dead")
    assert " gestört " in dead
    assert f"Der Server antwortet mit dem Fehler HTTP 404. ({missing})" in dead


def test_a_broken_source_removed_from_the_configuration_no_longer_fails_sources(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    good = feed_server.serve("/feed.xml", _feed(feed_server))
    bad = feed_server.serve("/news.xml", HTML_PAGE, content_type="text/html; charset=utf-8")
    _write_config(tmp_path, {"blog": good, "news": bad})
    crawl = run_monitor("crawl", cwd=tmp_path, **ENV)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr

    _write_config(tmp_path, {"blog": good})  # the admin drops the broken source
    listed = run_monitor("sources", cwd=tmp_path, **ENV)

    assert " broken " not in listed.stdout
    assert listed.returncode == 0, listed.stdout + listed.stderr


def test_read_only_commands_on_a_fresh_folder_list_what_is_configured_and_create_nothing(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    _write_config(tmp_path, {"blog": feed_server.url("/feed.xml"), "shop": feed_server.url("/x")})
    listed = run_monitor("sources", cwd=tmp_path, **ENV)
    assert listed.returncode == 0, listed.stderr
    for name in ("blog", "shop"):  # every configured source, though none was crawled
        assert "never crawled" in _line_of(listed.stdout, name)
    for command in ("mentions", "outbox", "sources"):
        result = run_monitor(command, cwd=tmp_path, **ENV)
        assert result.returncode == 0, result.stderr
        assert "there is no database at data/monitor.db yet" in " ".join(result.stderr.split())
    assert not (tmp_path / "data").exists()  # nothing created as a side effect


def test_a_source_added_after_a_crawl_is_listed_as_never_crawled(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    good = feed_server.serve("/feed.xml", _feed(feed_server))
    _write_config(tmp_path, {"blog": good})
    assert run_monitor("crawl", cwd=tmp_path, **ENV).returncode == 0
    _write_config(tmp_path, {"blog": good, "later": feed_server.url("/later.xml")})
    listed = run_monitor("sources", cwd=tmp_path, **ENV)
    assert listed.returncode == 0, listed.stderr
    assert " ok " in f" {_line_of(listed.stdout, 'blog')} "
    assert "never crawled" in _line_of(listed.stdout, "later")
