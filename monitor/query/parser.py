"""Query text to a tree of `nodes`, by recursive descent.

Grammar, loosest binding first (NOT binds tightest, OR loosest)::

    query   := all ( ("OR" | "|") all )*
    all     := near ( "AND"? near )*          juxtaposition is AND
    near    := unary ( ("NEAR/n" | "ONEAR/n") unary )*   left-associative
    unary   := ("NOT" | "-") unary | primary
    primary := "(" query ")" | word | "phrase" | field:word | field:"phrase"
"""

from __future__ import annotations

from monitor.errors import QuerySyntaxError
from monitor.query import fold, lexer, nodes
from monitor.query.lexer import Token

_STARTS_TERM = ("(", "NOT", "WORD", "PHRASE")


def parse(text: str) -> nodes.Node:
    """The tree of `text`; raise QuerySyntaxError (1-based column) if it is not a query.

    A query must be able to match on something present: ``-a`` or ``-a OR b`` is an error
    ("query needs at least one positive term").
    """
    tokens = lexer.tokenize(text)
    if not tokens:
        raise QuerySyntaxError("query_empty", 1)
    parser = _Parser(tokens)
    tree = parser.query()
    if parser.position < len(tokens):
        extra = tokens[parser.position]
        if extra.kind == ")":
            raise QuerySyntaxError("query_unmatched_closing", extra.column)
        raise QuerySyntaxError("query_unexpected", extra.column, operator=extra.text or extra.kind)
    if not nodes.is_anchored(tree):
        raise QuerySyntaxError("query_not_anchored", _unanchored(tree))
    return tree


# Parentheses and NOTs nested deeper than this are refused: no query a person writes
# needs it, and each level is a frame on the stack of the parser and the evaluator.
MAX_DEPTH = 32


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0
        self.depth = 0

    def deeper(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QuerySyntaxError("query_too_deep", token.column, limit=str(MAX_DEPTH))

    def peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def starts_term(self) -> bool:
        token = self.peek()
        return token is not None and token.kind in _STARTS_TERM

    def query(self) -> nodes.Node:
        children = [self.all()]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.take()
            if not self.starts_term():
                raise QuerySyntaxError("query_needs_both_sides", token.column, operator=token.text)
            children.append(self.all())
        return children[0] if len(children) == 1 else nodes.Or(tuple(children))

    def all(self) -> nodes.Node:
        children = [self.near()]
        while (token := self.peek()) is not None and token.kind in (*_STARTS_TERM, "AND"):
            if token.kind == "AND":
                self.take()
                if not self.starts_term():
                    raise QuerySyntaxError("query_needs_both_sides", token.column, operator="AND")
            children.append(self.near())
        return children[0] if len(children) == 1 else nodes.And(tuple(children))

    def near(self) -> nodes.Node:
        left = self.unary()
        while (token := self.peek()) is not None and token.kind == "NEAR":
            self.take()
            if not self.starts_term():
                raise QuerySyntaxError("query_needs_both_sides", token.column, operator=token.text)
            right = self.unary()
            if not (nodes.is_positional(left) and nodes.is_positional(right)):
                raise QuerySyntaxError(
                    "query_near_positional",
                    token.column,
                    operator=token.text,
                )
            left = nodes.Near(left, right, token.distance, token.ordered, token.column)
        return left

    def unary(self) -> nodes.Node:
        token = self.peek()
        if token is not None and token.kind == "NOT":
            self.take()
            if not self.starts_term():
                raise QuerySyntaxError("query_needs_term_after", token.column, operator=token.text)
            self.deeper(token)
            inner = self.unary()
            self.depth -= 1
            return nodes.Not(inner, token.column)
        return self.primary()

    def primary(self) -> nodes.Node:
        token = self.take()
        if token.kind == "(":
            if (closing := self.peek()) is not None and closing.kind == ")":
                raise QuerySyntaxError("query_empty_parentheses", token.column)
            self.deeper(token)
            inner = self.query()
            self.depth -= 1
            closing = self.peek()
            if closing is None or closing.kind != ")":
                raise QuerySyntaxError("query_unclosed_parenthesis", token.column)
            self.take()
            return inner
        if token.kind in ("WORD", "PHRASE"):
            return _leaf(token)
        if token.kind == ")":
            raise QuerySyntaxError("query_unmatched_closing", token.column)
        raise QuerySyntaxError("query_needs_both_sides", token.column, operator=token.text)


def _leaf(token: Token) -> nodes.Node:
    quoted = token.kind == "PHRASE"
    shown = f'"{token.text}"' if quoted else token.text
    display = f"{token.field}:{shown}" if token.field else shown
    if token.field == "site":
        host = token.text.strip().lower().rstrip(".")
        if not host or any(char.isspace() or char in "/:" for char in host):
            raise QuerySyntaxError("query_site_host", token.column)
        return nodes.Site(host, display, token.column)
    if token.field == "lang":
        code = token.text.strip().lower().replace("_", "-")
        if not code or " " in code:
            raise QuerySyntaxError("query_lang_code", token.column)
        return nodes.Lang(code, display, token.column)
    text = token.text
    wildcard = not quoted and text.endswith("*")
    words = tuple(fold.words(text[:-1] if wildcard else text))
    if wildcard and (not words or len(words[-1]) < 2):
        raise QuerySyntaxError("query_short_wildcard", token.column)
    if not words:
        if quoted:
            raise QuerySyntaxError("query_phrase_no_letters", token.column)
        raise QuerySyntaxError("query_word_no_letters", token.column, word=text)
    field: nodes.Field = "title" if token.field == "title" else "author" if token.field else "any"
    return nodes.Words(words, display, token.column, field, wildcard)


def _unanchored(node: nodes.Node) -> int:
    """The column of the first place that makes `node` able to match on absences alone."""
    if isinstance(node, nodes.Not):
        return node.column
    if isinstance(node, nodes.And):
        return _unanchored(node.children[0])
    if isinstance(node, nodes.Or):
        return _unanchored(next(c for c in node.children if not nodes.is_anchored(c)))
    return 1  # anchored leaves never get here
