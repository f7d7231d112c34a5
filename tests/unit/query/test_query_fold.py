"""Folding and tokenising: the same rules for queries and texts."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.query import fold

SAME = [
    ("Müller", "Mueller", "MÜLLER", "Muller", "MUELLER", "mu\u0308ller"),
    ("Straße", "Strasse", "STRASSE", "STRAẞE"),
    ("Ärzte", "Aerzte", "ärzte", "Arzte"),
    ("Öl", "Oel", "ol", "ÖL"),
    ("Café", "CAFÉ", "Cafe", "cafe\u0301"),
    ("Søren", "Soren"),
    ("ﬁnanz", "Finanz"),
]


@pytest.mark.parametrize("spellings", SAME)
def test_spellings_fold_alike(spellings):
    assert len({fold.fold_word(word) for word in spellings}) == 1


@pytest.mark.parametrize(
    ("first", "second"),
    [("Vaude", "Vaudeville"), ("Bank", "Banken"), ("Kaffee", "Kaffe"), ("See", "Se")],
)
def test_different_words_stay_different(first, second):
    assert fold.fold_word(first) != fold.fold_word(second)


def test_documented_false_positive_of_the_ue_rule():
    assert fold.fold_word("Quelle") == fold.fold_word("Qülle") == "qulle"


def test_tokens_split_at_hyphen_apostrophe_and_line_break_with_original_offsets():
    text = "Vaude-Jacke, Vaude's\nVaude’s Vaudeville Müller_2"
    found = list(fold.tokens(text))
    assert [token.folded for token in found] == [
        "vaude",
        "jacke",
        "vaude",
        "s",
        "vaude",
        "s",
        "vaudeville",
        "muller_2",
    ]
    assert [text[token.start : token.end] for token in found][:2] == ["Vaude", "Jacke"]


def test_word_regex_and_predicate_agree_on_the_basic_plane():
    for code in range(0x10000):
        char = chr(code)
        assert (fold.WORD.fullmatch(char) is not None) == fold.is_word_char(char), hex(code)


def test_every_mark_of_the_basic_plane_is_a_word_character():
    for code in range(0x10000):
        if unicodedata.category(chr(code)).startswith("M"):
            assert fold.is_word_char(chr(code)), hex(code)


@given(st.text())
def test_folding_is_idempotent(word):
    once = fold.fold_word(word)
    assert fold.fold_word(once) == once


@given(st.one_of(st.text(), st.text(st.characters(max_codepoint=0x2FF))))
def test_split_finds_what_the_word_regex_finds(text):
    words, starts = fold.split(text)
    assert [(m.group(), m.start()) for m in fold.word_regex(text).finditer(text)] == list(
        zip(words, starts, strict=True)
    )


@given(st.text())
def test_tokens_are_words_of_the_original_text(text):
    for token in fold.tokens(text):
        piece = text[token.start : token.end]
        assert fold.word_regex(text).fullmatch(piece)
        assert token.folded == fold.fold_word(piece)
