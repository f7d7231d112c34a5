"""`monitor try` as a user runs it, against a phpBB board on a loopback server
(monitor/demo/board.py): what it prints, its exit codes, and that it stores nothing.

Each run is a subprocess, so startup dominates; the board is small and `--pages` low.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor.sources import presets
from tests import boards
from tests.conftest import FeedServer
from tests.e2e.conftest import run_monitor
from tests.e2e.test_language_cli import english_fragments

WIDE = {"COLUMNS": "220"}  # a wide terminal: rich fits the tables instead of cutting them
LOOPBACK = {"MONITOR_ALLOW_HOSTS": "127.0.0.1"}

BERLIN = ZoneInfo("Europe/Berlin")  # the settings' default time zone


def small_board(**options: object) -> tuple[boards.Board, boards.Thread, boards.Thread]:
    """Two threads: one of four posts (two pages) naming Müller Medical, one without."""
    board = boards.Board(**options)  # type: ignore[arg-type]
    start = datetime(2024, 3, 11, 7, 0, tzinfo=UTC)  # Mo 11. Mär 2024, 08:00 in Berlin
    medical = board.add_thread(
        "BM-300 Fehler",
        [
            ("Praxis_Nord", start, "Unser Müller Medical Gerät zeigt E3."),
            ("Kaffeetante", start + timedelta(hours=5), "Manschette schon getauscht?"),
            ("Dr_Özdemir", start + timedelta(days=1), "Müller Medical Hotline hilft."),
            ("Praxis_Nord", start + timedelta(days=2), "Techniker kommt morgen."),
        ],
    )
    other = board.add_thread(
        "Hallo aus Köln", [("Neu_hier", start - timedelta(days=30), "Hallo zusammen!")]
    )
    return board, medical, other


def write_sources(folder: Path, url: str) -> None:
    (folder / "sources.yaml").write_text(
        "settings: {timezone: Europe/Berlin, language: de}\n"
        "brands:\n"
        "  - {name: Müller Medical, query: '\"Müller Medical\"'}\n"
        "  - {name: Vaude, query: Vaude}\n"
        "sources:\n"
        "  - type: forum\n"
        "    name: Praxis-Forum\n"
        f"    url: '{url}'\n"
        "    preset: phpbb\n"
        "    timezone: Europe/Berlin\n"
        "    language: de\n"
        "    selectors: {date: 'p.author time'}\n"
        "hosts:\n"
        "  127.0.0.1: {delay: 0}\n",
        encoding="utf-8",
    )


def flat(text: str) -> str:
    """Output with line wrapping undone, for phrases that may break across lines."""
    return " ".join(text.split())


def test_try_a_source_lists_pages_items_and_brand_matches_and_stores_nothing(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    board, medical, other = small_board(datetime_attribute=False)
    board.serve(feed_server)
    write_sources(tmp_path, feed_server.url(board.list_path()))

    result = run_monitor("try", "Praxis-Forum", cwd=tmp_path, **LOOPBACK, **WIDE)

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    # The pages fetched: the list, then each thread from its last page back.
    assert "pages fetched" in out
    for path in [board.list_path(), *board.thread_paths(medical), board.thread_path(other)]:
        assert feed_server.url(path) in out
    # Every post: author, date (German text read in Berlin time), permalink, first words.
    assert "5 items" in out
    lines = out.splitlines()
    for post in [*medical.posts, *other.posts]:
        (line,) = [line for line in lines if feed_server.url(board.permalink(post)) in line]
        assert post.author in line
        # Shown in settings.timezone.
        assert f"{post.at.astimezone(BERLIN):%Y-%m-%d %H:%M}" in line
    first = next(n for n, line in enumerate(lines) if board.permalink(medical.posts[0]) in line)
    assert "BM-300 Fehler – Unser Müller Medical Gerät zeigt E3." in lines[first + 1]
    # Which brands match: the two posts that name Müller Medical.
    assert "2 items mention a brand" in out
    brand_rows = [line for line in lines if '"Müller Medical"' in line]
    assert len(brand_rows) == 2
    assert "Vaude" not in "".join(brand_rows)
    # Nothing stored: no database, no data folder.
    assert not (tmp_path / "data").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sources.yaml"]
    # Nothing left behind on the board either: each page was asked for once.
    for path in [board.list_path(), *board.thread_paths(medical), board.thread_path(other)]:
        assert len(feed_server.requests_for(path)) == 1


def test_try_a_url_with_a_preset_needs_no_sources_yaml(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    board, medical, _ = small_board()  # with <time datetime>, as the preset reads it
    board.serve(feed_server)
    url = feed_server.url(board.list_path())

    # No hosts: section without a sources.yaml, so the default 1 s delay applies: 2 pages.
    result = run_monitor("try", "--preset", "phpbb", url, "--pages", "2", cwd=tmp_path,
                         **LOOPBACK, **WIDE)  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    last_page = board.thread_paths(medical)[-1]
    assert feed_server.url(last_page) in out
    for post in medical.posts[3:]:  # the last page: newest posts first
        (line,) = [line for line in out.splitlines() if board.permalink(post) in line]
        assert post.author in line
        # Shown in settings.timezone.
        assert f"{post.at.astimezone(BERLIN):%Y-%m-%d %H:%M}" in line
    assert "no sources.yaml here, so no brands were matched" in flat(out)
    assert not (tmp_path / "data").exists()
    assert list(tmp_path.iterdir()) == []


def test_try_a_url_of_a_forum_recognises_the_engine_and_says_which_and_why(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    board, medical, _ = small_board()
    board.serve(feed_server)
    url = feed_server.url(board.list_path())

    result = run_monitor("try", "--type", "forum", url, "--pages", "3", cwd=tmp_path,
                         **LOOPBACK, **WIDE)  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert out.splitlines()[0] == (
        "engine: phpBB 3 (prosilver) (body#phpbb): preset phpbb (preset: auto)"
    )
    for post in medical.posts[3:]:
        assert board.permalink(post) in out
    assert "warning" not in out


def test_try_with_a_preset_whose_selectors_match_nothing_says_so(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    board, _, _ = small_board()
    board.serve(feed_server)
    url = feed_server.url(board.list_path())
    # Beside a sources.yaml (for its brands and hosts), a URL is still tried with --preset.
    write_sources(tmp_path, url)

    result = run_monitor("try", "--preset", "xenforo", url, "--pages", "1", cwd=tmp_path,
                         **LOOPBACK, **WIDE)  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    out = flat(result.stdout)
    assert "selector thread_row" in out
    assert "matched nothing on a page that is not a login wall" in out
    # Where to start instead: the preset whose selectors find this page's parts.
    assert "closest preset: phpbb (found 3 of thread_row, thread_link, thread_marker)" in out
    assert "engine: preset xenforo (XenForo 2.0 - 2.3), as the source names it" in out
    assert "no items: the page was fetched, but nothing in it was read as an item" in out
    assert "0 items mention a brand" in out
    assert len(feed_server.requests_for(board.list_path())) == 1
    assert not (tmp_path / "data").exists()
    # The same diagnosis in German, with nothing of the English catalogues in it.
    german = run_monitor("try", "--preset", "xenforo", url, "--pages", "1", cwd=tmp_path,
                         LANG="de_DE.UTF-8", **LOOPBACK, **WIDE)  # fmt: skip
    out = flat(german.stdout)
    assert "Warnung: " in out
    assert "der Selektor thread_row ('div.structItem--thread') fand nichts auf einer Seite" in out
    assert "nächstes Preset: phpbb (3 von thread_row, thread_link, thread_marker gefunden)" in out
    assert "Engine: Preset xenforo (XenForo 2.0 - 2.3), wie die Quelle es nennt" in out
    assert "keine Einträge: die Seite wurde abgerufen" in out
    assert not [fragment for fragment in english_fragments() if fragment in out]


def test_try_says_when_the_date_selector_misses_and_tries_another_with_selector(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    board, medical, _ = small_board(datetime_attribute=False)  # dates written as text only
    board.serve(feed_server)
    url = feed_server.url(board.list_path())
    write_sources(tmp_path, url)  # for its hosts: section (no delay)
    newest = medical.posts[-1]
    stamp = f"{newest.at.astimezone(BERLIN):%Y-%m-%d %H:%M}"

    # The preset reads the date from the byline's text when there is no <time datetime>.
    plain = run_monitor("try", "--preset", "phpbb", url, "--pages", "2", cwd=tmp_path,
                        **LOOPBACK, **WIDE)  # fmt: skip
    # A selector that only takes the attribute finds none, and says where to look.
    only_attribute = run_monitor("try", "--preset", "phpbb", url, "--pages", "2", "--selector",
                                 "date=p.author time@datetime", cwd=tmp_path, **LOOPBACK,
                                 **WIDE)  # fmt: skip
    wrong = run_monitor("try", "--preset", "phpbb", url, "--selector", "datum=p.author time",
                        cwd=tmp_path, **LOOPBACK, **WIDE)  # fmt: skip

    assert plain.returncode == 0, plain.stdout + plain.stderr
    (line,) = [line for line in plain.stdout.splitlines() if board.permalink(newest) in line]
    assert stamp in line
    assert "found no date" not in plain.stdout
    assert only_attribute.returncode == 0, only_attribute.stdout + only_attribute.stderr
    (line,) = [
        line for line in only_attribute.stdout.splitlines() if board.permalink(newest) in line
    ]
    assert "no date" in line
    assert "selector date ('p.author time@datetime') found no date in any post" in flat(
        only_attribute.stdout
    )
    assert wrong.returncode == 2
    assert "selectors.datum: unknown key" in wrong.stderr
    assert not (tmp_path / "data").exists()


def test_try_on_a_login_wall_says_it_is_a_login_page_and_exits_1(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.serve(
        "/viewforum.php?f=4", boards.LOGIN_WALL, content_type="text/html; charset=UTF-8"
    )
    write_sources(tmp_path, url)

    result = run_monitor("try", "Praxis-Forum", cwd=tmp_path, **LOOPBACK, **WIDE)

    assert result.returncode == 1, result.stdout + result.stderr
    err = flat(result.stderr)
    assert "served a login page instead of a list of threads" in err
    german = run_monitor("try", "Praxis-Forum", cwd=tmp_path, LANG="de_DE.UTF-8", **LOOPBACK,
                         **WIDE)  # fmt: skip
    said = flat(german.stderr)
    assert "lieferte statt einer Themenliste eine Anmeldeseite" in said
    assert not [fragment for fragment in english_fragments() if fragment in said]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()


def test_try_with_an_unknown_preset_exits_2_naming_the_known_ones(tmp_path: Path) -> None:
    result = run_monitor(
        "try", "--preset", "phpbb4", "https://forum.example.org/viewforum.php?f=1", cwd=tmp_path
    )

    assert result.returncode == 2
    err = flat(result.stderr)
    assert "unknown preset 'phpbb4'" in err
    for name in presets.names():
        assert name in err
    assert "Traceback" not in result.stderr


def test_try_shows_whole_permalinks_at_the_default_width(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    board, medical, _ = small_board(datetime_attribute=False)
    board.serve(feed_server)
    write_sources(tmp_path, feed_server.url(board.list_path()))

    result = run_monitor("try", "Praxis-Forum", cwd=tmp_path, **LOOPBACK)

    assert result.returncode == 0, result.stdout + result.stderr
    assert feed_server.url(board.permalink(medical.posts[0])) in result.stdout


def test_try_on_a_thread_url_shows_its_posts_and_asks_for_the_list_page(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    board, medical, _ = small_board()
    board.serve(feed_server)
    write_sources(tmp_path, feed_server.url(board.list_path()))
    thread_url = feed_server.url(board.thread_path(medical))

    tried = run_monitor("try", "--preset", "phpbb", thread_url, "--pages", "1", cwd=tmp_path,
                        **LOOPBACK, **WIDE)  # fmt: skip

    assert tried.returncode == 0, tried.stdout + tried.stderr
    out = flat(tried.stdout)
    assert "is a thread, not a list of threads" in out
    assert "give the board's list page" in out
    first = medical.posts[0]
    assert board.permalink(first) in tried.stdout
