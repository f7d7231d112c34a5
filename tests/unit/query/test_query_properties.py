"""Properties: the prefilter never loses a match, and spelling variants never matter."""

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor import domain
from monitor.query import BrandQuery, compile, evaluate, fold, matcher, prefilter
from tests.conftest import examples

VOCABULARY = [
    "Müller", "Mueller", "Medical", "Straße", "Strasse", "Ärzte", "Öl", "Quelle", "Frequenz",
    "Vaude", "Vaudeville", "Jacke", "Bank", "Sparda", "kompression", "Kompressionsstrümpfe",
    "über", "ueber", "Café", "the", "and", "Søren", "e", "ee", "Ue", "aee",
]  # fmt: skip
LETTERS = "aeouäöüßsnmlrtyAEOUÄÖÜẞ"
SEPARATORS = [" ", "  ", "-", "\n", "'", "’", ", ", ". "]

words = st.one_of(st.sampled_from(VOCABULARY), st.text(LETTERS, min_size=1, max_size=8))


@st.composite
def texts(draw):
    parts = draw(st.lists(st.tuples(words, st.sampled_from(SEPARATORS)), max_size=25))
    return "".join(word + separator for word, separator in parts)


def quoted(draw):
    return '"' + " ".join(draw(st.lists(words, min_size=1, max_size=3))) + '"'


@st.composite
def terms(draw):
    kind = draw(st.sampled_from(["word", "phrase", "wildcard", "title"]))
    if kind == "phrase":
        return quoted(draw)
    word = draw(words)
    if kind == "wildcard":
        return word + "*" if len(fold.fold_word(word)) >= 2 else word
    return ("title:" if kind == "title" else "") + word


@st.composite
def queries(draw, depth=2):
    if depth == 0 or draw(st.booleans()):
        return draw(terms())
    left, right = draw(queries(depth=depth - 1)), draw(queries(depth=depth - 1))
    shape = draw(st.sampled_from(["and", "or", "not", "near", "onear"]))
    if shape in ("near", "onear"):
        left, right = draw(terms()), draw(terms())
        left, right = (left.removeprefix("title:"), right.removeprefix("title:"))
        distance = draw(st.integers(1, 4))
        return f"({left} {shape.upper()}/{distance} {right})"
    return {"and": f"({left} {right})", "or": f"({left} OR {right})", "not": f"({left} -{right})"}[
        shape
    ]


def brands_of(query_list):
    return [BrandQuery(f"B{number}", (query,)) for number, query in enumerate(query_list)]


def exact(brands, document):
    """Every brand's tree on the document, without the prefilter."""
    index = evaluate.Index(document)
    return [b.name for b in brands if evaluate.evaluate(matcher.brand_tree(b), index).matched]


def names(found):
    return [match.brand for match in found]


def exact_matches(brands, document):
    """What `compile(brands).match` must return, from every brand's tree on the whole
    document: no prefilter, no windows."""
    index = evaluate.Index(document)
    found = []
    for brand in brands:
        outcome = evaluate.evaluate(matcher.brand_tree(brand), index)
        if outcome.matched:
            found.append(domain.Match(brand.name, outcome.terms, matcher._snippet(outcome, index)))
    return found


FILLER = st.lists(st.sampled_from(["Jacke", "Regen", "the", "Wetter", "über", "Sée"]), max_size=60)


@settings(max_examples=examples(300))
@given(st.lists(queries(), min_size=1, max_size=6), texts(), FILLER, FILLER, texts())
def test_reading_only_where_keys_were_found_changes_nothing(query_list, text, before, after, title):
    # Long texts with the words in the middle: evaluation reads only a window of them,
    # which must give the same brands, terms and snippets as reading everything.
    brands = brands_of(query_list)
    long_text = " ".join(before) + " " + text + " " + " ".join(after)
    doc = document(long_text, title)
    assert compile(brands).match(doc) == exact_matches(brands, doc)


def document(text, title=""):
    return domain.Document("k", "https://example.com/", title, text)


@settings(max_examples=examples(300))
@given(st.lists(queries(), min_size=1, max_size=8), texts(), texts())
def test_prefilter_never_loses_a_match(query_list, text, title):
    brands = brands_of(query_list)
    doc = document(text, title)
    assert names(compile(brands).match(doc)) == exact(brands, doc)
    assert compile(brands).match(doc) == exact_matches(brands, doc)


@settings(max_examples=examples(300))
@given(st.text(), st.integers(min_value=1, max_value=5))
def test_every_word_of_any_text_is_found_by_its_key(text, prefix_length):
    sketched = prefilter.sketch("title", text)
    for token in fold.tokens(text):
        if token.folded:
            assert prefilter.key(token.folded, prefix=False) in sketched, token
            assert prefilter.key(token.folded[:prefix_length], prefix=True) in sketched, token


VARIANTS = [
    str.upper,
    str.lower,
    str.swapcase,
    lambda t: t.replace("ü", "ue").replace("ä", "ae").replace("ö", "oe"),
    lambda t: t.replace("Ü", "Ue").replace("Ä", "AE").replace("Ö", "Oe"),
    lambda t: t.replace("ue", "ü").replace("ae", "ä").replace("oe", "ö"),
    lambda t: t.replace("ß", "ss").replace("ẞ", "SS"),
    lambda t: t.replace("ss", "ß"),
]


@settings(max_examples=examples(300))
@given(
    st.lists(queries(), min_size=1, max_size=6),
    texts(),
    st.sampled_from(range(len(VARIANTS))),
)
def test_matching_ignores_case_umlaut_and_sharp_s_spellings(query_list, text, variant):
    matcher_ = compile(brands_of(query_list))
    changed = VARIANTS[variant](text)
    assert names(matcher_.match(document(text))) == names(matcher_.match(document(changed)))


@settings(max_examples=examples(200))
@given(texts(), st.sampled_from(range(len(VARIANTS))))
def test_a_query_matches_its_own_text_in_any_spelling(text, variant):
    query_words = [token for token in fold.tokens(text) if token.folded]
    if not query_words:
        return
    phrase = '"' + text + '"'
    matcher_ = compile(brands_of([phrase]))
    assert names(matcher_.match(document(VARIANTS[variant](text)))) == ["B0"]


@given(st.one_of(texts(), st.text(), st.text(st.characters(max_codepoint=0x2FF))))
def test_field_offsets_are_those_of_the_word_regex(text):
    field = evaluate.Field(text)
    expected = [found.span() for found in fold.word_regex(text).finditer(text)]
    assert [field.span(i, i) for i in range(len(field.words))] == expected
    assert field.folded == [fold.fold_word(text[start:end]) for start, end in expected]


def test_a_word_cut_by_the_window_start_is_not_read_as_a_word():
    # The e's before the hit are dropped from the sketch, so the window starts up to that
    # many characters early: inside "Vaudeville" for some counts, whose tail "ville" must
    # not count as an occurrence of the query word.
    brands = brands_of(["ville"])
    for count in range(30):
        doc = document("e" * count + " Vaudeville ville")
        assert compile(brands).match(doc) == exact_matches(brands, doc), count


def test_a_word_cut_by_the_window_end_is_read_whole():
    # The window ends as many characters after the hit as the text has e's (the sketch
    # drops them): inside "Vaudeville" for some counts, whose head "Vaud" must not count
    # as the word "Vaud".
    brands = brands_of(["ville OR vaud"])
    for count in range(30):
        doc = document("ville Vaudeville " + "e" * count)
        assert compile(brands).match(doc) == exact_matches(brands, doc), count
