"""Every sentence the command line says, in German and English. Placeholders in {braces}.

The mistakes in input it reports are in `phrasebook.problems`, the reasons a source fails
in the mail catalogue (`notify.words`, trouble_*): one sentence, said the same everywhere.
"""

from __future__ import annotations

from monitor.phrasebook.language import Language

WORDS: dict[str, dict[Language, str]] = {
    # --- any command -----------------------------------------------------------------------
    "error": {"en": "error: {reason}", "de": "Fehler: {reason}"},
    "database_unusable": {
        "en": "error: the database cannot be used: {reason}",
        "de": "Fehler: die Datenbank lässt sich nicht benutzen: {reason}",
    },
    "no_database_yet": {
        "en": "{meaning}: there is no database at {path} yet (monitor crawl or monitor run "
        "creates it)",
        "de": "{meaning}: unter {path} gibt es noch keine Datenbank (monitor crawl oder "
        "monitor run legt sie an)",
    },
    "did_you_mean": {"en": "did you mean {names}?", "de": "meinten Sie {names}?"},
    "or": {"en": " or ", "de": " oder "},
    "known": {"en": "known: {names}", "de": "bekannt: {names}"},
    "none_yet": {"en": "none yet", "de": "noch keine"},
    "no_such_brand": {
        "en": "no brand is named '{name}': {hint}",
        "de": "Es gibt keine Marke namens „{name}“: {hint}",
    },
    "no_such_source": {
        "en": "no source is named '{name}': {hint}",
        "de": "Es gibt keine Quelle namens „{name}“: {hint}",
    },
    "no_such_alert": {
        "en": "no alert is named '{name}': {hint}",
        "de": "Es gibt keinen Alarm namens „{name}“: {hint}",
    },
    "option_problem": {"en": "{option}: {problem}", "de": "{option}: {problem}"},
    # --- check and db ----------------------------------------------------------------------
    "config_ok": {
        "en": "{file}: OK: {brands} brands, {sources} sources, {alerts} alerts",
        "de": "{file}: in Ordnung: {brands} Marken, {sources} Quellen, {alerts} Alarme",
    },
    "smtp_not_set": {
        "en": "--smtp: MONITOR_SMTP_URL is not set",
        "de": "--smtp: MONITOR_SMTP_URL ist nicht gesetzt",
    },
    "smtp_no_admins": {
        "en": "--smtp: add settings.admins to sources.yaml (who gets the test mail)",
        "de": "--smtp: tragen Sie settings.admins in sources.yaml ein (wer die Testmail bekommt)",
    },
    "test_mail_accepted": {
        "en": "test mail to {recipients} accepted: {reply}",
        "de": "Testmail an {recipients} angenommen: {reply}",
    },
    "delivery_unreachable": {
        "en": "the SMTP server {server} cannot be reached (nothing answers there, or the name "
        "is wrong): check MONITOR_SMTP_URL",
        "de": "Der SMTP-Server {server} ist nicht erreichbar (dort antwortet nichts, oder der "
        "Name stimmt nicht): prüfen Sie MONITOR_SMTP_URL",
    },
    "delivery_timeout": {
        "en": "the SMTP server {server} does not answer in time (MONITOR_SMTP_TIMEOUT)",
        "de": "Der SMTP-Server {server} antwortet nicht rechtzeitig (MONITOR_SMTP_TIMEOUT)",
    },
    "delivery_login": {
        "en": "the SMTP server refuses the login ({reply}): check MONITOR_SMTP_USERNAME and "
        "MONITOR_SMTP_PASSWORD",
        "de": "Der SMTP-Server lehnt die Anmeldung ab ({reply}): prüfen Sie "
        "MONITOR_SMTP_USERNAME und MONITOR_SMTP_PASSWORD",
    },
    "delivery_refused": {
        "en": "the SMTP server refuses every recipient: {reply}",
        "de": "Der SMTP-Server lehnt alle Empfänger ab: {reply}",
    },
    "delivery_refused_for_now": {
        "en": "the SMTP server refuses the recipients for now (try again later): {reply}",
        "de": "Der SMTP-Server lehnt die Empfänger vorerst ab (später erneut versuchen): {reply}",
    },
    "delivery_reply": {
        "en": "the SMTP server does not take the mail: {reply}",
        "de": "Der SMTP-Server nimmt die Mail nicht an: {reply}",
    },
    "database_up_to_date": {
        "en": "database is up to date",
        "de": "Die Datenbank ist auf dem neuesten Stand",
    },
    "schema_status": {
        "en": "schema {current}; this version expects {head}",
        "de": "Schema {current}; diese Version erwartet {head}",
    },
    "schema_empty": {"en": "empty", "de": "leer"},
    # --- crawl, digest, demo ---------------------------------------------------------------
    "crawling": {"en": "crawling", "de": "Abruf läuft"},
    "another_process": {"en": "another process", "de": "ein anderer Prozess"},
    "skipped": {
        "en": "skipped: {holder} holds it until {until} ({zone}); --force crawls it anyway",
        "de": "übersprungen: {holder} hält sie bis {until} ({zone}); --force ruft sie trotzdem ab",
    },
    "crawl_source": {"en": "source", "de": "Quelle"},
    "crawl_items": {"en": "items", "de": "Einträge"},
    "crawl_new": {"en": "new mentions", "de": "neue Erwähnungen"},
    "crawl_pages": {"en": "pages", "de": "Seiten"},
    "crawl_backlog": {"en": "left for later", "de": "für später"},
    "crawl_error": {"en": "error", "de": "Fehler"},
    "crawl_backlog_note": {
        "en": "Some sources have more pages than one crawl reads (settings: "
        "max_pages_per_crawl); the next crawls read the pages left.",
        "de": "Manche Quellen haben mehr Seiten, als ein Abruf liest (settings: "
        "max_pages_per_crawl); die nächsten Abrufe lesen die übrigen Seiten.",
    },
    "drained_sent": {
        "en": "Sent {count} mail(s) that were due.",
        "de": "{count} fällige Mail(s) gesendet.",
    },
    "drained_retrying": {
        "en": "{count} mail(s) could not be sent yet and wait in the outbox for their next "
        "attempt (monitor outbox shows why; monitor run or the next crawl sends them).",
        "de": "{count} Mail(s) ließen sich noch nicht senden und warten im Postausgang auf "
        "den nächsten Versuch (monitor outbox zeigt warum; monitor run oder der nächste "
        "Abruf sendet sie).",
    },
    "drained_failed": {
        "en": "{count} mail(s) failed for good: see monitor outbox.",
        "de": "{count} Mail(s) endgültig gescheitert: siehe monitor outbox.",
    },
    "digest_how": {
        "en": "say --preview FILE or --send",
        "de": "geben Sie --preview DATEI oder --send an",
    },
    "digest_immediate": {
        "en": "'{alert}' is an immediate alert: it has no digest",
        "de": "„{alert}“ ist ein Sofortalarm: er hat keine Zusammenfassung",
    },
    "digest_already_queued": {
        "en": "{alert}: already queued by mail #{mail} (another process, a moment ago); "
        "nothing more to send",
        "de": "{alert}: schon eingereiht als Mail #{mail} (ein anderer Prozess, gerade eben); "
        "sonst ist nichts zu senden",
    },
    "digest_nothing": {
        "en": "{alert}: no new mentions, nothing to send",
        "de": "{alert}: keine neuen Erwähnungen, nichts zu senden",
    },
    "digest_preview": {
        "en": "preview of {count} mentions written to {file}",
        "de": "Vorschau mit {count} Erwähnungen in {file} geschrieben",
    },
    "digest_sent": {
        "en": "{alert}: {count} mentions; sent {sent}, retrying {retrying}, failed {failed}",
        "de": "{alert}: {count} Erwähnungen; gesendet {sent}, neuer Versuch {retrying}, "
        "gescheitert {failed}",
    },
    "demo_title": {
        "en": ": bundled site on 127.0.0.1 (a blog's feed, a phpBB forum in Latin-1, a shop's "
        "reviews), SMTP server in-process",
        "de": ": mitgelieferte Website auf 127.0.0.1 (der Feed eines Blogs, ein phpBB-Forum "
        "in Latin-1, die Bewertungen eines Shops), SMTP-Server im Prozess",
    },
    "demo_second_crawl": {
        "en": "second crawl of the same sources: {count} new mentions (stored once)",
        "de": "zweiter Abruf derselben Quellen: {count} neue Erwähnungen (einmal gespeichert)",
    },
    "demo_mails": {
        "en": "mails received by the SMTP server: {count}",
        "de": "vom SMTP-Server empfangene Mails: {count}",
    },
    "demo_open": {"en": "open the digest: {file}", "de": "die Zusammenfassung öffnen: {file}"},
    # --- mentions, sources, outbox ---------------------------------------------------------
    "no_mentions_yet": {"en": "no mentions stored yet", "de": "noch keine Erwähnungen gespeichert"},
    "no_sources_yet": {"en": "no source crawled yet", "de": "noch keine Quelle abgerufen"},
    "no_mail_yet": {"en": "no mail queued yet", "de": "noch keine Mail eingereiht"},
    "column_reference": {"en": "ref", "de": "Ref."},
    "column_brand": {"en": "brand", "de": "Marke"},
    "column_source": {"en": "source", "de": "Quelle"},
    "column_date": {"en": "date ({zone})", "de": "Datum ({zone})"},
    "column_title": {"en": "title", "de": "Titel"},
    "column_type": {"en": "type", "de": "Typ"},
    "column_state": {"en": "state", "de": "Zustand"},
    "column_last_success": {"en": "last success ({zone})", "de": "zuletzt erfolgreich ({zone})"},
    "column_failures": {"en": "failures", "de": "Fehlversuche"},
    "column_items": {"en": "items", "de": "Einträge"},
    "column_undated": {"en": "undated", "de": "ohne Datum"},
    "column_unread": {"en": "unread", "de": "ungelesen"},
    "column_problem": {"en": "problem", "de": "Problem"},
    "column_id": {"en": "id", "de": "Nr."},
    "column_status": {"en": "status", "de": "Status"},
    "column_alert": {"en": "alert", "de": "Alarm"},
    "column_subject": {"en": "subject", "de": "Betreff"},
    "column_attempts": {"en": "attempts", "de": "Versuche"},
    "column_next_or_sent": {
        "en": "next / sent at ({zone})",
        "de": "nächster Versuch / gesendet ({zone})",
    },
    "column_last_error": {"en": "last error", "de": "letzter Fehler"},
    "never": {"en": "never", "de": "nie"},
    "never_crawled": {"en": "never crawled", "de": "nie abgerufen"},
    "state_new": {"en": "new", "de": "neu"},
    "state_ok": {"en": "ok", "de": "in Ordnung"},
    "state_failing": {"en": "failing", "de": "gestört"},
    "state_broken": {"en": "broken", "de": "defekt"},
    "status_pending": {"en": "pending", "de": "wartet"},
    "status_sent": {"en": "sent", "de": "gesendet"},
    "status_failed": {"en": "failed", "de": "gescheitert"},
    "refused": {"en": " (refused: {recipients})", "de": " (abgelehnt: {recipients})"},
    # --- try and query ---------------------------------------------------------------------
    "invalid_query": {
        "en": "invalid query: {reason} at column {column}",
        "de": "ungültige Suchanfrage: {reason} (Spalte {column})",
    },
    "query_one_text": {
        "en": "give the text with exactly one of --text, --file or --url",
        "de": "geben Sie den Text mit genau einer der Optionen --text, --file oder --url an",
    },
    "could_not_fetch": {
        "en": "could not fetch {url}: {reason}",
        "de": "{url} ließ sich nicht abrufen: {reason}",
    },
    "try_a_url": {
        "en": "; to try a URL give --preset or --type",
        "de": "; um eine URL zu probieren, geben Sie --preset oder --type an",
    },
    "selector_spec": {
        "en": "--selector {override}: write NAME=SPEC, e.g. date='p.author time'",
        "de": "--selector {override}: schreiben Sie NAME=SPEC, z. B. date='p.author time'",
    },
    "pages_fetched": {"en": "pages fetched: {count}", "de": "abgerufene Seiten: {count}"},
    "page_visit": {
        "en": "  {kind} {status}: {items} items, {followed} links followed  {url}",
        "de": "  {kind} {status}: {items} Einträge, {followed} Links verfolgt  {url}",
    },
    "items_found": {
        "en": "\n{count} items (dates in {zone}):",
        "de": "\n{count} Einträge (Zeiten in {zone}):",
    },
    "no_author": {"en": "(no author)", "de": "(ohne Autor)"},
    "no_date": {"en": "no date", "de": "ohne Datum"},
    "warning": {"en": "warning: {warning}", "de": "Warnung: {warning}"},
    "no_items": {
        "en": "no items: the page was fetched, but nothing in it was read as an item",
        "de": "keine Einträge: die Seite wurde abgerufen, aber nichts darin als Eintrag gelesen",
    },
    "no_brands_here": {
        "en": "(no sources.yaml here, so no brands were matched)",
        "de": "(hier gibt es keine sources.yaml, also wurde nach keiner Marke gesucht)",
    },
    "items_with_brand": {
        "en": "\n{count} items mention a brand:",
        "de": "\n{count} Einträge erwähnen eine Marke:",
    },
    "brand_in_item": {
        "en": "  {brand} ({terms}) in item {number}: {title}",
        "de": "  {brand} ({terms}) in Eintrag {number}: {title}",
    },
}


def said(key: str, language: Language, values: dict[str, object]) -> str:
    """The sentence `key` in `language` with `values` filled in."""
    return WORDS[key][language].format_map(values)
