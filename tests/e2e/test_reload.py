"""Live reload: an edited sources.yaml is applied without a restart when it is valid, and
ignored (with its line in the log) when it is not; SIGHUP reloads at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from monitor.demo.mailsink import free_port
from tests.e2e.conftest import MONITOR, clean_env

CONFIG = """
brands: [{{name: Vaude, query: Vaude}}]
sources:
{sources}
hosts: {{127.0.0.1: {{delay: 0}}}}
"""


def _sources(server, *paths: str) -> str:
    return "\n".join(
        f'  - {{name: "{path}", type: feed, url: "{server.base}{path}", every: 1s}}'
        for path in paths
    )


def _wait_for(condition: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_valid_edits_apply_invalid_ones_keep_the_last_good_configuration(
    tmp_path: Path, feed_server
) -> None:
    for path in ("/a.xml", "/b.xml", "/c.xml"):
        feed_server.serve(path, '<rss version="2.0"><channel><title>t</title></channel></rss>')
    config = tmp_path / "sources.yaml"
    config.write_text(CONFIG.format(sources=_sources(feed_server, "/a.xml")), encoding="utf-8")
    env = clean_env(MONITOR_ALLOW_HOSTS="127.0.0.1", MONITOR_HTTP_PORT=str(free_port()))
    process = subprocess.Popen(
        [str(MONITOR), "run"], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert _wait_for(lambda: len(feed_server.requests_for("/a.xml")) >= 2)

        # A valid edit: /b.xml is added and crawled without a restart.
        config.write_text(
            CONFIG.format(sources=_sources(feed_server, "/a.xml", "/b.xml")), encoding="utf-8"
        )
        assert _wait_for(lambda: len(feed_server.requests_for("/b.xml")) >= 1)

        # An invalid edit (a typo): nothing changes, /a.xml and /b.xml go on being crawled.
        config.write_text(
            CONFIG.format(sources=_sources(feed_server, "/a.xml", "/c.xml")).replace(
                "every:", "evry:"
            ),
            encoding="utf-8",
        )
        before = len(feed_server.requests_for("/b.xml"))
        assert _wait_for(lambda: len(feed_server.requests_for("/b.xml")) >= before + 2)
        assert feed_server.requests_for("/c.xml") == []

        # Fixed, then SIGHUP: /c.xml replaces /b.xml.
        config.write_text(
            CONFIG.format(sources=_sources(feed_server, "/a.xml", "/c.xml")), encoding="utf-8"
        )
        os.kill(process.pid, signal.SIGHUP)
        assert _wait_for(lambda: len(feed_server.requests_for("/c.xml")) >= 1)
        stopped_at = len(feed_server.requests_for("/b.xml"))
        time.sleep(2.5)
        assert len(feed_server.requests_for("/b.xml")) <= stopped_at + 1  # one may be in flight
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    events = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    invalid = [e for e in events if e["event"] == "config_invalid"]
    assert invalid, "the invalid edit was not reported"
    assert any("sources.yaml:" in p and "evry" in p for p in invalid[0]["problems"])
    assert sum(1 for e in events if e["event"] == "config_reloaded") >= 2


BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_hostile_files_written_under_a_running_service_keep_it_answering(
    tmp_path: Path, feed_server
) -> None:
    """A YAML alias bomb, deep nesting and NUL bytes written over sources.yaml, then the
    file deleted: /healthz keeps answering at once throughout, crawling goes on, each
    failed reload is logged with its reason, and the old configuration keeps running."""
    feed_server.serve("/a.xml", '<rss version="2.0"><channel><title>t</title></channel></rss>')
    config = tmp_path / "sources.yaml"
    config.write_text(CONFIG.format(sources=_sources(feed_server, "/a.xml")), encoding="utf-8")
    port = free_port()
    env = clean_env(MONITOR_ALLOW_HOSTS="127.0.0.1", MONITOR_HTTP_PORT=str(port))
    process = subprocess.Popen(
        [str(MONITOR), "run"], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    slowest = 0.0
    try:
        assert _wait_for(lambda: len(feed_server.requests_for("/a.xml")) >= 1)
        for hostile in (
            "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + BOMB,
            "a: " + "[" * 2000 + "]" * 2000 + "\n",
            "brands: [{name: Va\x00ude, query: Vaude}]\n",
        ):
            config.write_text(hostile, encoding="utf-8")
            deadline = time.monotonic() + 5  # the watcher polls every 2 s
            while time.monotonic() < deadline:
                started = time.monotonic()
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                slowest = max(slowest, time.monotonic() - started)
                assert answer.status_code == 200, answer.text
                time.sleep(0.2)
        config.unlink()
        time.sleep(3)
        before = len(feed_server.requests_for("/a.xml"))
        assert _wait_for(lambda: len(feed_server.requests_for("/a.xml")) > before, 10)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
    events = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    invalid = [e["message"] for e in events if e.get("event") == "config_invalid"]
    assert len(invalid) == 3, invalid
    assert "expanded" in invalid[0]
    assert "nested deeper" in invalid[1]
    assert "'\\x00' is not allowed" in invalid[2]
    assert [e for e in events if e.get("event") == "config_unreadable"]
    assert slowest < 1.0
