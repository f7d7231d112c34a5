"""The `monitor` command as a user runs it: exit codes, messages, files it leaves."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.demo.mailsink import free_port
from tests.conftest import Entry, rss_feed
from tests.e2e.conftest import MONITOR, REPO, clean_env, run_monitor


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def _feed(server, title: str) -> str:
    published = datetime.now(UTC) - timedelta(hours=1)
    body = f"{title}: die Jacke hält dicht."
    return rss_feed([Entry(title, server.url("/post/1"), body, published)])


def test_version_names_the_program(tmp_path: Path) -> None:
    result = run_monitor("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("monitor, version ")


def test_check_accepts_the_example_configuration(tmp_path: Path) -> None:
    result = run_monitor("check", str(REPO / "sources.yaml"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "OK: 2 brands, 7 sources, 3 alerts" in result.stdout


def test_check_rejects_a_typo_with_its_line_and_exit_code_2(tmp_path: Path) -> None:
    config = tmp_path / "sources.yaml"
    config.write_text(
        "brands:\n  - name: Vaude\n    query: Vaude\nsources:\n"
        "  - name: blog\n    type: feed\n    url: https://example.org/feed\n    evry: 1h\n",
        encoding="utf-8",
    )
    result = run_monitor("check", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert "sources.yaml:8: sources[0].evry: unknown key 'evry': did you mean 'every'?" in (
        " ".join(result.stderr.split())
    )


def test_check_without_a_file_says_how_to_make_one(tmp_path: Path) -> None:
    result = run_monitor("check", cwd=tmp_path)
    assert result.returncode == 2
    assert "file not found" in result.stderr


def test_demo_runs_end_to_end_offline_and_leaves_a_digest(tmp_path: Path) -> None:
    result = run_monitor("demo", "--dir", str(tmp_path / "demo"), cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    out = " ".join(result.stdout.split())
    for source, items, mentions in (("Bergsport-Blog", 5, 3), ("Kletterforum", 8, 3),
                                    ("Bergsport-Shop", 3, 3)):  # fmt: skip
        assert f"{source} │ {items} │ {mentions} │" in out
    assert "second crawl of the same sources: 0 new mentions" in out
    assert "mails received by the SMTP server: 4" in out
    # Immediate alerts: the crisis word on the blog and in the forum, the one-star review.
    assert "Krisenbegriff „Kundendienst“ · Müller Medical auf Bergsport-Blog" in out
    assert "Krisenbegriff „Kundendienst“ · Vaude auf Kletterforum" in out
    assert "1★-Bewertung zu Müller Medical auf Bergsport-Shop" in out
    html = (tmp_path / "demo" / "digest.html").read_text(encoding="utf-8")
    shown = " ".join(re.sub(r"<[^>]+>", " ", html).split())  # what a reader sees
    assert "Regenjacken im Test" in shown
    assert "Vaudeville" not in shown  # the theatre is not the brand
    # The Latin-1 forum keeps its umlauts; the review shows what it says, not its title.
    assert "Doc_Höhenmeter" in shown
    assert "Die von Müller Medical sitzen gut" in shown
    assert "Auf meine Reklamation hat niemand geantwortet." in shown
    assert "Tourenbericht" not in shown  # no brand in that thread
    assert len(list((tmp_path / "demo" / "received").glob("*.eml"))) == 4


def test_crawl_mentions_and_digest_through_the_cli(tmp_path: Path, feed_server, smtp_sink) -> None:
    feed_server.serve("/feed.xml", _feed(feed_server, "Vaude-Jacke im Test"))
    (tmp_path / "sources.yaml").write_text(
        f"""
brands:
  - name: Vaude
    query: Vaude
sources:
  - name: blog
    type: feed
    url: {feed_server.base}/feed.xml
  - name: dead
    type: feed
    url: {feed_server.base}/missing.xml
alerts:
  - name: team
    recipients: [team@example.org]
    digest: daily at 08:00
""",
        encoding="utf-8",
    )
    env = {
        "MONITOR_SMTP_URL": smtp_sink.url,
        "MONITOR_MAIL_FROM": "monitor@example.org",
        "MONITOR_ALLOW_HOSTS": "127.0.0.1",
        "COLUMNS": "300",
    }
    crawl = run_monitor("crawl", cwd=tmp_path, **env)
    assert crawl.returncode == 0, crawl.stderr  # one of two sources worked
    assert "The server answers with the error HTTP 404." in crawl.stdout

    listed = run_monitor("mentions", "--json", cwd=tmp_path, **env)
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["reference"], r["brand"], r["title"]) for r in rows] == [
        ("M-1", "Vaude", "Vaude-Jacke im Test")
    ]

    preview = run_monitor("digest", "team", "--preview", "out.html", cwd=tmp_path, **env)
    assert preview.returncode == 0, preview.stderr
    assert "Vaude-Jacke im Test" in (tmp_path / "out.html").read_text(encoding="utf-8")
    assert smtp_sink.received == []  # a preview sends nothing

    sent = run_monitor("digest", "team", "--send", cwd=tmp_path, **env)
    assert sent.returncode == 0, sent.stderr
    assert [m.recipients for m in smtp_sink.received] == [["team@example.org"]]
    again = run_monitor("digest", "team", "--send", cwd=tmp_path, **env)
    assert "no new mentions" in again.stdout
    assert len(smtp_sink.received) == 1


def test_crawl_exits_1_when_every_source_fails(tmp_path: Path, feed_server) -> None:
    (tmp_path / "sources.yaml").write_text(
        f"""
brands: [{{name: Vaude, query: Vaude}}]
sources: [{{name: dead, type: feed, url: "{feed_server.base}/missing.xml"}}]
""",
        encoding="utf-8",
    )
    result = run_monitor("crawl", cwd=tmp_path, MONITOR_ALLOW_HOSTS="127.0.0.1", COLUMNS="300")
    assert result.returncode == 1
    assert f"The server answers with the error HTTP 404. ({feed_server.base}/missing.xml)" in (
        result.stdout
    )
    # The same, said in German: the table's header and the reason, from the catalogues.
    german = run_monitor("crawl", cwd=tmp_path, MONITOR_ALLOW_HOSTS="127.0.0.1", COLUMNS="300",
                         LANG="de_DE.UTF-8")  # fmt: skip
    assert german.returncode == 1
    assert "Quelle" in german.stdout
    assert "neue Erwähnungen" in german.stdout
    assert "Der Server antwortet mit dem Fehler HTTP 404." in german.stdout
    assert "answers" not in german.stdout


def test_run_crawls_serves_health_and_metrics_and_stops_cleanly_on_sigterm(
    tmp_path: Path, feed_server
) -> None:
    feed_server.serve("/feed.xml", _feed(feed_server, "Vaude im Test"))
    (tmp_path / "sources.yaml").write_text(
        f"""
brands: [{{name: Vaude, query: Vaude}}]
sources: [{{name: blog, type: feed, url: "{feed_server.base}/feed.xml", every: 1s}}]
""",
        encoding="utf-8",
    )
    port = free_port()
    env = clean_env(MONITOR_ALLOW_HOSTS="127.0.0.1", MONITOR_HTTP_PORT=str(port))
    process = subprocess.Popen(
        [str(MONITOR), "run"], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while len(feed_server.requests_for("/feed.xml")) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(feed_server.requests_for("/feed.xml")) >= 3, "the interval job did not repeat"
        health = json.loads(_get(f"http://127.0.0.1:{port}/healthz"))
        assert health == {"status": "ok", "database": "ok", "scheduler": "running",
                          "last_tick_age_seconds": health["last_tick_age_seconds"]}  # fmt: skip
        assert health["last_tick_age_seconds"] < 60
        scraped = _get(f"http://127.0.0.1:{port}/metrics")
        assert 'monitor_fetches_total{outcome="ok"}' in scraped
        assert 'monitor_crawls_total{outcome="ok"}' in scraped
        assert "monitor_mentions_stored_total 1.0" in scraped  # stored once, crawled often
        assert 'monitor_sources{state="ok"} 1.0' in scraped
        assert "monitor_job_lag_seconds_bucket" in scraped
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert all("event" in line for line in lines), [x for x in lines if "event" not in x]
    events = [line["event"] for line in lines]
    assert events[-1] == "service_stopped"
    listed = run_monitor("mentions", "--json", cwd=tmp_path)
    assert len(listed.stdout.splitlines()) == 1  # crawled several times, stored once
