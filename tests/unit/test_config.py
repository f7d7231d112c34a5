"""sources.yaml: valid configs become frozen objects; mistakes read `file:line: path: message`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pydantic
import pytest

from monitor import sources
from monitor.config import sources_yaml
from monitor.errors import ConfigError

TYPES = ", ".join(sorted(sources.ADAPTERS))  # every registered source type, as errors list them

VALID = """\
settings:
  timezone: Europe/Berlin
brands:
  - name: Vaude
    query: Vaude
sources:
  - type: feed
    name: Blog
    url: https://example.org/feed
alerts:
  - name: team
    recipients: [a@example.org]
    digest: daily at 08:00
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        sources_yaml.parse(text, filename="sources.yaml")
    return str(caught.value).splitlines()


def test_a_valid_config_becomes_typed_objects_with_defaults() -> None:
    parsed = sources_yaml.parse(VALID, filename="sources.yaml")

    assert parsed.settings.timezone == "Europe/Berlin"
    assert parsed.settings.language == "de"
    assert parsed.settings.every == timedelta(minutes=30)
    assert parsed.settings.backfill == timedelta(days=2)
    assert [b.name for b in parsed.brands] == ["Vaude"]
    assert parsed.brands[0].all_queries == ("Vaude",)
    (source,) = parsed.sources
    assert (source.type, source.name, source.url) == ("feed", "Blog", "https://example.org/feed")
    assert source.enabled is True
    assert parsed.interval(source) == timedelta(minutes=30)
    (alert,) = parsed.alerts
    assert alert.recipients == ("a@example.org",)
    assert alert.digest == "daily at 08:00"
    assert parsed.source("blog") is source
    assert parsed.brands_for(alert) == parsed.brands


def test_config_objects_are_frozen() -> None:
    parsed = sources_yaml.parse(VALID)
    with pytest.raises(pydantic.ValidationError):
        parsed.brands[0].name = "Other"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        parsed.settings.language = "en"  # type: ignore[misc]


def test_a_source_interval_overrides_the_settings_default() -> None:
    text = VALID.replace(
        "url: https://example.org/feed", "url: https://example.org/feed\n    every: 2h"
    )
    parsed = sources_yaml.parse(text)
    assert parsed.interval(parsed.sources[0]) == timedelta(hours=2)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            ("    query: Vaude", "    querry: Vaude"),
            "sources.yaml:5: brands[0].querry: unknown key 'querry': did you mean 'query'?",
            id="unknown-key-did-you-mean",
        ),
        pytest.param(
            ("    recipients: [a@example.org]\n", ""),
            "sources.yaml:11: alerts[0].recipients: required key 'recipients' is missing",
            id="missing-required-key",
        ),
        pytest.param(
            ("https://example.org/feed", "ftp://example.org/feed"),
            "sources.yaml:9: sources[0].url: 'ftp://example.org/feed' is not a valid URL: "
            "it must start with http:// or https://",
            id="ftp-url",
        ),
        pytest.param(
            ("type: feed", "type: pigeon"),
            f"sources.yaml:7: sources[0].type: unknown source type 'pigeon': use one of {TYPES}",
            id="unknown-source-type",
        ),
        pytest.param(
            ("  - type: feed\n    name: Blog", "  - name: Blog"),
            f"sources.yaml:7: sources[0]: a source needs a type: one of {TYPES}",
            id="missing-type",
        ),
        pytest.param(
            ("a@example.org", "not-an-address"),
            "sources.yaml:12: alerts[0].recipients[0]: 'not-an-address' is not an e-mail address",
            id="bad-email",
        ),
        pytest.param(
            ("daily at 08:00", "sometimes"),
            "sources.yaml:13: alerts[0].digest: 'sometimes' is not a schedule: write "
            "'every 30 minutes', 'daily at 08:00', 'weekly on monday at 08:00' or five cron "
            "fields such as '0 8 * * 1-5'",
            id="bad-schedule",
        ),
        pytest.param(
            ("daily at 08:00", "daily at 25:00"),
            "sources.yaml:13: alerts[0].digest: hour 25 is not between 0 and 23",
            id="schedule-hour-out-of-range",
        ),
        pytest.param(
            ("Europe/Berlin", "Europe/Bielefeld"),
            "sources.yaml:2: settings.timezone: unknown time zone 'Europe/Bielefeld': "
            "use a name such as Europe/Berlin",
            id="unknown-time-zone",
        ),
        pytest.param(
            ("sources:", "  - name: vaude\n    query: Vaude Jacke\nsources:"),
            "sources.yaml:6: brands[1].name: 'vaude' is used twice: names must be unique",
            id="duplicate-brand-name",
        ),
        pytest.param(
            ("    digest:", "    brands: [Vaud]\n    digest:"),
            "sources.yaml:13: alerts[0].brands[0]: no brand is named 'Vaud': did you mean 'Vaude'?",
            id="alert-names-unknown-brand",
        ),
        pytest.param(
            ("    query: Vaude", "    query: Vaude\n    query: Other"),
            "sources.yaml:6: key 'query' appears twice\n  6 |     query: Other",
            id="duplicate-yaml-key",
        ),
        pytest.param(
            ("url: https://example.org/feed", "url: https://example.org/feed\n    every: soon"),
            "sources.yaml:10: sources[0].every: 'soon' is not a duration: write a number and "
            "a unit, e.g. 30m, 2h, 1d",
            id="bad-duration",
        ),
    ],
)
def test_each_mistake_is_reported_with_file_line_and_path(
    change: tuple[str, str], expected: str
) -> None:
    old, new = change
    assert old in VALID
    assert "\n".join(errors_of(VALID.replace(old, new, 1))) == expected


def test_duplicate_source_names_are_refused_whatever_their_case() -> None:
    text = VALID.replace(
        "alerts:",
        "  - type: feed\n    name: BLOG\n    url: https://example.org/other\nalerts:",
    )
    assert errors_of(text) == [
        "sources.yaml:11: sources[1].name: 'BLOG' is used twice: names must be unique"
    ]


def test_invalid_yaml_names_the_offending_line() -> None:
    text = "brands:\n  - name: Vaude\n   query: Vaude\n"
    assert errors_of(text) == [
        "sources.yaml:3: not valid YAML: this line is indented differently from the ones it "
        "belongs to",
        "  3 |    query: Vaude",
    ]


def test_a_tab_in_indentation_is_reported_on_its_line() -> None:
    text = "brands:\n\t- name: Vaude\n"
    assert errors_of(text) == [
        "sources.yaml:2: not valid YAML: a tab; YAML indents with spaces only",
        "  2 | \\t- name: Vaude",  # shown as its escape: visible, and no tab in the terminal
    ]


def test_an_unterminated_quote_is_reported_where_it_opens() -> None:
    text = 'brands:\n  - name: "Vaude\n    query: Vaude\n'
    line, excerpt = errors_of(text)
    assert line.startswith("sources.yaml:2: not valid YAML: a quote or bracket opened here")
    assert excerpt == '  2 |   - name: "Vaude'


def test_an_empty_file_says_what_is_missing() -> None:
    assert errors_of("") == ["sources.yaml: brands: required key 'brands' is missing"]


def test_a_file_that_is_not_a_mapping_is_refused() -> None:
    assert errors_of("- just\n- a list\n") == [
        "sources.yaml:1: expected keys such as brands: and sources:"
    ]


def test_several_mistakes_are_reported_together_in_line_order() -> None:
    text = (
        VALID.replace("Europe/Berlin", "Mars/Olympus")
        .replace("a@example.org", "nope")
        .replace("    query: Vaude", "    querry: Vaude")
    )
    assert errors_of(text) == [
        "sources.yaml:2: settings.timezone: unknown time zone 'Mars/Olympus': "
        "use a name such as Europe/Berlin",
        "sources.yaml:5: brands[0].querry: unknown key 'querry': did you mean 'query'?",
        "sources.yaml:12: alerts[0].recipients[0]: 'nope' is not an e-mail address",
    ]


def test_config_error_keeps_each_problem_apart() -> None:
    with pytest.raises(ConfigError) as caught:
        sources_yaml.parse(VALID.replace("Europe/Berlin", "Nowhere/City"), filename="team.yaml")
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.path) == ("team.yaml", 2, "settings.timezone")


def test_load_reads_a_file_and_names_it_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(VALID, encoding="utf-8")
    assert sources_yaml.load(path).brands[0].name == "Vaude"

    path.write_text(VALID.replace("type: feed", "type: pigeon"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^mine\.yaml:7: sources\[0\]\.type: unknown"):
        sources_yaml.load(path)


def test_load_of_a_missing_file_says_how_to_create_it(tmp_path: Path) -> None:
    missing = tmp_path / "sources.yaml"
    with pytest.raises(ConfigError) as caught:
        sources_yaml.load(missing)
    assert str(caught.value) == (
        f"{missing}: file not found: create it from the example sources.yaml in the "
        "repository, or set MONITOR_CONFIG"
    )


def test_a_source_level_error_names_the_source_not_its_type_tag() -> None:
    # A forum source with a preset of another kind: wrong as a whole, not in one field.
    text = VALID.replace("type: feed", "type: forum\n    preset: hackernews")
    (line,) = errors_of(text)
    assert line.startswith("sources.yaml:7: sources[0]: ")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        pytest.param(
            "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
                f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n"
                for p, n in zip("abcdefgh", "bcdefghi", strict=True)
            ),
            "sources.yaml:6: more than 200,000 values once aliases", id="alias-bomb",
        ),
        pytest.param("a: &a [*a]\n", "sources.yaml:1: values are nested deeper than 40",
                     id="recursive-alias"),
        pytest.param("a: " + "[" * 2000 + "]" * 2000 + "\n",
                     "sources.yaml: values are nested deeper than 40", id="deep-lists"),
        pytest.param("a: " + "{b: " * 3000 + "1" + "}" * 3000 + "\n",
                     "sources.yaml: values are nested deeper than 40", id="deep-maps"),
        pytest.param("brands: [{name: Va\x00ude}]\n",
                     "sources.yaml:1: not valid YAML: the character '\\x00' is not allowed",
                     id="nul"),
        pytest.param("# " + "x" * (1024 * 1024) + "\n", "sources.yaml: the file is 1,048,579 bytes",
                     id="too-large"),
    ],
)  # fmt: skip
def test_hostile_files_are_refused_with_their_line_before_anything_large_is_built(
    text: str, said: str
) -> None:
    line, *excerpt = errors_of(text)
    assert line.startswith(said), line
    # The offending line may be shown, never as it is: cut short, with no control character.
    assert all(len(shown) < 120 and shown.isprintable() for shown in excerpt), excerpt


@pytest.mark.parametrize(
    ("brand", "source"),
    [("Vaude\r\nBcc: x@evil.example", "Blog"), ("Vaude", "Blog\x1b[31m"), ("Vaude", "Blog\ttab")],
)
def test_names_are_one_line_of_printable_text(brand: str, source: str) -> None:
    text = VALID.replace("name: Vaude", f"name: {brand!r}".replace("'", '"')).replace(
        "name: Blog", f"name: {source!r}".replace("'", '"')
    )
    (line,) = errors_of(text.replace("\\x1b", "\\e"))
    assert "a name is one line of printable text" in line


def test_a_query_nested_too_deeply_is_an_error_with_its_line() -> None:
    deep = "(" * 40 + "Vaude" + ")" * 40
    (line,) = errors_of(VALID.replace("query: Vaude", f"query: '{deep}'"))
    assert line.startswith("sources.yaml:5: brands[0].query: ")
    assert "nested deeper than 32 levels" in line


def test_word_forms_are_on_unless_a_brand_turns_them_off() -> None:
    from monitor import domain, query

    config = sources_yaml.parse(
        VALID.replace("    query: Vaude\n", "    query: Vaude\n  - name: Alle\n"
                      "    query: Alle\n    word_forms: false\n"),
        filename="sources.yaml",
    )  # fmt: skip
    vaude, alle = (brand.to_query() for brand in config.brands)
    assert vaude.word_forms
    assert not alle.word_forms
    matcher = query.compile([vaude, alle])
    found = matcher.match(domain.Document("k", "https://x.example/", "", "Vaudes Jacke: alles gut"))
    assert [match.brand for match in found] == ["Vaude"]
