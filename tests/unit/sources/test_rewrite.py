"""Brand queries said in each engine's syntax: only ever wider, never narrower."""

from __future__ import annotations

import pytest

from monitor.errors import QuerySyntaxError
from monitor.sources import rewrite

# query, google, reddit, plain, hashtag
TABLE = [
    ("Vaude", ("Vaude",), ("Vaude",), ("Vaude",), ("Vaude",)),
    ('"Müller Medical"', ('"Müller Medical"',), ('"Müller Medical"',), ("Müller Medical",),
     ("MüllerMedical",)),
    ('"Müller Medical" OR MüMed', ('"Müller Medical" OR MüMed',), ('"Müller Medical" OR MüMed',),
     ("Müller Medical", "MüMed"), ("MüllerMedical", "MüMed")),
    ("Vaude -Vaudeville", ("Vaude -Vaudeville",), ("Vaude NOT Vaudeville",), ("Vaude",),
     ("Vaude",)),
    ("Vaude NOT \"Vaude Sport\"", ('Vaude -"Vaude Sport"',), ('Vaude NOT "Vaude Sport"',),
     ("Vaude",), ("Vaude",)),
    ("Vaude NEAR/5 Jacke", ("Vaude Jacke",), ("Vaude Jacke",), ("Vaude Jacke",), ("Vaude",)),
    ("Vaude ONEAR/2 (Jacke OR Hose)", ("Vaude (Jacke OR Hose)",), ("Vaude (Jacke OR Hose)",),
     ("Vaude Jacke Hose",), ("Vaude",)),
    ('title:"Müller Medical" site:example.de lang:de',
     ('intitle:"Müller Medical" site:example.de',), ('title:"Müller Medical" site:example.de',),
     ("Müller Medical",), ("MüllerMedical",)),
    ("author:hans Vaude", ("hans Vaude",), ("hans Vaude",), ("hans Vaude",), ("hans",)),
    ("kompression* Strumpf", ("kompression Strumpf",), ("kompression Strumpf",),
     ("kompression Strumpf",), ("kompression",)),
    ("(Vaude OR Deuter) Rucksack -test", ("(Vaude OR Deuter) Rucksack -test",),
     ("(Vaude OR Deuter) Rucksack NOT test",), ("Vaude Deuter Rucksack",), ("Vaude",)),
    ("(a b) OR (c -d)", ("(a b) OR (c -d)",), ("(a b) OR (c NOT d)",), ("a b", "c"), ("a", "c")),
    ('Vaude -(a OR "b c")', ('Vaude -a -"b c"',), ('Vaude NOT a NOT "b c"',), ("Vaude",),
     ("Vaude",)),
    # A NOT of an AND cannot be said: dropped (wider).
    ("Vaude -(a b)", ("Vaude",), ("Vaude",), ("Vaude",), ("Vaude",)),
    # An alternative that cannot be said: the OR would narrow, so it is dropped entirely.
    ("(Vaude OR lang:de) Jacke", ("Jacke",), ("Jacke",), ("Vaude Jacke",), ("Vaude",)),
    ("Vaude OR (Deuter lang:en)", ("Vaude OR Deuter",), ("Vaude OR Deuter",),
     ("Vaude", "Deuter"), ("Vaude", "Deuter")),
    ("lang:de", (), (), (), ()),
    ("Vaude OR vaude", ("Vaude OR vaude",), ("Vaude OR vaude",), ("Vaude",), ("Vaude",)),
    ("Vaude-Jacke", ("Vaude-Jacke",), ("Vaude-Jacke",), ("Vaude-Jacke",), ("VaudeJacke",)),
]  # fmt: skip


@pytest.mark.parametrize(("text", "google", "reddit", "plain", "hashtag"), TABLE)
def test_each_mode(
    text: str, google: tuple[str, ...], reddit: tuple[str, ...], plain: tuple[str, ...],
    hashtag: tuple[str, ...],
) -> None:  # fmt: skip
    assert rewrite.search_strings(text, "google") == google
    assert rewrite.search_strings(text, "reddit") == reddit
    assert rewrite.search_strings(text, "plain") == plain
    assert rewrite.search_strings(text, "hashtag") == hashtag


@pytest.mark.parametrize("text", [row[0] for row in TABLE])
def test_none_sends_the_query_as_written(text: str) -> None:
    assert rewrite.search_strings(f"  {text} ", "none") == (text,)


def test_a_broken_query_is_a_syntax_error() -> None:
    with pytest.raises(QuerySyntaxError):
        rewrite.search_strings('"open', "google")
