"""What matches what: one table over every operator and the German cases."""

import random

import pytest

from monitor import domain
from monitor.query import BrandQuery, compile, evaluate, explain, parse

TEXT = "Die neue Vaude-Jacke von Müller-Medical hält warm."


def doc(text="", title="", **fields):
    return domain.Document(
        key="k", url=fields.pop("url", "https://example.com/p/1"), title=title, text=text, **fields
    )


def matched(query, document, exclude=()):
    matcher = compile([BrandQuery("Brand", (query,), tuple(exclude))])
    return bool(matcher.match(document))


CASES = [
    # scripts written without spaces: each character a word, a brand a phrase of them
    ("ヴァウデ", "ヴァウデの新しいジャケット", True),
    ("ヴァウデ", "ヴァウの新しいジャケット", False),
    ("Vaude", "Vaudeの新しいジャケット", True),
    ('"Müller Medical"', "新しいMüller Medicalの機器", True),
    ("威德", "我喜欢威德的外套", True),
    ("威德 NEAR/2 外套", "我喜欢威德的外套", True),
    ("วาวเด", "ฉันซื้อวาวเดใหม่", True),
    ("วาวเด", "ฉันซื้อวาวใหม่", False),
    ("Vaude", "Vaudeville", False),  # Latin words stay whole next to them
    # words: whole words only, any case, hyphen and apostrophe end a word
    ("Vaude", "Vaude", True),
    ("Vaude", "VAUDE rocks", True),
    ("Vaude", "eine Vaude-Jacke", True),
    ("Vaude", "Vaude's Jacke", True),
    ("Vaude", "Vaude’s Jacke", True),
    ("Vaude", "Vaudeville am Abend", False),
    ("Vaude", "XVaude", False),
    ("vaude", "#vaude @vaude_fan", True),
    # German folding, both ways
    ("Müller", "Mueller", True),
    ("Müller", "MÜLLER", True),
    ("Müller", "Muller", True),
    ("Mueller", "Müller", True),
    ("Muller", "MUELLER", True),
    ("Straße", "STRASSE", True),
    ("Strasse", "Straße", True),
    ("Ärzte", "Aerzte", True),
    ("Öko", "OEKO", True),
    ("Café", "cafe", True),
    ("cafe", "Café", True),
    ("Müller", "Müll", False),
    # phrases: consecutive words across space, hyphen and line-break variants
    ('"Müller Medical"', "bei Müller-Medical heute", True),
    ('"Müller Medical"', "bei Müller  Medical heute", True),
    ('"Müller Medical"', "bei Müller\nMedical heute", True),
    ('"Müller Medical"', "bei MUELLER MEDICAL heute", True),
    ('"Müller Medical"', "Müller sagt, Medical ist gut", False),
    ('"Müller Medical"', "Medical Müller", False),
    ("Müller-Medical", "Mueller Medical", True),
    # nested brands: "X" and "X Bank"
    ('"Sparda"', "die Sparda Bank", True),
    ('"Sparda Bank"', "die Sparda ist da", False),
    ('"Sparda Bank"', "die Sparda-Bank", True),
    # AND, implicit and keyword
    ("Vaude Jacke", "Jacke von Vaude", True),
    ("Vaude Jacke", "Vaude Hose", False),
    ("Vaude AND Jacke", "Vaude Hose", False),
    # OR
    ("Vaude OR Deuter", "ein Deuter Rucksack", True),
    ("Vaude | Deuter", "ein Deuter Rucksack", True),
    ("Vaude OR Deuter", "ein Rucksack", False),
    ("Vaude Jacke OR Deuter", "Deuter", True),
    ("Vaude (Jacke OR Hose)", "Vaude Hose", True),
    ("Vaude (Jacke OR Hose)", "Vaude Schuh", False),
    # NOT
    ("Vaude -Vaudeville", "Vaude und Vaudeville", False),
    ("Vaude NOT Jacke", "Vaude Hose", True),
    ("Vaude NOT Jacke", "Vaude Jacke", False),
    ("Vaude -(Jacke OR Hose)", "Vaude Hose", False),
    ('Vaude -"Vaude Jacke"', "Vaude Jacke", False),
    ('Vaude -"Vaude Jacke"', "Vaude und Jacke", True),
    # wildcards: prefix of a word
    ("kompression*", "Kompressionsstrümpfe", True),
    ("kompression*", "Kompression", True),
    ("kompression*", "Dekompression", False),
    ("strümpf*", "Kompressionsstruempfe und Struempfe", True),
    ("Vaude-Jack*", "Vaude-Jacken", True),
    ("Vaude-Jack*", "Vaude Hose Jacken", False),
    # NEAR/n: at most n words between, either order, same field
    ("Vaude NEAR/2 Jacke", "Vaude Jacke", True),
    ("Vaude NEAR/2 Jacke", "Vaude rote warme Jacke", True),
    ("Vaude NEAR/2 Jacke", "Vaude rote warme dicke Jacke", False),
    ("Vaude NEAR/2 Jacke", "Jacke rote warme Vaude", True),
    ("Vaude NEAR/1 Jacke", "Vaude-Jacke", True),
    ('"Müller Medical" NEAR/1 GmbH', "Müller Medical, die GmbH", True),
    ("(Vaude OR Deuter) NEAR/1 Jacke", "Deuter Jacke", True),
    ("Vaude NEAR/1 Vaude", "Vaude", False),
    ("Vaude NEAR/1 Vaude", "Vaude Vaude", True),
    # ONEAR/n: ordered
    ("Vaude ONEAR/2 Jacke", "Vaude rote Jacke", True),
    ("Vaude ONEAR/2 Jacke", "Jacke rote Vaude", False),
    # numbers, URLs and times are words too
    ("12:30", "um 12.30 Uhr", True),
    ("https://vaude.com", "siehe https://vaude.com/de", True),
    ('"Vaude 2024"', "Vaude 2024", True),
]


@pytest.mark.parametrize(("query", "text", "expected"), CASES)
def test_match_table(query, text, expected):
    document = doc(text)
    assert matched(query, document) is expected
    assert explain(query, document).matched is expected


def test_phrase_never_spans_title_and_text():
    document = doc("Medical Produkte", title="Neues von Müller")
    assert not matched('"Müller Medical"', document)
    assert matched("Müller Medical", document)


def test_near_never_spans_title_and_text():
    assert not matched("Müller NEAR/5 Medical", doc("Medical", title="Müller"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("title:Vaude", True),
        ("title:Jacke", False),
        ('title:"Vaude Test"', True),
        ("title:vau*", True),
        ("author:Müller", True),
        ('author:"Anna Mueller"', True),
        ("author:Vaude", False),
        ("Jacke site:example.com", True),
        ("Jacke site:shop.example.com", True),
        ("Jacke site:ample.com", False),
        ("Jacke site:example.com.au", False),
        ("Jacke lang:de", True),
        ("Jacke lang:DE-at", True),
        ("Jacke lang:en", False),
        ("Jacke -lang:de", False),
        ("site:example.com", True),
    ],
)
def test_field_filters(query, expected):
    document = doc(
        "Eine Jacke.",
        title="Vaude Test",
        author="Anna Müller",
        url="https://shop.example.com/p/1",
        language="de-AT",
    )
    assert matched(query, document) is expected
    assert explain(query, document).matched is expected


def test_lang_filter_without_document_language_does_not_match():
    assert not matched("Jacke lang:de", doc("Jacke"))


def test_exclude_vetoes_the_brand():
    document = doc("Vaude im Vaudeville-Theater")
    assert matched("Vaude", document)
    assert not matched("Vaude", document, exclude=["Vaudeville"])
    assert matched("Vaude", document, exclude=['"Vaude Theater"'])


def test_several_queries_are_alternatives_and_results_keep_brand_order():
    matcher = compile(
        [
            BrandQuery("Zeta", ("Deuter",)),
            BrandQuery("Alpha", ("nichtda", '"Müller Medical"')),
            BrandQuery("Gamma", ("nichtda",)),
        ]
    )
    found = matcher.match(doc("Deuter und Müller-Medical"))
    assert [match.brand for match in found] == ["Zeta", "Alpha"]


def test_terms_are_the_matched_terms_as_written():
    matcher = compile(
        [BrandQuery("B", ('"Müller Medical" OR kompression* OR Vaude OR Deuter -Hose',))]
    )
    (match,) = matcher.match(doc("Kompressionsstrümpfe von Mueller-Medical, sagt Vaude."))
    assert match.terms == ('"Müller Medical"', "kompression*", "Vaude")


def test_near_reports_only_occurrences_within_reach():
    matcher = compile([BrandQuery("B", ("Vaude NEAR/1 Jacke",))])
    text = "Vaude hier. " + "Füllwort " * 30 + "Vaude Jacke"
    (match,) = matcher.match(doc(text))
    marked = [match.snippet.text[start:end] for start, end in match.snippet.marks]
    assert marked == ["Vaude", "Jacke"]


def test_query_matching_only_by_site_gets_a_snippet_without_marks():
    matcher = compile([BrandQuery("Own forum", ("site:example.com",))])
    (match,) = matcher.match(doc("Hallo Welt"))
    assert match.terms == ("site:example.com",)
    assert match.snippet == domain.Snippet("Hallo Welt", ())


def test_explanation_reads_step_by_step():
    document = doc("Bei Mueller-Medical gibt es Kompressionsstrümpfe.", title="Test")
    explanation = explain('"Müller Medical" kompression* -Vaude', document)
    assert explanation.matched
    text = str(explanation)
    assert text.splitlines()[0] == 'MATCH: "Müller Medical" kompression* -Vaude'
    assert "✓ AND" in text
    assert '✓ "Müller Medical"  (phrase in title or text: found 1×)' in text
    assert "in text at 4: Bei [Mueller-Medical] gibt es" in text
    assert "✗ Vaude  (word in title or text: not found)" in text
    assert "✓ NOT" in text


def test_explanation_of_a_miss():
    explanation = explain("Vaude ONEAR/1 Jacke", doc("Jacke von Vaude"))
    assert not explanation.matched
    assert explanation.lines()[0] == "NO MATCH: Vaude ONEAR/1 Jacke"
    assert "✗ ONEAR/1  (at most 1 word between, left one first)" in explanation.lines()[1]


def test_near_finds_exactly_the_pairs_a_pairwise_comparison_finds() -> None:
    """NEAR looks its right side up by position (linear), not by comparing every pair; on
    texts full of both terms it must find the same matches as the pairwise definition."""
    rng = random.Random(7)
    for _ in range(200):
        words = [rng.choice(["vaude", "jacke", "x", "y"]) for _ in range(rng.randint(1, 40))]
        distance, ordered = rng.randint(1, 4), rng.random() < 0.5
        operator = f"ONEAR/{distance}" if ordered else f"NEAR/{distance}"
        node = parse(f"vaude {operator} jacke")
        document = domain.Document(
            key="k", url="https://x.example/", title="", text=" ".join(words)
        )
        found = evaluate.evaluate(node, evaluate.Index(document))
        a = [i for i, w in enumerate(words) if w == "vaude"]
        b = [i for i, w in enumerate(words) if w == "jacke"]
        pairs = {
            (min(i, j), max(i, j)) for i in a for j in b
            if (0 <= j - i - 1 <= distance) or (not ordered and 0 <= i - j - 1 <= distance)
        }  # fmt: skip
        assert found.matched == bool(pairs), (words, operator)
        assert {(s.first, s.last) for s in found.spans} == pairs, (words, operator)


def forms_matched(query, text, word_forms=True, exclude=()):
    matcher = compile([BrandQuery("Brand", (query,), tuple(exclude), word_forms)])
    return [m.snippet.text[a:b] for m in matcher.match(doc(text)) for a, b in m.snippet.marks]


@pytest.mark.parametrize(
    ("query", "text", "marked"),
    [
        ("Vaude", "Vaudes neue Jacke hält warm.", ["Vaudes"]),  # German genitive
        ("Vaude", "Vaude's new jacket", ["Vaude"]),  # the possessive is two words
        ("Müller", "In Muellers Laden", ["Muellers"]),  # the -s after ue/ü spellings
        ("Haus", "Die Farbe des Hauses", ["Hauses"]),  # -es
        ("Jacke", "Drei Jackes? Nein: Jacken.", ["Jackes"]),  # -s only, not -n
        ('"Sparda Bank"', "die Sparda Banks im Süden", ["Sparda Banks"]),  # a phrase's end
        ('"Sparda Bank"', "die Spardas Bank", []),  # not inside a phrase
        ("Vaude NEAR/2 Jacke", "Jackes von Vaudes", ["Jackes", "Vaudes"]),
        ("Vaude", "Vaudeville und Vaudesse", []),  # other endings stay other words
        ("Vaude*", "Vaudes", ["Vaudes"]),
    ],
)
def test_words_match_their_s_and_es_forms(query, text, marked):
    assert forms_matched(query, text) == marked


def test_word_forms_off_matches_only_the_word_as_written():
    assert forms_matched("Vaude", "Vaudes neue Jacke", word_forms=False) == []
    assert forms_matched("Vaude", "Vaude's neue Jacke", word_forms=False) == ["Vaude"]


def test_the_clashes_word_forms_cause_and_how_to_avoid_them():
    # A brand that is also a common word meets that word's own -s/-es forms: "Alle"
    # (a brand of the test) and "alles" (everything), "Gut" and "gutes" (good).
    assert forms_matched("Alle", "Das ist alles.") == ["alles"]
    assert forms_matched("Gut", "ein gutes Angebot") == ["gutes"]
    # Either switch the forms off for the brand, or exclude the clashing word: an
    # exclusion takes its own forms, so "alles" vetoes "alles" but "Alle" still matches.
    assert forms_matched("Alle", "Das ist alles.", word_forms=False) == []
    assert forms_matched("Alle", "Das ist alles.", exclude=['"ist alles"']) == []
    assert forms_matched("Alle", "Alle kaufen bei Alle.", exclude=['"ist alles"']) == [
        "Alle", "Alle"
    ]  # fmt: skip


def test_author_names_are_compared_as_written():
    document = doc("text", author="Anna Bergers")
    matcher = compile([BrandQuery("B", ('author:"Anna Berger"',))])
    assert matcher.match(document) == []
