"""Parsing: the tree a query becomes, and the errors an admin sees."""

import pytest

from monitor.errors import QuerySyntaxError
from monitor.query import nodes, parse


def test_precedence_not_then_near_then_and_then_or():
    # NOT binds tighter than NEAR, so NEAR gets "-c" and must refuse it.
    with pytest.raises(QuerySyntaxError):
        parse("a b NEAR/3 -c OR d")
    tree = parse("a b NEAR/3 c OR d")
    assert isinstance(tree, nodes.Or)
    left, _right = tree.children
    assert isinstance(left, nodes.And)
    assert isinstance(left.children[1], nodes.Near)
    assert nodes.render(tree) == "((a (b NEAR/3 c)) OR d)"


@pytest.mark.parametrize(
    ("query", "rendered"),
    [
        ("a AND b", "(a b)"),
        ("a | b", "(a OR b)"),
        ("a NOT b", "(a NOT b)"),
        ("a -(b OR c)", "(a NOT (b OR c))"),
        ("(a OR b) ONEAR/2 c", "((a OR b) ONEAR/2 c)"),
        ("a NEAR/1 b NEAR/2 c", "((a NEAR/1 b) NEAR/2 c)"),
        ('title:"Müller Medical" author:Ann', '(title:"Müller Medical" author:Ann)'),
        ("site:Example.COM. lang:DE x", "(site:Example.COM. lang:DE x)"),
        ("or and not near", "(or and not near)"),
        ("https://example.com/x 12:30 Hinweis:", "(https://example.com/x 12:30 Hinweis:)"),
        ("„Müller Medical“", '"Müller Medical"'),
    ],
)
def test_shapes(query, rendered):
    assert nodes.render(parse(query)) == rendered


def test_leaves_hold_folded_words_and_what_the_admin_wrote():
    tree = parse('"Müller-Medical GmbH" kompres*')
    assert isinstance(tree, nodes.And)
    phrase, wildcard = tree.children
    assert phrase == nodes.Words(("muller", "medical", "gmbh"), '"Müller-Medical GmbH"', 1)
    assert wildcard == nodes.Words(("kompres",), "kompres*", 23, wildcard=True)


def test_unquoted_hyphenated_term_is_a_phrase():
    assert parse("Vaude-Jacke") == nodes.Words(("vaude", "jacke"), "Vaude-Jacke", 1)


def test_field_filters():
    tree = parse("site:shop.example.com lang:de_AT title:vaude*")
    assert isinstance(tree, nodes.And)
    site, lang, title = tree.children
    assert site == nodes.Site("shop.example.com", "site:shop.example.com", 1)
    assert lang == nodes.Lang("de-at", "lang:de_AT", 23)
    assert title == nodes.Words(("vaude",), "title:vaude*", 34, "title", wildcard=True)


@pytest.mark.parametrize(
    ("query", "message", "column"),
    [
        ("", "empty query", 1),
        ("   ", "empty query", 1),
        ("(a b", "unclosed parenthesis", 1),
        ("x (a (b) c", "unclosed parenthesis", 3),
        ("a b)", "unmatched closing parenthesis", 4),
        ("(a) b) c", "unmatched closing parenthesis", 6),
        ("()", "empty parentheses", 1),
        ('a "b c', "unterminated quote", 3),
        ("a OR", "OR needs a term on both sides", 3),
        ("OR a", "OR needs a term on both sides", 1),
        ("a OR OR b", "OR needs a term on both sides", 3),
        ("a | ", "| needs a term on both sides", 3),
        ("(a OR) b", "OR needs a term on both sides", 4),
        ("a AND", "AND needs a term on both sides", 3),
        ("a NOT", "NOT needs a term after it", 3),
        ("a - b", "'-' must stand right before the term it excludes", 3),
        ("a NEAR/3", "NEAR/3 needs a term on both sides", 3),
        ("NEAR/3 a", "NEAR/3 needs a term on both sides", 1),
        ("a NEAR b", "NEAR needs a distance, like NEAR/5", 3),
        ("a NEAR/0 b", "NEAR distance must be a positive integer", 3),
        ("a ONEAR/x b", "ONEAR distance must be a positive integer", 3),
        ("a NEAR/-2 b", "NEAR distance must be a positive integer", 3),
        ("(a b) NEAR/2 c", "NEAR/2 needs words or phrases on both sides", 7),
        ("a NEAR/2 site:x.de", "NEAR/2 needs words or phrases on both sides", 3),
        ("vaude foo:bar", "unknown field 'foo:'", 7),
        ("title:", "title: needs a word or a quoted phrase", 1),
        ("x site:a/b", "site: needs a host name", 3),
        ("k*", "a wildcard needs at least 2 letters before *", 1),
        ("x ü*", "a wildcard needs at least 2 letters before *", 3),
        ("a &", "'&' has no letters or digits", 3),
        ('a "!!"', "phrase has no letters or digits", 3),
        ("-a", "query needs at least one positive term", 1),
        ("NOT a -b", "query needs at least one positive term", 1),
        ("a OR -b", "query needs at least one positive term", 6),
        ("(-a -b) OR c", "query needs at least one positive term", 2),
    ],
)
def test_syntax_errors_name_the_problem_and_column(query, message, column):
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    assert caught.value.message.startswith(message), caught.value.message
    assert caught.value.column == column


def test_negation_inside_an_anchored_query_is_fine():
    assert nodes.render(parse("a -b (c OR d) -e")) == "(a NOT b (c OR d) NOT e)"
