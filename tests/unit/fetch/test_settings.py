"""The fetch layer's knobs in the environment and in sources.yaml."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from monitor.config import sources_yaml
from monitor.config.environment import Settings


@pytest.mark.parametrize(
    ("value", "hosts"),
    [
        ('["127.0.0.1", "[::1]:8080"]', ("127.0.0.1", "[::1]:8080")),
        ("127.0.0.1, wiki.intranet:8443", ("127.0.0.1", "wiki.intranet:8443")),
        ("", ()),
    ],
)
def test_allow_hosts_takes_json_or_commas(monkeypatch, value: str, hosts: tuple) -> None:
    monkeypatch.setenv("MONITOR_ALLOW_HOSTS", value)
    assert Settings().allow_hosts == hosts


def test_allow_hosts_refuses_a_url(monkeypatch) -> None:
    monkeypatch.setenv("MONITOR_ALLOW_HOSTS", "http://127.0.0.1:8000")
    with pytest.raises(ValidationError, match="not a URL"):
        Settings()


def test_hosts_and_robots_token_in_sources_yaml() -> None:
    loaded = sources_yaml.parse(
        "settings: {robots_user_agent: mybot}\n"
        "brands: [{name: A, query: A}]\n"
        "hosts:\n  Forum.Example.org: {concurrency: 1, delay: 500ms}\n  api.example: {delay: 2}\n"
    )
    assert loaded.settings.robots_user_agent == "mybot"
    assert {h: (p.concurrency, p.delay) for h, p in loaded.hosts.items()} == {
        "forum.example.org": (1, 0.5), "api.example": (2, 2.0),
    }  # fmt: skip
    assert (
        sources_yaml.parse("brands: [{name: A, query: A}]").settings.robots_user_agent == "monitor"
    )


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        ("hosts: {a.example: {delay: 2x}}", "is not a delay"),
        ("hosts: {a.example: {concurrency: 0}}", "too small: at least 1"),
        ("hosts: {'a.example:80': {}}", "is not a host name"),
        ("settings: {robots_user_agent: 'my bot/1.0'}", "robots_user_agent"),
    ],
)
def test_bad_politeness_settings_are_config_errors(yaml: str, message: str) -> None:
    with pytest.raises(sources_yaml.ConfigError, match=message):
        sources_yaml.parse("brands: [{name: A, query: A}]\n" + yaml)
