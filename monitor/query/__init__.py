"""The query language and the matching engine: pure, no I/O, no clock.

One query per brand, meaning the same on every source::

    Vaude                        the word, whole words only (not "Vaudeville"; "Vaude-Jacke",
                                 "Vaude's" and "VAUDE" match)
    "Müller Medical"             a phrase: consecutive words, any spaces, hyphens or line
                                 breaks between ("Müller-Medical", "Mueller  Medical")
    Vaude Jacke                  both (AND is implied; the keyword AND also works)
    Vaude OR Deuter              either (also "|"); lowercase "or" is an ordinary word
    Vaude -Vaudeville            without (also "NOT Vaudeville")
    (Vaude OR Deuter) Rucksack   parentheses group
    kompression*                 a word starting with "kompression" (2+ letters before *)
    Vaude NEAR/5 Jacke           at most 5 words between them, either order
    Vaude ONEAR/5 Jacke          the same, Vaude first
    title:Vaude  title:"a b"     in the title only (author:… likewise, in the author name)
    site:example.com             the URL host is example.com or a subdomain of it
    lang:de                      the document language is "de" (or "de-AT", "de-CH" …)

NOT binds tightest, then NEAR/ONEAR, then AND, then OR: ``a b OR c`` is ``(a b) OR c``. A
query needs something present to match on (``-a`` alone is an error); errors are
`monitor.errors.QuerySyntaxError` with a 1-based column. Words compare folded: case,
accents, ß/ss and ä/ae/a, ö/oe/o, ü/ue/u do not matter (see `monitor.query.fold` for the
exact rules and their trade-off).

Use::

    tree = query.parse("…")                     # validate one query
    matcher = query.compile([query.BrandQuery("Vaude", ("Vaude",), exclude=("Vaudeville",))])
    matcher.match(document)                     # -> list[domain.Match]
    print(query.explain("…", document))         # why (not)

This package is the one door the rest of the code uses to match, so the engine can change
behind it without callers noticing.
"""

from __future__ import annotations

from monitor.query.explain import Explanation, explain
from monitor.query.fold import fold_word
from monitor.query.matcher import BrandQuery, Matcher, compile
from monitor.query.nodes import Node
from monitor.query.parser import parse


def check(text: str) -> None:
    """Raise QuerySyntaxError (with the column) if `text` is not a valid query."""
    parse(text)


__all__ = [
    "BrandQuery",
    "Explanation",
    "Matcher",
    "Node",
    "check",
    "compile",
    "explain",
    "fold_word",
    "parse",
]
