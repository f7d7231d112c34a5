"""What a reload applies at once and what it says needs a restart (config.diff)."""

from __future__ import annotations

from monitor.config import diff, sources_yaml

BASE = """\
settings:
  timezone: Europe/Berlin
  contact: ops@example.org
brands: [{name: Vaude, query: Vaude}]
sources:
  - {type: feed, name: Blog, url: 'https://blog.example/feed'}
alerts:
  - {name: team, recipients: [a@example.org], digest: daily at 08:00}
"""


def parsed(text: str) -> sources_yaml.Config:
    return sources_yaml.parse(text, filename="sources.yaml")


def test_settings_other_than_the_fetchers_apply_at_once_and_need_no_restart() -> None:
    changed = diff.changes(parsed(BASE), parsed(BASE.replace("Europe/Berlin", "Europe/Vienna")))
    assert changed.settings_changed
    assert changed.needs_restart == ()
    assert changed.any


def test_what_the_http_client_was_built_with_needs_a_restart_and_says_which() -> None:
    new = (
        BASE.replace("ops@example.org", "web@example.org") + "hosts:\n  blog.example: {delay: 5}\n"
    )
    changed = diff.changes(parsed(BASE), parsed(new))
    assert changed.needs_restart == ("settings.contact", "hosts")
    assert not changed.settings_changed


def test_an_unchanged_file_changes_nothing() -> None:
    assert not diff.changes(parsed(BASE), parsed(BASE)).any
