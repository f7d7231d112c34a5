"""Every mistake a user can make in what they give monitor (sources.yaml, the MONITOR_*
environment, a query, a duration, a selector), as one sentence with what to do, in German
and English.

A validator raises `invalid(kind, **values)`: a ValueError pydantic keeps as it is, whose
text is the English sentence (for logs and tracebacks) and which carries its kind and
values, so whoever shows it to a person says it in their language with `told`. The kinds
pydantic itself reports (a missing key, a wrong type, a number out of range) have their
sentences here too; one without a sentence is shown as pydantic worded it.

Values are filled in with str.format, and given as text (a list already joined), so
pydantic's English and `told` show them alike; a value that holds braces is passed as a
value, so the sentences themselves never need escaping.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic_core import PydanticCustomError

from monitor.phrasebook.language import Language
from monitor.phrasebook.query_syntax import QUERY_SYNTAX

PROBLEMS: dict[str, dict[Language, str]] = {
    # --- sources.yaml as a file ----------------------------------------------------------
    "file_missing": {
        "en": "file not found: create it from the example sources.yaml in the repository, "
        "or set MONITOR_CONFIG",
        "de": "Datei nicht gefunden: legen Sie sie nach dem Beispiel sources.yaml im "
        "Repository an, oder setzen Sie MONITOR_CONFIG",
    },
    "file_unreadable": {
        "en": "cannot read the file: {reason}",
        "de": "Die Datei lässt sich nicht lesen: {reason}",
    },
    "file_too_large": {
        "en": "the file is {size} bytes; at most {limit} are read",
        "de": "Die Datei hat {size} Bytes; gelesen werden höchstens {limit}",
    },
    "yaml_syntax": {
        "en": "not valid YAML: {reason}",
        "de": "kein gültiges YAML: {reason}",
    },
    "yaml_character": {
        "en": "not valid YAML: the character {character} is not allowed",
        "de": "kein gültiges YAML: das Zeichen {character} ist nicht erlaubt",
    },
    "yaml_colon": {
        "en": "not valid YAML: a ':' where none may stand (a value with ': ' in it needs "
        "quotes, and a key its own line)",
        "de": "kein gültiges YAML: ein „:“, wo keiner stehen darf (ein Wert mit „: “ braucht "
        "Anführungszeichen, ein Schlüssel eine eigene Zeile)",
    },
    "yaml_missing_colon": {
        "en": "not valid YAML: a ':' is missing after a key, or a line is indented wrongly",
        "de": "kein gültiges YAML: nach einem Schlüssel fehlt ein „:“, oder eine Zeile ist "
        "falsch eingerückt",
    },
    "yaml_tab": {
        "en": "not valid YAML: a tab; YAML indents with spaces only",
        "de": "kein gültiges YAML: ein Tabulator; YAML rückt nur mit Leerzeichen ein",
    },
    "yaml_undefined_alias": {
        "en": "not valid YAML: an alias (*name) with no anchor (&name) before it; a value "
        "that starts with * needs quotes",
        "de": "kein gültiges YAML: ein Alias (*name) ohne Anker (&name) davor; ein Wert, der "
        "mit * beginnt, braucht Anführungszeichen",
    },
    "yaml_unclosed": {
        "en": "not valid YAML: a quote or bracket opened here is never closed",
        "de": "kein gültiges YAML: ein hier geöffnetes Anführungszeichen oder eine Klammer "
        "wird nie geschlossen",
    },
    "yaml_indent": {
        "en": "not valid YAML: this line is indented differently from the ones it belongs to",
        "de": "kein gültiges YAML: diese Zeile ist anders eingerückt als die, zu denen sie gehört",
    },
    "yaml_too_deep": {
        "en": "values are nested deeper than {limit} levels",
        "de": "Die Werte sind tiefer als {limit} Ebenen verschachtelt",
    },
    "yaml_too_many": {
        "en": "more than {limit} values once aliases (*name) are expanded: write them out, "
        "or use fewer aliases",
        "de": "mehr als {limit} Werte, wenn die Aliase (*name) aufgelöst sind: schreiben Sie "
        "sie aus, oder nehmen Sie weniger Aliase",
    },
    "yaml_duplicate_key": {
        "en": "key '{key}' appears twice",
        "de": "Der Schlüssel „{key}“ steht zweimal da",
    },
    "yaml_key_type": {
        "en": "a key must be a plain value",
        "de": "Ein Schlüssel muss ein einfacher Wert sein",
    },
    "not_a_mapping": {
        "en": "expected keys such as brands: and sources:",
        "de": "Erwartet werden Schlüssel wie brands: und sources:",
    },
    # --- keys and types (pydantic's own kinds, and ours) ---------------------------------
    "unknown_key": {
        "en": "unknown key '{key}': did you mean '{hint}'?",
        "de": "unbekannter Schlüssel „{key}“: meinten Sie „{hint}“?",
    },
    "unknown_key_allowed": {
        "en": "unknown key '{key}'; allowed keys: {allowed}",
        "de": "unbekannter Schlüssel „{key}“; erlaubt sind: {allowed}",
    },
    "extra_forbidden": {"en": "unknown key", "de": "unbekannter Schlüssel"},
    "missing": {"en": "required key is missing", "de": "Pflichtschlüssel fehlt"},
    "missing_key": {
        "en": "required key '{key}' is missing",
        "de": "Der Pflichtschlüssel „{key}“ fehlt",
    },
    "unknown_source_type": {
        "en": "unknown source type '{type}': use one of {choices}",
        "de": "unbekannter Quellentyp „{type}“: möglich sind {choices}",
    },
    "source_needs_type": {
        "en": "a source needs a type: one of {choices}",
        "de": "Eine Quelle braucht einen Typ (type): einen von {choices}",
    },
    "name_twice": {
        "en": "'{name}' is used twice: names must be unique",
        "de": "„{name}“ kommt zweimal vor: Namen müssen eindeutig sein",
    },
    "unknown_brand": {
        "en": "no brand is named '{name}'",
        "de": "Es gibt keine Marke namens „{name}“",
    },
    "unknown_brand_hint": {
        "en": "no brand is named '{name}': did you mean '{hint}'?",
        "de": "Es gibt keine Marke namens „{name}“: meinten Sie „{hint}“?",
    },
    "unknown_source": {
        "en": "no source is named '{name}'",
        "de": "Es gibt keine Quelle namens „{name}“",
    },
    "unknown_source_hint": {
        "en": "no source is named '{name}': did you mean '{hint}'?",
        "de": "Es gibt keine Quelle namens „{name}“: meinten Sie „{hint}“?",
    },
    "literal_error": {
        "en": "'{input}' is not allowed here: write one of {expected}",
        "de": "„{input}“ ist hier nicht erlaubt: möglich sind {expected}",
    },
    "string_type": {"en": "write a text here", "de": "Hier gehört ein Text hin"},
    "int_type": {"en": "write a whole number here", "de": "Hier gehört eine ganze Zahl hin"},
    "int_parsing": {
        "en": "'{input}' is not a whole number",
        "de": "„{input}“ ist keine ganze Zahl",
    },
    "int_from_float": {
        "en": "'{input}' is not a whole number",
        "de": "„{input}“ ist keine ganze Zahl",
    },
    "float_type": {"en": "write a number here", "de": "Hier gehört eine Zahl hin"},
    "float_parsing": {"en": "'{input}' is not a number", "de": "„{input}“ ist keine Zahl"},
    "bool_type": {"en": "write true or false", "de": "Schreiben Sie true oder false"},
    "bool_parsing": {
        "en": "'{input}' is not true or false",
        "de": "„{input}“ ist weder true noch false",
    },
    "list_type": {
        "en": "write a list here (one '- item' per line, or [a, b])",
        "de": "Hier gehört eine Liste hin (je Zeile ein „- Eintrag“, oder [a, b])",
    },
    "tuple_type": {
        "en": "write a list here (one '- item' per line, or [a, b])",
        "de": "Hier gehört eine Liste hin (je Zeile ein „- Eintrag“, oder [a, b])",
    },
    "dict_type": {
        "en": "write keys with values here (key: value)",
        "de": "Hier gehören Schlüssel mit Werten hin (Schlüssel: Wert)",
    },
    "model_type": {
        "en": "write keys with values here (key: value)",
        "de": "Hier gehören Schlüssel mit Werten hin (Schlüssel: Wert)",
    },
    "model_attributes_type": {
        "en": "write keys with values here (key: value)",
        "de": "Hier gehören Schlüssel mit Werten hin (Schlüssel: Wert)",
    },
    "greater_than_equal": {
        "en": "'{input}' is too small: at least {ge}",
        "de": "„{input}“ ist zu klein: mindestens {ge}",
    },
    "greater_than": {
        "en": "'{input}' is too small: more than {gt}",
        "de": "„{input}“ ist zu klein: mehr als {gt}",
    },
    "less_than_equal": {
        "en": "'{input}' is too large: at most {le}",
        "de": "„{input}“ ist zu groß: höchstens {le}",
    },
    "less_than": {
        "en": "'{input}' is too large: less than {lt}",
        "de": "„{input}“ ist zu groß: weniger als {lt}",
    },
    "string_too_short": {
        "en": "too short: at least {min_length} character(s)",
        "de": "zu kurz: mindestens {min_length} Zeichen",
    },
    "string_too_long": {
        "en": "at most {max_length} characters",
        "de": "höchstens {max_length} Zeichen",
    },
    "too_short": {
        "en": "too few items: at least {min_length}",
        "de": "zu wenige Einträge: mindestens {min_length}",
    },
    "too_long": {
        "en": "too many items: at most {max_length}",
        "de": "zu viele Einträge: höchstens {max_length}",
    },
    # --- values in sources.yaml ----------------------------------------------------------
    "not_an_email": {
        "en": "'{value}' is not an e-mail address",
        "de": "„{value}“ ist keine E-Mail-Adresse",
    },
    "not_a_product_token": {
        "en": "'{value}' is not a robots.txt product token: letters, '_' and '-' only "
        "(e.g. monitor)",
        "de": "„{value}“ ist kein Produkt-Token für robots.txt: nur Buchstaben, „_“ und „-“ "
        "(z. B. monitor)",
    },
    "not_an_alert_name": {
        "en": "'{value}' cannot name an alert: letters, digits, '.', '-' and '_' only "
        "(e.g. daily-digest)",
        "de": "„{value}“ taugt nicht als Name eines Alarms: nur Buchstaben, Ziffern, „.“, "
        "„-“ und „_“ (z. B. daily-digest)",
    },
    "not_a_host_name": {
        "en": "'{value}' is not a host name: write e.g. forum.example.org",
        "de": "„{value}“ ist kein Hostname: schreiben Sie z. B. forum.example.org",
    },
    "not_a_delay": {
        "en": "'{value}' is not a delay: write e.g. 500ms, 2s or 1m",
        "de": "„{value}“ ist keine Wartezeit: schreiben Sie z. B. 500ms, 2s oder 1m",
    },
    "not_a_duration": {
        "en": "'{value}' is not a duration: write a number and a unit, e.g. 30m, 2h, 1d",
        "de": "„{value}“ ist keine Dauer: schreiben Sie eine Zahl und eine Einheit, "
        "z. B. 30m, 2h, 1d",
    },
    "duration_zero": {
        "en": "'{value}' must be longer than zero",
        "de": "„{value}“ muss länger als null sein",
    },
    "unknown_time_zone": {
        "en": "unknown time zone '{value}': use a name such as Europe/Berlin",
        "de": "unbekannte Zeitzone „{value}“: schreiben Sie einen Namen wie Europe/Berlin",
    },
    "not_one_line": {
        "en": "has a line break or a control character: a name is one line of printable text",
        "de": "enthält einen Zeilenumbruch oder ein Steuerzeichen: ein Name ist eine Zeile "
        "druckbarer Text",
    },
    "brand_needs_query": {
        "en": "a brand needs a query (or a list of queries)",
        "de": "Eine Marke braucht eine Suchanfrage (query) oder eine Liste davon (queries)",
    },
    "alert_digest_or_immediate": {
        "en": "an alert needs either `digest: <schedule>` (e.g. daily at 08:00) or "
        "`immediate:` with its conditions, not both",
        "de": "Ein Alarm braucht entweder `digest: <Zeitplan>` (z. B. daily at 08:00) oder "
        "`immediate:` mit seinen Bedingungen, nicht beides",
    },
    "not_a_weekday": {
        "en": "'{value}' is not a weekday: use one of {choices}",
        "de": "„{value}“ ist kein Wochentag: möglich sind {choices}",
    },
    "bad_cron": {
        "en": "'{value}' is not a valid cron expression: {reason}",
        "de": "„{value}“ ist kein gültiger Cron-Ausdruck: {reason}",
    },
    "not_a_schedule": {
        "en": "'{value}' is not a schedule: write 'every 30 minutes', 'daily at 08:00', "
        "'weekly on monday at 08:00' or five cron fields such as '0 8 * * 1-5'",
        "de": "„{value}“ ist kein Zeitplan: schreiben Sie „every 30 minutes“, „daily at "
        "08:00“, „weekly on monday at 08:00“ oder fünf Cron-Felder wie „0 8 * * 1-5“",
    },
    "bad_hour": {
        "en": "hour {value} is not between 0 and 23",
        "de": "Die Stunde {value} liegt nicht zwischen 0 und 23",
    },
    "bad_minute": {
        "en": "minute {value} is not between 0 and 59",
        "de": "Die Minute {value} liegt nicht zwischen 0 und 59",
    },
    "never_ticks": {
        "en": "'{value}' does not tick within {days} days",
        "de": "„{value}“ kommt innerhalb von {days} Tagen nie an die Reihe",
    },
    "not_a_url": {
        "en": "'{value}' is not a valid URL: it must start with http:// or https://",
        "de": "„{value}“ ist keine gültige URL: sie muss mit http:// oder https:// beginnen",
    },
    "url_without_host": {
        "en": "'{value}' is not a valid URL: it has no host name",
        "de": "„{value}“ ist keine gültige URL: ihr fehlt der Hostname",
    },
    "unknown_preset": {
        "en": "unknown preset '{value}'; known presets: {choices}",
        "de": "unbekanntes Preset „{value}“; bekannt sind: {choices}",
    },
    "preset_wrong_kind": {
        "en": "preset '{value}' is not a {kind} preset",
        "de": "Das Preset „{value}“ ist kein Preset für {kind}",
    },
    "preset_wrong_kind_choices": {
        "en": "preset '{value}' is not a {kind} preset; use one of {choices}",
        "de": "Das Preset „{value}“ ist kein Preset für {kind}; möglich sind {choices}",
    },
    "forum_needs_selectors": {
        "en": "selectors {missing} are needed: name a preset ({choices}), or auto, or give "
        "them under selectors",
        "de": "Die Selektoren {missing} fehlen: nennen Sie ein Preset ({choices}) oder auto, "
        "oder geben Sie sie unter selectors an",
    },
    "reviews_need_selectors": {
        "en": "selectors item and body are needed unless json_ld is on",
        "de": "Die Selektoren item und body sind nötig, außer json_ld ist eingeschaltet",
    },
    "selector_empty_alternative": {
        "en": "selector '{value}' has an empty alternative around '||'",
        "de": "Der Selektor „{value}“ hat eine leere Alternative bei „||“",
    },
    "selector_before_empty": {
        "en": "selector '{value}': '<' needs a selector or @attribute after it",
        "de": "Selektor „{value}“: nach „<“ gehört ein Selektor oder ein @Attribut",
    },
    "selector_empty": {
        "en": "selector '{value}' is empty",
        "de": "Der Selektor „{value}“ ist leer",
    },
    "bad_css": {
        "en": "'{value}' is not a valid CSS selector",
        "de": "„{value}“ ist kein gültiger CSS-Selektor",
    },
    "bad_jmespath": {
        "en": "'{value}' is not a JMESPath expression: {reason}",
        "de": "„{value}“ ist kein JMESPath-Ausdruck: {reason}",
    },
    "link_without_placeholder": {
        "en": "'{value}' has no {braces} placeholder: write a plain `link` field",
        "de": "„{value}“ hat keinen Platzhalter {braces}: schreiben Sie ein einfaches Feld `link`",
    },
    "fields_need_text": {
        "en": "fields needs at least `title` or `body`",
        "de": "fields braucht mindestens `title` oder `body`",
    },
    "items_needed": {
        "en": "`items` is needed: the JMESPath to the list of items, or a preset",
        "de": "`items` fehlt: der JMESPath zur Liste der Einträge, oder ein Preset",
    },
    "search_needs_instance": {
        "en": "preset '{value}' needs `instance:`, the host to ask (e.g. mastodon.social)",
        "de": "Das Preset „{value}“ braucht `instance:`, den Host, der gefragt wird "
        "(z. B. mastodon.social)",
    },
    "search_needs_query": {
        "en": "'{value}' needs {placeholder} where the search string goes",
        "de": "„{value}“ braucht {placeholder} an der Stelle des Suchbegriffs",
    },
    "search_unknown_placeholder": {
        "en": "'{value}' has {found}: only {placeholder} is filled in",
        "de": "„{value}“ enthält {found}: ausgefüllt wird nur {placeholder}",
    },
    "search_json_only": {
        "en": "{keys}: only for `format: json`, not RSS",
        "de": "{keys}: nur für `format: json`, nicht für RSS",
    },
    "bad_query": {  # `reason` is the kind of a QUERY_SYNTAX sentence, told in the same language
        "en": "{reason} at column {column}",
        "de": "{reason} (Spalte {column})",
    },
    # --- the MONITOR_* environment --------------------------------------------------------
    "env_not_a_list": {
        "en": "not a JSON list of strings",
        "de": "keine JSON-Liste von Texten",
    },
    "env_host_is_url": {
        "en": "'{value}': write host, host:port or [ipv6]:port, not a URL",
        "de": "„{value}“: schreiben Sie host, host:port oder [ipv6]:port, keine URL",
    },
    "env_bad_host_entry": {
        "en": "'{value}' is not host, host:port or [ipv6]:port",
        "de": "„{value}“ ist nicht host, host:port oder [ipv6]:port",
    },
    "env_smtp_scheme": {
        "en": "write smtp://host:port or smtps://host:port",
        "de": "schreiben Sie smtp://host:port oder smtps://host:port",
    },
    "env_smtp_port": {
        "en": "the port is not a number from 1 to 65535: write smtp://host:587",
        "de": "Der Port ist keine Zahl von 1 bis 65535: schreiben Sie smtp://host:587",
    },
    "env_smtp_host": {
        "en": "no server named: write smtp://mail.example.org:587",
        "de": "kein Server genannt: schreiben Sie smtp://mail.example.org:587",
    },
    "env_not_a_database_url": {
        "en": "not a database URL: write {sqlite} or {postgresql}",
        "de": "keine Datenbank-URL: schreiben Sie {sqlite} oder {postgresql}",
    },
    "env_database_unsupported": {
        "en": "{backend} is not supported: write {sqlite} or {postgresql}",
        "de": "{backend} wird nicht unterstützt: schreiben Sie {sqlite} oder {postgresql}",
    },
    "env_database_driver": {
        "en": "the driver {driver} is not installed or not async: use {wanted}",
        "de": "Der Treiber {driver} ist nicht installiert oder nicht asynchron: nehmen Sie "
        "{wanted}",
    },
    "env_log_level": {
        "en": "'{value}' is not a level: one of {choices}",
        "de": "„{value}“ ist keine Stufe: möglich sind {choices}",
    },
    "env_data_dir_is_file": {
        "en": "{value} is a file, not a folder: name a folder for the data",
        "de": "{value} ist eine Datei, kein Ordner: nennen Sie einen Ordner für die Daten",
    },
    "env_out_of_range": {
        "en": "'{input}' is out of range ({limit})",
        "de": "„{input}“ liegt außerhalb des erlaubten Bereichs ({limit})",
    },
}

PROBLEMS.update(QUERY_SYNTAX)


def invalid(kind: str, /, **values: Any) -> PydanticCustomError:
    """The error for a value that is wrong: raise it from a validator or a parser."""
    return PydanticCustomError(kind, english(kind, values), values)


def english(kind: str, values: Mapping[str, Any]) -> str:
    """The English sentence of `kind`: the text an error carries for logs."""
    return told(kind, values, kind, "en")


def told(kind: str, values: Mapping[str, Any], fallback: str, language: Language) -> str:
    """The sentence for a problem of `kind` in `language`; `fallback` (pydantic's own
    wording) for a kind that has none here."""
    sentences = PROBLEMS.get(kind)
    if sentences is None:
        return fallback
    if "reason" in values and values["reason"] in PROBLEMS:  # a problem inside a problem
        rest = {key: value for key, value in values.items() if key != "reason"}
        values = {**rest, "reason": told(values["reason"], rest, values["reason"], language)}
    try:
        return sentences[language].format_map(values)
    except (KeyError, IndexError, ValueError):
        return fallback


def told_detail(detail: Any, language: Language) -> str:
    """One of pydantic's error details (`ValidationError.errors()`) as a sentence."""
    message = str(detail["msg"]).removeprefix("Value error, ")
    return told(detail["type"], detail_values(detail), message, language)


def detail_values(detail: Any) -> dict[str, str]:
    """The values a sentence fills in for one of pydantic's error details: its context and
    the wrong input, as text."""
    values = {key: str(value) for key, value in (detail.get("ctx") or {}).items()}
    values.setdefault("input", shown_input(detail.get("input")))
    if detail["type"] == "literal_error":  # "'de' or 'en'": the choices without an English "or"
        values["expected"] = values.get("expected", "").replace("' or '", "', '")
    return values


def shown_input(value: Any) -> str:
    """A wrong value as a problem quotes it: short, on one line."""
    shown = str(value)
    return shown if len(shown) <= 60 and "\n" not in shown else shown[:57].split("\n")[0] + "…"


def told_error(error: BaseException, language: Language) -> str:
    """What a raised problem says in `language`: the sentence of an `invalid` error, else
    its text."""
    if isinstance(error, PydanticCustomError):
        return told(error.type, error.context or {}, error.message(), language)
    return str(error)
