"""Snippets: short, cut between words, marks on the matched words, text as written."""

import pytest

from monitor import domain
from monitor.query import BrandQuery, compile, fold, snippet

FILLER = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. "


def only_match(query, text, title="T"):
    matcher = compile([BrandQuery("B", (query,))])
    (match,) = matcher.match(domain.Document("k", "https://x.de/", title, text))
    return match


def marked(result):
    return [result.text[start:end] for start, end in result.marks]


def test_short_text_is_shown_whole():
    result = only_match("Vaude", "Eine Jacke von Vaude.")
    assert result.snippet == domain.Snippet("Eine Jacke von Vaude.", ((15, 20),))


def test_long_text_is_cut_at_word_boundaries_with_ellipses():
    text = FILLER * 5 + "Die Müller-Medical GmbH liefert. " + FILLER * 5
    result = only_match('"Mueller Medical"', text).snippet
    assert result.text.startswith("…")
    assert result.text.endswith("…")
    body = result.text.strip("…")
    assert len(body) <= snippet.WIDTH
    start = text.index(body)
    end = start + len(body)
    assert not (fold.is_word_char(text[start - 1]) and fold.is_word_char(text[start]))
    assert not (fold.is_word_char(text[end - 1]) and fold.is_word_char(text[end]))
    assert marked(result) == ["Müller-Medical"]


def test_marks_every_occurrence_inside_the_window_and_keeps_umlauts():
    text = "Über Müller: MÜLLER und Mueller, dazu Muller. " + FILLER * 6 + "Müller am Ende."
    result = only_match("Müller", text).snippet
    assert marked(result) == ["Müller", "MÜLLER", "Mueller", "Muller"]
    assert result.text.startswith("Über Müller: MÜLLER")
    assert result.marks == tuple(sorted(result.marks))


def test_when_only_the_title_matches_the_snippet_is_the_start_of_the_text():
    # The mail shows the title above: the snippet says what the post or review says.
    result = only_match("Vaude", "Nichts hier.", title="Vaude testet Jacken").snippet
    assert result == domain.Snippet("Nichts hier.", ())


def test_the_title_is_the_snippet_when_there_is_no_text():
    result = only_match("Vaude", "", title="Vaude testet Jacken").snippet
    assert result == domain.Snippet("Vaude testet Jacken", ((0, 5),))


def test_text_hit_wins_over_title_hit():
    result = only_match("Vaude", "Im Text steht Vaude.", title="Vaude").snippet
    assert result.text == "Im Text steht Vaude."


def test_hit_near_the_end_fills_the_window_from_the_left():
    text = FILLER * 6 + "Schluss mit Vaude"
    result = snippet.make(text, [(len(text) - 5, len(text))])
    assert result.text.startswith("…")
    assert not result.text.endswith("…")
    assert len(result.text) > snippet.WIDTH * 0.8
    assert marked(result) == ["Vaude"]


@pytest.mark.parametrize("width", [10, 50, 200])
def test_length_bound(width):
    text = "wort " * 200
    result = snippet.make(text, [(500, 504)], width)
    assert len(result.text) <= width + 2
    assert marked(result) == ["wort"]


def test_a_hit_longer_than_the_window_is_shown_whole():
    text = "a " * 50 + "x" * 300 + " b"
    result = snippet.make(text, [(100, 400)], 200)
    assert marked(result) == ["x" * 300]


def test_overlapping_marks_merge():
    result = snippet.make("Müller Medical GmbH", [(0, 14), (7, 19)])
    assert result.marks == ((0, 19),)


def test_without_spans_the_start_of_the_text():
    result = snippet.make(FILLER * 5, [])
    assert result.text.startswith("Lorem ipsum")
    assert result.text.endswith("…")
    assert result.marks == ()
