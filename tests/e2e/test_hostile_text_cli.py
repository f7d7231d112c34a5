"""Text from strangers and names from admins are printed as they are, by every command that
prints: never read as Rich markup (`[/b]`, `[de]`), emoji codes or highlighting, IPv6 hosts
whole, terminal control sequences (ANSI colours, a bell) left out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.conftest import Entry, FeedServer, rss_feed
from tests.e2e.conftest import run_monitor

TITLE = "Vaude Jacke [/b] kaputt [bold]:smile: \x1b[31mrot\x1b[0m\x07 [i]"
SOURCE = "Forum [/i] Shop [de]"
ENV = {"MONITOR_ALLOW_HOSTS": "127.0.0.1", "COLUMNS": "300"}


def test_every_printing_command_shows_hostile_text_literally(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    published = datetime.now(UTC) - timedelta(hours=1)
    url = feed_server.serve("/feed.xml", rss_feed([
        Entry(TITLE, feed_server.url("/p/1"), f"{TITLE} – Vaude!", published)
    ]))  # fmt: skip
    (tmp_path / "sources.yaml").write_text(
        "brands: [{name: Vaude, query: Vaude}]\n"
        f"sources:\n  - {{name: '{SOURCE}', type: feed, url: '{url}'}}\n"
        "alerts:\n  - {name: team, recipients: [a@example.org], immediate: {}}\n"
        "hosts:\n  127.0.0.1: {delay: 0}\n",
        encoding="utf-8",
    )
    shown = "Vaude Jacke [/b] kaputt [bold]:smile: rot [i]"

    outputs = {}
    for command in (["crawl"], ["mentions"], ["sources"], ["outbox"], ["try", SOURCE]):
        result = run_monitor(*command, cwd=tmp_path, **ENV)
        assert result.returncode == 0, (command, result.stderr[-1500:])
        assert "MarkupError" not in result.stderr
        outputs[command[0]] = result.stdout
    for name, out in outputs.items():
        assert "\x1b" not in out, name
        assert "\x07" not in out, name
        if name not in ("outbox", "try"):  # they do not name the source
            assert SOURCE in out, name
    assert " ".join(shown.split()) in " ".join(outputs["mentions"].split())
    assert "Vaude Jacke [/b] kaputt" in outputs["try"]
    assert SOURCE in " ".join(outputs["outbox"].split())  # the subject names it


def test_an_ipv6_url_is_shown_whole(tmp_path: Path) -> None:
    result = run_monitor("try", "--type", "feed", "http://[fe80::1]/feed.xml", cwd=tmp_path)
    assert "http://[fe80::1]/feed.xml" in result.stdout + result.stderr
