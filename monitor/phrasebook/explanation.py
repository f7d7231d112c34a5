"""The words `monitor query` explains a match with, step by step, in German and English
(the operators AND, OR, NOT, NEAR stay as the query language spells them)."""

from __future__ import annotations

from monitor.phrasebook.language import Language

EXPLANATION: dict[str, dict[Language, str]] = {
    "match": {"en": "MATCH: {query}", "de": "TREFFER: {query}"},
    "no_match": {"en": "NO MATCH: {query}", "de": "KEIN TREFFER: {query}"},
    "words": {"en": "{display}  ({kind} in {where}: {found})",
              "de": "{display}  ({kind} in {where}: {found})"},
    "kind_word": {"en": "word", "de": "Wort"},
    "kind_phrase": {"en": "phrase", "de": "Phrase"},
    "kind_wildcard": {"en": "wildcard", "de": "Platzhalter"},
    "field_any": {"en": "title or text", "de": "Titel oder Text"},
    "field_title": {"en": "title", "de": "Titel"},
    "field_text": {"en": "text", "de": "Text"},
    "field_author": {"en": "author", "de": "Autor"},
    "found": {"en": "found {count}×", "de": "{count}× gefunden"},
    "not_found": {"en": "not found", "de": "nicht gefunden"},
    "site": {"en": "{display}  (document host: {host})",
             "de": "{display}  (Host des Dokuments: {host})"},
    "no_host": {"en": "none", "de": "keiner"},
    "lang": {"en": "{display}  (document language: {code})",
             "de": "{display}  (Sprache des Dokuments: {code})"},
    "no_lang": {"en": "unknown", "de": "unbekannt"},
    "not": {"en": "NOT  (matches when the part below does not)",
            "de": "NOT  (trifft zu, wenn der Teil darunter nicht zutrifft)"},
    "and": {"en": "AND  (all of)", "de": "AND  (alle davon)"},
    "or": {"en": "OR  (any of)", "de": "OR  (eines davon)"},
    "near": {"en": "{operator}/{distance}  (at most {distance} {unit} between{order})",
             "de": "{operator}/{distance}  (höchstens {distance} {unit} dazwischen{order})"},
    "unit_one": {"en": "word", "de": "Wort"},
    "unit_many": {"en": "words", "de": "Wörter"},
    "ordered": {"en": ", left one first", "de": ", das linke zuerst"},
    "hit": {"en": "{display} in {field} at {start}: {excerpt}",
            "de": "{display} in {field} bei {start}: {excerpt}"},
    "more": {"en": "… and {count} more", "de": "… und {count} weitere"},
}  # fmt: skip
