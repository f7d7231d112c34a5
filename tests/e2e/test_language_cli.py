"""The command line in the user's language: a session of commands a newcomer runs (a
mistake in sources.yaml, a look before the first crawl, a crawl with an urgent mail, a
mistyped name, a bad query), said in German under a German locale and in English under
any other, with no sentence of the other language's catalogue in it."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.cli import words as cli_words
from monitor.demo import mailsink
from monitor.phrasebook import problems
from monitor.phrasebook.diagnostics import DIAGNOSTICS
from monitor.phrasebook.explanation import EXPLANATION
from tests.conftest import Entry, FeedServer, rss_feed
from tests.e2e.conftest import run_monitor

WIDE = {"COLUMNS": "400", "MONITOR_ALLOW_HOSTS": "127.0.0.1"}
LOCALES = {"de": "de_DE.UTF-8", "en": "C.UTF-8"}
CATALOGUES = (cli_words.WORDS, problems.PROBLEMS, EXPLANATION, DIAGNOSTICS)


def _fragments(language: str) -> set[str]:
    """The fixed parts of every sentence of the catalogues in `language` that are long
    enough to be that language's words (at least three words), not names or codes."""
    found: set[str] = set()
    for catalogue in CATALOGUES:
        for sentences in catalogue.values():
            for literal, *_ in string.Formatter().parse(sentences[language]):
                for part in re.split(r"[:;()„“'\"]", literal):
                    if len(part.split()) >= 3:
                        found.add(" ".join(part.split()))
    other = "en" if language == "de" else "de"
    # A fragment both languages share (a command, an example) tells neither apart.
    return found - _all_of(other)


def english_fragments() -> set[str]:
    """What of the English catalogues a German output must not hold."""
    return _fragments("en")


def _all_of(language: str) -> set[str]:
    return {
        " ".join(literal.split())
        for catalogue in CATALOGUES
        for sentences in catalogue.values()
        for literal, *_ in string.Formatter().parse(sentences[language])
    }


def _session(folder: Path, server: FeedServer, sink: mailsink.MailSink, locale: str) -> str:
    """What a newcomer's session prints, stdout and stderr, spaces normalised."""
    env = {**WIDE, "LANG": locale, "MONITOR_SMTP_URL": sink.url}
    said: list[str] = []

    def run(*args: str, expect: int) -> None:
        result = run_monitor(*args, cwd=folder, timeout=90, **env)
        assert result.returncode == expect, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        said.append(" ".join((result.stdout + "\n" + result.stderr).split()))

    config = folder / "sources.yaml"
    config.write_text("brands:\n  - name: Vaude\n    qery: Vaude\n", encoding="utf-8")
    run("check", expect=2)
    config.write_text("brands:\n  - name: Vaude\n    query: Vaude: Jacke\n", encoding="utf-8")
    run("check", expect=2)
    now = datetime.now(UTC)
    feed = server.serve("/feed.xml", rss_feed([
        Entry("Vaude-Jacke kaputt", server.url("/post/1"), "Meine Vaude ist kaputt.",
              now - timedelta(hours=1)),
    ]))  # fmt: skip
    config.write_text(
        "brands: [{name: Vaude, query: Vaude}]\n"
        f"sources:\n  - {{name: Outdoor-Blog, type: feed, url: '{feed}'}}\n"
        f"  - {{name: Kaputt, type: feed, url: '{server.url('/missing.xml')}'}}\n"
        "alerts:\n  - name: sofort\n    recipients: [team@example.org]\n"
        "    immediate: {query: kaputt}\n"
        "hosts:\n  127.0.0.1: {delay: 0}\n",
        encoding="utf-8",
    )
    run("mentions", expect=0)  # no database yet
    run("sources", expect=0)  # never crawled
    run("crawl", expect=0)  # one source works, one answers 404; the urgent mail goes out
    run("mentions", "--brand", "vaud", expect=2)
    run("mentions", "--since", "3x", expect=2)
    run("try", "Outdor-Blog", expect=2)
    run("query", "Vaude AND", "--text", "Vaude", expect=2)
    run("query", "Vaude NEAR/2 Jacke -site:example.org", "--text", "Vaude Jacke", expect=0)
    run("digest", "sofort", "--send", expect=2)
    return "\n".join(said)


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_newcomers_session_is_said_in_one_language(
    tmp_path: Path, feed_server: FeedServer, smtp_sink: mailsink.MailSink, language: str
) -> None:
    said = _session(tmp_path, feed_server, smtp_sink, LOCALES[language])
    other = "en" if language == "de" else "de"
    leaked = sorted(fragment for fragment in _fragments(other) if fragment in said)
    assert not leaked, leaked
    assert len(smtp_sink.received) == 1  # the urgent mail, sent before crawl returned
    if language == "de":
        for expected in (
            "unbekannter Schlüssel „qery“: meinten Sie „query“?",
            "kein gültiges YAML",
            "3 | query: Vaude: Jacke",
            "unter data/monitor.db gibt es noch keine Datenbank",
            "nie abgerufen",
            "neue Erwähnungen",
            "Der Server antwortet mit dem Fehler HTTP 404.",
            "1 fällige Mail(s) gesendet.",
            "Es gibt keine Marke namens „vaud“: meinten Sie „Vaude“?",
            "--since: „3x“ ist keine Dauer",
            "Es gibt keine Quelle namens „Outdor-Blog“",
            "ungültige Suchanfrage: AND braucht auf beiden Seiten einen Begriff (Spalte 7)",
            "„sofort“ ist ein Sofortalarm",
            "TREFFER: Vaude NEAR/2 Jacke",
            "(höchstens 2 Wörter dazwischen)",
            "(Wort in Titel oder Text: 1× gefunden)",
        ):
            assert expected in said, expected
    else:
        for expected in (
            "unknown key 'qery': did you mean 'query'?",
            "there is no database at data/monitor.db yet",
            "never crawled",
            "The server answers with the error HTTP 404.",
            "Sent 1 mail(s) that were due.",
            "no brand is named 'vaud': did you mean 'Vaude'?",
            "invalid query: AND needs a term on both sides at column 7",
            "MATCH: Vaude NEAR/2 Jacke",
            "(word in title or text: found 1×)",
        ):
            assert expected in said, expected
