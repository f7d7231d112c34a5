"""`monitor query`: the test button for brand queries, with grep's exit codes."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import run_monitor


def test_a_matching_text_exits_0_and_says_where(tmp_path: Path) -> None:
    result = run_monitor(
        "query", '"Müller Medical" -Strümpfe', "--text", "Die Mueller-Medical Bandage",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('MATCH: "Müller Medical" -Strümpfe')
    assert "[Mueller-Medical]" in result.stdout  # where it matched, as written


def test_a_text_that_does_not_match_exits_1(tmp_path: Path) -> None:
    result = run_monitor("query", "Vaude", "--text", "Abends im Vaudeville-Theater", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("NO MATCH: Vaude")


def test_an_invalid_query_exits_2_pointing_at_the_column(tmp_path: Path) -> None:
    result = run_monitor("query", "Vaude (Jacke", "--text", "x", cwd=tmp_path)
    assert result.returncode == 2
    assert "unclosed parenthesis at column 7" in result.stderr
    assert "        ^" in result.stderr


def test_the_text_may_come_from_an_html_file(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<p>Die <b>VAUDE</b>&nbsp;Jacke</p><script>Deuter</script>", "utf-8")
    assert run_monitor("query", "Vaude Jacke", "--file", str(page), cwd=tmp_path).returncode == 0
    # Script text is not what a reader sees, so it does not match.
    assert run_monitor("query", "Deuter", "--file", str(page), cwd=tmp_path).returncode == 1


def test_the_text_may_come_from_a_url(tmp_path: Path, feed_server) -> None:
    url = feed_server.serve(
        "/post", "<html><body><p>Müller Medical hilft</p></body></html>".encode("latin-1"),
        content_type="text/html; charset=ISO-8859-1",
    )  # fmt: skip
    result = run_monitor(
        "query", "müller", "--url", url, cwd=tmp_path, MONITOR_ALLOW_HOSTS="127.0.0.1"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_field_filters_use_the_given_title_and_language(tmp_path: Path) -> None:
    args = ("query", "title:Vaude lang:de", "--text", "x", "--title", "Vaude-Test")
    assert run_monitor(*args, "--lang", "de", cwd=tmp_path).returncode == 0
    assert run_monitor(*args, "--lang", "en", cwd=tmp_path).returncode == 1


def test_a_url_that_cannot_be_fetched_exits_3_naming_the_connection(tmp_path: Path) -> None:
    from monitor.demo.mailsink import free_port

    port = free_port()  # nothing listens there
    result = run_monitor(
        "query", "Vaude", "--url", f"http://127.0.0.1:{port}/post", cwd=tmp_path,
        MONITOR_ALLOW_HOSTS="127.0.0.1",
    )  # fmt: skip
    said = " ".join(result.stderr.split())
    assert result.returncode == 3, said  # not 1: "no match" would be a lie
    assert said == (f"could not fetch http://127.0.0.1:{port}/post: The server cannot be "
                    "reached: no connection.")  # fmt: skip
    assert "robots" not in said
    assert "Traceback" not in result.stderr
    german = run_monitor(
        "query", "Vaude", "--url", f"http://127.0.0.1:{port}/post", cwd=tmp_path,
        MONITOR_ALLOW_HOSTS="127.0.0.1", LANG="de_DE.UTF-8",
    )  # fmt: skip
    assert german.returncode == 3
    assert " ".join(german.stderr.split()) == (
        f"http://127.0.0.1:{port}/post ließ sich nicht abrufen: Der Server ist nicht "
        "erreichbar: keine Verbindung."
    )
