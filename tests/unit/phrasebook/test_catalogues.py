"""The catalogues of what monitor says to people: every sentence in both languages with
the same placeholders, every kind the code raises has a sentence, none is left unused."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from monitor.cli import words as cli_words
from monitor.phrasebook import language, problems
from monitor.phrasebook.diagnostics import DIAGNOSTICS
from monitor.phrasebook.explanation import EXPLANATION

SOURCE = Path(__file__).resolve().parents[3] / "monitor"
CATALOGUES = {
    "problems": problems.PROBLEMS,
    "cli": cli_words.WORDS,
    "explanation": EXPLANATION,
    "diagnostics": DIAGNOSTICS,
}


def _placeholders(sentence: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(sentence) if name}


@pytest.mark.parametrize("name", CATALOGUES)
def test_every_sentence_is_in_both_languages_with_the_same_placeholders(name: str) -> None:
    for key, sentences in CATALOGUES[name].items():
        assert set(sentences) == set(language.LANGUAGES), key
        assert _placeholders(sentences["de"]) == _placeholders(sentences["en"]), key
        words = re.sub(r"\{\w+\}", "", sentences["en"])
        assert sentences["de"] != sentences["en"] or not re.search(r"[a-z]{4}", words), (
            f"{key}: the German sentence is the English one"
        )


def _source_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in SOURCE.rglob("*.py"))


# How the code names a sentence: problems.invalid("kind"), ConfigProblem.said(…, "kind"),
# QuerySyntaxError("kind"), YamlError("kind"), the unknown-name kinds sources_yaml builds
# from the field's name; common.say("key") / say("key").
_USES = {
    "problems": re.compile(
        r"""(?:invalid|QuerySyntaxError|YamlError)\(\s*"(\w+)"|said\([^)]*?"(\w+)"\s*[,)]"""
        r"""|"(unknown_(?:brand|source)(?:_hint)?)\""""
    ),
    "cli": re.compile(r"""say\(\s*f?"([\w{}]+)"""),
}


def test_the_catalogues_a_said_is_looked_up_in_share_no_key() -> None:
    assert not set(DIAGNOSTICS) & set(EXPLANATION)


def test_every_kind_the_code_raises_has_a_sentence() -> None:
    text = _source_text()
    raised = {k for match in _USES["problems"].finditer(text) for k in match.groups() if k}
    assert len(raised) > 80  # the pattern finds the code's kinds (it would pass finding none)
    missing = sorted(kind for kind in raised if kind not in problems.PROBLEMS)
    assert not missing, missing
    said = {match.group(1) for match in _USES["cli"].finditer(text)}
    fixed = {key for key in said if "{" not in key}
    assert len(fixed) > 50
    assert not sorted(fixed - set(cli_words.WORDS))
    # A key built at run time (say(f"state_{row.health}")) names a family the catalogue has.
    for pattern in (key for key in said if "{" in key):
        prefix = pattern.split("{")[0]
        assert any(key.startswith(prefix) for key in cli_words.WORDS), pattern


def test_no_sentence_is_left_unused() -> None:
    text = _source_text()
    # pydantic's own kinds are named by pydantic, the YAML syntax ones by PyYAML's wording.
    by_pydantic = {"extra_forbidden", "missing", "literal_error", "string_type", "int_type",
                   "int_parsing", "int_from_float",
                   "float_type", "float_parsing", "bool_type", "bool_parsing", "list_type",
                   "tuple_type", "dict_type", "model_type", "model_attributes_type",
                   "greater_than_equal", "greater_than", "less_than_equal", "less_than",
                   "string_too_short", "string_too_long", "too_short", "too_long"}  # fmt: skip
    unused = [key for key in problems.PROBLEMS
              if key not in by_pydantic and f'"{key}"' not in text]  # fmt: skip
    assert not unused, unused
    families = ("crawl_", "column_", "state_", "status_")
    unused = [key for key in cli_words.WORDS
              if not key.startswith(families) and f'"{key}"' not in text]  # fmt: skip
    assert not unused, unused
    unused = [key for key in DIAGNOSTICS if f'"{key}"' not in text]
    assert not unused, unused


def test_a_diagnostic_is_its_english_text_and_says_itself_in_german() -> None:
    from monitor.phrasebook.said import Said, told

    inner = Said("matched_nothing", url="https://x.example/f", field="item", spec="'div.post'")
    closest = Said("closest_preset", preset="phpbb", found=3, parts="item, body")
    said = Said("then", first=inner, then=closest)
    assert said == (
        "https://x.example/f: selector item ('div.post') matched nothing on a page that is "
        "not a login wall; closest preset: phpbb (found 3 of item, body)"
    )  # as text it is English, for the log and for whatever compares it
    assert told(said, "de") == (
        "https://x.example/f: der Selektor item ('div.post') fand nichts auf einer Seite, "
        "die keine Anmeldeseite ist; nächstes Preset: phpbb (3 von item, body gefunden)"
    )
    assert told("a text from elsewhere", "de") == "a text from elsewhere"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "de"),
        ({"LANG": "de_AT.UTF-8"}, "de"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "de_DE.UTF-8"}, "en"),  # LC_ALL decides first
        ({"LANGUAGE": "de:en", "LANG": "C.UTF-8"}, "de"),
        ({"MONITOR_LANGUAGE": "de", "LC_ALL": "C"}, "de"),
        ({"MONITOR_LANGUAGE": "EN", "LANG": "de_DE.UTF-8"}, "en"),
        ({"MONITOR_LANGUAGE": "fr", "LANG": "de_DE.UTF-8"}, "de"),  # reported, not obeyed
    ],
)
def test_the_command_line_speaks_monitor_language_else_the_locale(
    environ: dict[str, str], expected: str
) -> None:
    assert language.chosen(environ) == expected


def test_a_problem_is_said_in_either_language_with_its_values() -> None:
    error = problems.invalid("not_a_duration", value="3x")
    assert isinstance(error, ValueError)  # code that catches ValueError still does
    assert str(error) == "'3x' is not a duration: write a number and a unit, e.g. 30m, 2h, 1d"
    assert problems.told_error(error, "de").startswith("„3x“ ist keine Dauer")
    # A query's problem inside a sources.yaml problem is said in the same language.
    nested = {"reason": "query_unclosed_parenthesis", "column": "3"}
    assert problems.told("bad_query", nested, "", "de") == (
        "Klammer wird nicht geschlossen (Spalte 3)"
    )
    # A kind without a sentence is shown as its source worded it.
    assert problems.told("no_such_kind", {}, "as pydantic said", "de") == "as pydantic said"
