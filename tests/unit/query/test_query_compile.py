"""Compiling many brands at once (timing belongs to bench/match.py, not here)."""

import random

import pytest

from monitor import domain
from monitor.errors import QuerySyntaxError
from monitor.query import BrandQuery, compile

SYLLABLES = ["ka", "lo", "mü", "ber", "ster", "vau", "de", "tex", "or", "an", "ßel", "qui"]


def generated(count, seed=7):
    rng = random.Random(seed)

    def name():
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()

    shapes = [
        lambda: name(),
        lambda: f'"{name()} {name()}"',
        lambda: f"{name()} -{name()}",
        lambda: f"({name()} OR {name()}) {name()}",
        lambda: f"{name()[:5]}*",
        lambda: f"{name()} NEAR/3 {name()}",
        lambda: f'title:"{name()} Bank" OR {name()}',
        lambda: f"{name()} site:example.com",
    ]
    return [BrandQuery(f"brand{i}", (rng.choice(shapes)(),)) for i in range(count)]


def test_ten_thousand_queries_compile_and_match():
    brands = generated(10_000)
    matcher = compile(brands)
    wanted = brands[1234]
    word = wanted.queries[0].strip('"()').split()[0].rstrip("*").removeprefix("title:")
    text = f"Heute neu: {word} und mehr."
    found = matcher.match(domain.Document("k", "https://example.com/", "", text))
    assert all(match.brand in {b.name for b in brands} for match in found)
    assert matcher.match(domain.Document("k", "https://x.org/", "", "nichts davon")) == []


def test_a_bad_query_fails_the_compile():
    with pytest.raises(QuerySyntaxError):
        compile([BrandQuery("ok", ("Vaude",)), BrandQuery("bad", ("(Vaude",))])


def test_a_bad_exclude_fails_the_compile():
    with pytest.raises(QuerySyntaxError):
        compile([BrandQuery("bad", ("Vaude",), exclude=('"Vaudeville',))])


def test_no_brands_match_nothing():
    assert compile([]).match(domain.Document("k", "https://x.org/", "t", "x")) == []
