"""Every MONITOR_* value a user can get wrong: one sentence naming the variable, exit 2,
never a traceback; and `monitor check` refuses exactly what the working commands refuse."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import REPO, run_monitor

# (variable, value, what the English line says, what the German one says)
BAD = [
    ("MONITOR_DATABASE_URL", "garbage", "not a database URL", "keine Datenbank-URL"),
    ("MONITOR_DATABASE_URL", "mysql://user@host/db", "mysql is not supported",
     "mysql wird nicht unterstützt"),
    ("MONITOR_DATABASE_URL", "postgresql+asyncpg://user@host/db", "asyncpg",
     "Treiber asyncpg"),
    ("MONITOR_DATABASE_URL", "sqlite+pysqlite:///x.db", "pysqlite", "Treiber pysqlite"),
    ("MONITOR_ALLOW_HOSTS", "127.0.0.1:99999", "'127.0.0.1:99999'", "„127.0.0.1:99999“"),
    ("MONITOR_ALLOW_HOSTS", "http://127.0.0.1/", "not a URL", "keine URL"),
    ("MONITOR_ALLOW_HOSTS", "[1, 2", "not a JSON list", "keine JSON-Liste"),
    ("MONITOR_SMTP_URL", "smtp://127.0.0.1:notaport", "port", "Port"),
    ("MONITOR_SMTP_URL", "smtp://", "no server", "kein Server"),
    ("MONITOR_SMTP_URL", "mail.example.org", "write smtp://host:port",
     "schreiben Sie smtp://host:port"),
    ("MONITOR_LOG_LEVEL", "LOUD", "'LOUD' is not a level", "„LOUD“ ist keine Stufe"),
    ("MONITOR_HTTP_PORT", "abc", "'abc' is not a whole number", "„abc“ ist keine ganze Zahl"),
    ("MONITOR_HTTP_PORT", "70000", "too large: at most 65535", "zu groß: höchstens 65535"),
    ("MONITOR_SMTP_TIMEOUT", "soon", "'soon' is not a number", "„soon“ ist keine Zahl"),
    ("MONITOR_LANGUAGE", "fr", "'fr' is not allowed here: write one of 'de', 'en'",
     "„fr“ ist hier nicht erlaubt"),
]  # fmt: skip
Case = tuple[str, str, str, str]


def _rounds() -> list[list[Case]]:
    """BAD cut into rounds that set each variable once: every problem of the environment
    is reported at once (one line each), so a round is one run of a command. The allowed
    hosts are read after the rest is valid, so each of their values has a round alone.
    MONITOR_LANGUAGE is not set in a round that is said in German (it would choose)."""
    rounds: list[list[Case]] = []
    for case in BAD:
        variable = case[0]
        alone = variable == "MONITOR_ALLOW_HOSTS"
        home = next((r for r in rounds if not alone and all(v != variable and
                     v != "MONITOR_ALLOW_HOSTS" for v, *_ in r)), None)  # fmt: skip
        if home is None:
            rounds.append([case])
        else:
            home.append(case)
    return rounds


@pytest.mark.parametrize("cases", _rounds(), ids=lambda cases: "+".join(v for v, *_ in cases))
def test_each_bad_value_is_one_sentence_in_check_and_in_the_commands(
    tmp_path: Path, cases: list[Case]
) -> None:
    config = str(REPO / "sources.yaml")
    values = {variable: value for variable, value, *_ in cases}
    german = "MONITOR_LANGUAGE" not in values
    runs = [(["check", config], "C.UTF-8"), (["mentions"], "C.UTF-8")]
    if german:  # the same sentences in the locale's language, German
        runs.append((["check", config], "de_DE.UTF-8"))
    for command, locale in runs:
        result = run_monitor(*command, cwd=tmp_path, timeout=60, MONITOR_CONFIG=config,
                             LANG=locale, **values)  # fmt: skip
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        assert "errors.pydantic.dev" not in result.stderr
        # One line per variable, each naming it (a line starts wherever a variable's name
        # starts one, should the console wrap).
        shown = " ".join(result.stderr.split())
        lines = [f"MONITOR_{part}" for part in shown.split("MONITOR_")[1:]]
        for variable, _, english, deutsch in cases:
            (line,) = [line for line in lines if line.startswith(f"{variable}: ")]
            assert (deutsch if locale.startswith("de") else english) in line, (variable, line)


def test_a_data_dir_that_is_a_file_is_named(tmp_path: Path) -> None:
    file = tmp_path / "data"
    file.write_text("not a folder", encoding="utf-8")
    result = run_monitor("mentions", cwd=tmp_path, timeout=60, MONITOR_DATA_DIR=str(file),
                         MONITOR_CONFIG=str(REPO / "sources.yaml"))  # fmt: skip
    assert result.returncode == 2
    assert "MONITOR_DATA_DIR:" in result.stderr
    assert "is a file, not a folder" in " ".join(result.stderr.split())


def test_the_plain_database_urls_get_their_async_driver(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'plain.db').as_posix()}"
    result = run_monitor("db", "upgrade", cwd=tmp_path, timeout=60, MONITOR_DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "plain.db").is_file()
