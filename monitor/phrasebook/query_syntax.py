"""Every way a query can fail to parse, as a sentence in German and English (the column is
told beside it, as a caret under the query or "at column 7")."""

from __future__ import annotations

from monitor.phrasebook.language import Language

QUERY_SYNTAX: dict[str, dict[Language, str]] = {
    "query_empty": {"en": "empty query", "de": "leere Suchanfrage"},
    "query_dangling_minus": {
        "en": "'-' must stand right before the term it excludes",
        "de": "„-“ muss direkt vor dem Begriff stehen, den es ausschließt",
    },
    "query_unterminated_quote": {
        "en": "unterminated quote",
        "de": "Anführungszeichen ohne Gegenstück",
    },
    "query_near_distance": {
        "en": "{name} needs a distance, like {name}/5",
        "de": "{name} braucht einen Abstand, etwa {name}/5",
    },
    "query_near_positive": {
        "en": "{name} distance must be a positive integer",
        "de": "Der Abstand von {name} muss eine positive ganze Zahl sein",
    },
    "query_unknown_field": {
        "en": "unknown field '{field}:' (fields are title:, author:, site:, lang:); put the "
        "term in quotes to search for it as text",
        "de": "unbekanntes Feld „{field}:“ (Felder sind title:, author:, site:, lang:); setzen "
        "Sie den Begriff in Anführungszeichen, um ihn als Text zu suchen",
    },
    "query_field_empty": {
        "en": "{field}: needs a word or a quoted phrase right after it",
        "de": "{field}: braucht direkt danach ein Wort oder eine Phrase in Anführungszeichen",
    },
    "query_unmatched_closing": {
        "en": "unmatched closing parenthesis",
        "de": "schließende Klammer ohne öffnende",
    },
    "query_unexpected": {"en": "unexpected {operator}", "de": "unerwartet: {operator}"},
    "query_not_anchored": {
        "en": "query needs at least one positive term",
        "de": "Die Suchanfrage braucht mindestens einen Begriff, der vorkommen soll",
    },
    "query_too_deep": {
        "en": "parentheses or NOTs nested deeper than {limit} levels",
        "de": "Klammern oder NOTs sind tiefer als {limit} Ebenen verschachtelt",
    },
    "query_needs_both_sides": {
        "en": "{operator} needs a term on both sides",
        "de": "{operator} braucht auf beiden Seiten einen Begriff",
    },
    "query_near_positional": {
        "en": "{operator} needs words or phrases on both sides (not NOT, AND, site: or lang:)",
        "de": "{operator} braucht auf beiden Seiten Wörter oder Phrasen (nicht NOT, AND, site: "
        "oder lang:)",
    },
    "query_needs_term_after": {
        "en": "{operator} needs a term after it",
        "de": "{operator} braucht danach einen Begriff",
    },
    "query_empty_parentheses": {"en": "empty parentheses", "de": "leere Klammern"},
    "query_unclosed_parenthesis": {
        "en": "unclosed parenthesis",
        "de": "Klammer wird nicht geschlossen",
    },
    "query_site_host": {
        "en": "site: needs a host name, like site:example.com",
        "de": "site: braucht einen Hostnamen, etwa site:example.com",
    },
    "query_lang_code": {
        "en": "lang: needs a language code, like lang:de",
        "de": "lang: braucht einen Sprachcode, etwa lang:de",
    },
    "query_short_wildcard": {
        "en": "a wildcard needs at least 2 letters before *",
        "de": "Ein Platzhalter braucht mindestens 2 Buchstaben vor dem *",
    },
    "query_phrase_no_letters": {
        "en": "phrase has no letters or digits",
        "de": "Die Phrase enthält keine Buchstaben oder Ziffern",
    },
    "query_word_no_letters": {
        "en": "'{word}' has no letters or digits",
        "de": "„{word}“ enthält keine Buchstaben oder Ziffern",
    },
}
