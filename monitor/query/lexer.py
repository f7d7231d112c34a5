"""Query text to tokens: operators, parentheses, and leaves (words, phrases, field filters).

Decisions a reader of a query needs to know:

* Operators are uppercase words (``OR``, ``AND``, ``NOT``, ``NEAR/n``, ``ONEAR/n``) and
  ``|`` for OR; lowercase ``or`` is an ordinary word. ``-`` directly before a term,
  a quote or a parenthesis negates it.
* Quotes are ``"``, or the German/English typographic ``„ “ ”``; any of them closes.
* A colon makes a field filter only after a letters-only name at the start of a bare word:
  ``title:``, ``author:``, ``site:``, ``lang:`` (case-insensitive). ``https://…`` and
  ``12:30`` are plain text; any other ``name:value`` is an error that suggests quoting, so a
  mistyped field never silently becomes a search for the word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from monitor.errors import QuerySyntaxError

FIELDS = ("title", "author", "site", "lang")
QUOTES = '"„“”'
_STOP = set(QUOTES) | set("()|")
_FIELD = re.compile(r"([A-Za-z]+):(.*)", re.DOTALL)
_NEAR = re.compile(r"(O?NEAR)(?:/(.*))?", re.DOTALL)

Kind = Literal["(", ")", "OR", "AND", "NOT", "NEAR", "WORD", "PHRASE"]
_KEYWORDS: dict[str, Kind] = {"OR": "OR", "AND": "AND", "NOT": "NOT"}


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical unit. `column` is 1-based; `text` is the word or the phrase inside quotes.

    For WORD and PHRASE, `field` is the field name given before it (``""`` if none). For
    NEAR, `distance` is n and `ordered` tells ONEAR. NOT also stands for a leading ``-``.
    """

    kind: Kind
    column: int
    text: str = ""
    field: str = ""
    distance: int = 0
    ordered: bool = False


def tokenize(query: str) -> list[Token]:
    """Split `query` into tokens; raise QuerySyntaxError for quotes, fields and NEAR/n."""
    found: list[Token] = []
    position = 0
    while position < len(query):
        char = query[position]
        column = position + 1
        if char.isspace():
            position += 1
        elif char in "()":
            found.append(Token("(" if char == "(" else ")", column))
            position += 1
        elif char == "|":
            found.append(Token("OR", column, "|"))
            position += 1
        elif char in QUOTES:
            text, position = _quoted(query, position)
            found.append(Token("PHRASE", column, text))
        elif char == "-":
            if position + 1 == len(query) or query[position + 1].isspace():
                raise QuerySyntaxError("query_dangling_minus", column)
            found.append(Token("NOT", column, "-"))
            position += 1
        else:
            end = position
            while end < len(query) and not query[end].isspace() and query[end] not in _STOP:
                end += 1
            token, position = _bare(query, position, end)
            found.append(token)
    return found


def _quoted(query: str, start: int) -> tuple[str, int]:
    """The text between the quote at `start` and the next quote, and the index after it."""
    end = start + 1
    while end < len(query) and query[end] not in QUOTES:
        end += 1
    if end == len(query):
        raise QuerySyntaxError("query_unterminated_quote", start + 1)
    return query[start + 1 : end], end + 1


def _bare(query: str, start: int, end: int) -> tuple[Token, int]:
    chunk = query[start:end]
    column = start + 1
    keyword = _KEYWORDS.get(chunk)
    if keyword is not None:
        return Token(keyword, column, chunk), end
    near = _NEAR.fullmatch(chunk)
    if near is not None:
        name, distance = near.groups()
        if distance is None:
            raise QuerySyntaxError("query_near_distance", column, name=name)
        if not (distance.isascii() and distance.isdigit() and int(distance) > 0):
            raise QuerySyntaxError("query_near_positive", column, name=name)
        return Token("NEAR", column, chunk, distance=int(distance), ordered=name == "ONEAR"), end
    field = _FIELD.fullmatch(chunk)
    if field is None:
        return Token("WORD", column, chunk), end
    name, value = field.group(1).lower(), field.group(2)
    if name not in FIELDS:
        if value == "" or value.startswith("//"):
            return Token("WORD", column, chunk), end  # "Hinweis:" or a URL
        raise QuerySyntaxError("query_unknown_field", column, field=field.group(1))
    if value:
        return Token("WORD", column, value, field=name), end
    if end < len(query) and query[end] in QUOTES:
        text, after = _quoted(query, end)
        return Token("PHRASE", column, text, field=name), after
    raise QuerySyntaxError("query_field_empty", column, field=name)
