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


def _logged(log: Path) -> list[dict[str, object]]:
    """The JSON lines a running service has written to `log` so far (a line it is still
    writing is left for the next look)."""
    events = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("{"):
            try:
                events.append(json.loads(line))
            except ValueError:
                continue
    return events


def _count(log: Path, event: str) -> int:
    return sum(1 for e in _logged(log) if e.get("event") == event)


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
    # The log goes to a file, read while the service runs: each hostile file is watched
    # until its reload has been refused (the watcher polls every 2 s), not for a fixed time.
    log = tmp_path / "run.log"
    with log.open("wb") as stderr_file:
        process = subprocess.Popen(
            [str(MONITOR), "run"], cwd=tmp_path, env=env,
            stdout=subprocess.DEVNULL, stderr=stderr_file,
        )  # fmt: skip
    slowest = 0.0
    try:
        assert _wait_for(lambda: len(feed_server.requests_for("/a.xml")) >= 1)
        for refused, hostile in enumerate((
            "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + BOMB,
            "a: " + "[" * 2000 + "]" * 2000 + "\n",
            "brands: [{name: Va\x00ude, query: Vaude}]\n",
        ), start=1):  # fmt: skip
            config.write_text(hostile, encoding="utf-8")
            # /healthz asked throughout, until the reload of this file was refused.
            deadline = time.monotonic() + 30
            while _count(log, "config_invalid") < refused and time.monotonic() < deadline:
                started = time.monotonic()
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                slowest = max(slowest, time.monotonic() - started)
                assert answer.status_code == 200, answer.text
                time.sleep(0.2)
            assert _count(log, "config_invalid") == refused, log.read_text()
        config.unlink()
        assert _wait_for(lambda: _count(log, "config_unreadable") >= 1), log.read_text()
        before = len(feed_server.requests_for("/a.xml"))
        assert _wait_for(lambda: len(feed_server.requests_for("/a.xml")) > before, 10)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
    events = _logged(log)
    invalid = [str(e["message"]) for e in events if e.get("event") == "config_invalid"]
    assert len(invalid) == 3, invalid
    assert "expanded" in invalid[0]
    assert "nested deeper" in invalid[1]
    assert "'\\x00' is not allowed" in invalid[2]
    assert [e for e in events if e.get("event") == "config_unreadable"]
    assert slowest < 1.0
