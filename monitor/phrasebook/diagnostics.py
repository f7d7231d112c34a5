"""What reading a page notices, in German and English: the warnings and notes of the
adapters and the crawl (`monitor try` prints them, the log keeps them). See `said`."""

from __future__ import annotations

from monitor.phrasebook.language import Language

DIAGNOSTICS: dict[str, dict[Language, str]] = {
    # --- how a board is read ---------------------------------------------------------------
    "engine_note": {"en": "engine: {reading}", "de": "Engine: {reading}"},
    "own_selectors": {
        "en": "the source's own selectors",
        "de": "die eigenen Selektoren der Quelle",
    },
    "own_selectors_no_preset": {
        "en": "the source's own selectors (no preset)",
        "de": "die eigenen Selektoren der Quelle (kein Preset)",
    },
    "named_preset": {"en": "preset {preset}", "de": "Preset {preset}"},
    "named_preset_for": {
        "en": "preset {preset} ({engine}), as the source names it",
        "de": "Preset {preset} ({engine}), wie die Quelle es nennt",
    },
    "engine_preset": {"en": "{engine}, preset {preset}", "de": "{engine}, Preset {preset}"},
    "no_preset": {"en": "no preset", "de": "kein Preset"},
    "not_recognised": {"en": "not recognised", "de": "nicht erkannt"},
    "engine_read": {"en": "{engine} ({evidence}): {read}", "de": "{engine} ({evidence}): {read}"},
    "engine_read_auto": {
        "en": "{engine} ({evidence}): {read} (preset: auto)",
        "de": "{engine} ({evidence}): {read} (mit preset: auto)",
    },
    "read_with_preset": {"en": "preset {preset}", "de": "Preset {preset}"},
    "read_with_preset_and": {"en": "preset {preset}; {advice}", "de": "Preset {preset}; {advice}"},
    "advice_give_selectors": {
        "en": "no preset reads it yet: give its selectors under selectors (see monitor try "
        "--selector)",
        "de": "noch liest es kein Preset: geben Sie seine Selektoren unter selectors an "
        "(siehe monitor try --selector)",
    },
    "advice_discourse": {
        "en": "type: discourse reads it better (its JSON API: every post with its own link), "
        "with the board's URL",
        "de": "type: discourse liest es besser (über seine JSON-API: jeder Beitrag mit "
        "eigenem Link), mit der URL des Forums",
    },
    "advice_flarum": {
        "en": "type: json with preset: flarum reads it (its JSON API: every post with its "
        "author and link; url: {url})",
        "de": "type: json mit preset: flarum liest es (über seine JSON-API: jeder Beitrag mit "
        "Autor und Link; url: {url})",
    },
    "advice_nodebb": {
        "en": "type: json with preset: nodebb reads it (its read API: every post with its "
        "author and link; url: {url})",
        "de": "type: json mit preset: nodebb liest es (über seine Lese-API: jeder Beitrag mit "
        "Autor und Link; url: {url})",
    },
    "schema_org_evidence": {
        "en": "itemtype DiscussionForumPosting, Comment or Answer",
        "de": "itemtype DiscussionForumPosting, Comment oder Answer",
    },
    "with_engine": {"en": "{warning} [{engine}]", "de": "{warning} [{engine}]"},
    "engine_advice": {"en": "{url} is {engine}: {advice}", "de": "{url} ist {engine}: {advice}"},
    "then": {"en": "{first}; {then}", "de": "{first}; {then}"},
    "unreadable_engine": {
        "en": "{url} is {engine} ({evidence}): {advice}",
        "de": "{url} ist {engine} ({evidence}): {advice}",
    },
    "unreadable_unknown": {
        "en": "{url}: no board engine recognised (no generator, no known markup, no schema.org "
        "forum markup); name a preset or give selectors",
        "de": "{url}: keine Foren-Engine erkannt (kein generator, kein bekanntes Markup, kein "
        "schema.org-Forum-Markup); nennen Sie ein Preset oder geben Sie Selektoren an",
    },
    "closest_preset": {
        "en": "closest preset: {preset} (found {found} of {parts})",
        "de": "nächstes Preset: {preset} ({found} von {parts} gefunden)",
    },
    "closest_preset_lacking": {
        "en": "closest preset: {preset} (found {found} of {parts}; {missing} found nothing)",
        "de": "nächstes Preset: {preset} ({found} von {parts} gefunden; {missing} fanden nichts)",
    },
    "thread_not_list": {
        "en": "{url} is a thread, not a list of threads: its posts are read, but no new "
        "thread of the board is; give the board's list page (the forum that lists the "
        "threads) as the source URL",
        "de": "{url} ist ein Thema, keine Themenliste: seine Beiträge werden gelesen, aber "
        "kein neues Thema des Forums; geben Sie die Listenseite des Forums (die die Themen "
        "auflistet) als URL der Quelle an",
    },
    "matched_nothing": {
        "en": "{url}: selector {field} ({spec}) matched nothing on a page that is not a login wall",
        "de": "{url}: der Selektor {field} ({spec}) fand nichts auf einer Seite, die keine "
        "Anmeldeseite ist",
    },
    "items_without_content": {
        "en": "selector item ({spec}) matched {count} elements, none with a text, a date or "
        "a link of its own: the body, date and permalink selectors miss this page",
        "de": "der Selektor item ({spec}) fand {count} Elemente, keines mit eigenem Text, "
        "Datum oder Link: die Selektoren body, date und permalink verfehlen diese Seite",
    },
    "no_date_in_any_post": {
        "en": "selector date ({spec}) found no date in any post, so first-seen times stand "
        "in; point selectors.date at where this board writes it (phpBB styles that write it "
        "as text: 'p.author time')",
        "de": "der Selektor date ({spec}) fand in keinem Beitrag ein Datum, daher steht die "
        "Zeit des ersten Sehens dafür; richten Sie selectors.date dorthin, wo dieses Forum "
        "es schreibt (phpBB-Stile, die es als Text schreiben: 'p.author time')",
    },
    "posts_without_permalink": {
        "en": "{count} posts had no permalink (selector {spec}); they are keyed by their "
        "text, so an edit makes them new",
        "de": "{count} Beiträge hatten keinen Permalink (Selektor {spec}); sie werden an "
        "ihrem Text erkannt, eine Änderung macht sie also neu",
    },
    "dates_unreadable": {
        "en": "{count} dates could not be read, e.g. {example}",
        "de": "{count} Datumsangaben ließen sich nicht lesen, z. B. {example}",
    },
    # --- reviews, JSON, feeds ----------------------------------------------------------------
    "no_reviews": {
        "en": "{what} found no reviews on a page that is not a login wall",
        "de": "{what} fand keine Bewertungen auf einer Seite, die keine Anmeldeseite ist",
    },
    "selector_item": {"en": "selector item ({spec})", "de": "der Selektor item ({spec})"},
    "json_ld": {"en": "JSON-LD", "de": "JSON-LD"},
    "bad_json_ld": {
        "en": "{count} JSON-LD blocks are not valid JSON; they were skipped",
        "de": "{count} JSON-LD-Blöcke sind kein gültiges JSON; sie wurden übergangen",
    },
    "items_skipped": {
        "en": "{count} items had neither title nor body; skipped",
        "de": "{count} Einträge hatten weder Titel noch Text; übergangen",
    },
    "field_not_a_value": {
        "en": "fields.{name} ('{path}') finds objects or lists, not a value",
        "de": "fields.{name} ('{path}') findet Objekte oder Listen, keinen Wert",
    },
    "feed_malformed": {
        "en": "feed is malformed ({reason}); kept the {count} entries that could be read",
        "de": "Der Feed ist fehlerhaft ({reason}); die {count} lesbaren Einträge wurden behalten",
    },
    # --- the crawl ---------------------------------------------------------------------------
    "skipped_page": {
        "en": "skipped a {kind} page: {reason}",
        "de": "eine Seite ({kind}) übersprungen: {reason}",
    },
    "alias_host": {
        "en": "links lead to {alias} as well as {host}: both are read as one board",
        "de": "Links führen zu {alias} wie zu {host}: beide werden als ein Forum gelesen",
    },
    "item_cut": {
        "en": "{url}: an item of {length} characters (title {title}) was cut to {limit} "
        "({title_limit}) and is matched on that",
        "de": "{url}: ein Eintrag mit {length} Zeichen (Titel {title}) wurde auf {limit} "
        "({title_limit}) gekürzt und so abgeglichen",
    },
    # --- a page that is not what the source expects (SourceError) -----------------------------
    "wanted_pages": {"en": "a board's pages", "de": "der Seiten eines Forums"},
    "wanted_threads": {"en": "a list of threads", "de": "einer Themenliste"},
    "wanted_posts": {"en": "posts", "de": "der Beiträge"},
    "wanted_reviews": {"en": "reviews", "de": "der Bewertungen"},
    "wanted_json": {"en": "JSON", "de": "von JSON"},
    "wanted_discourse": {"en": "Discourse JSON", "de": "von Discourse-JSON"},
    "wall_challenge": {
        "en": "{url} served a {who} challenge instead of {what}: the site blocks automated "
        "readers; ask its operators to allow the monitor, or drop the source",
        "de": "{url} lieferte statt {what} eine Bot-Sperre von {who}: die Website hält "
        "automatische Leser ab; bitten Sie ihre Betreiber, den Monitor zuzulassen, oder "
        "entfernen Sie die Quelle",
    },
    "wall_no_permission": {
        "en": "{url} served a 'no permission' page instead of {what}: the board hides this "
        "area from guests; monitor reads only public pages",
        "de": "{url} lieferte statt {what} eine Seite „keine Berechtigung“: das Forum verbirgt "
        "diesen Bereich vor Gästen; monitor liest nur öffentliche Seiten",
    },
    "wall_login": {
        "en": "{url} served a login page instead of {what}: the board needs an account; "
        "monitor reads only public pages, so pick a public board or forum",
        "de": "{url} lieferte statt {what} eine Anmeldeseite: das Forum verlangt ein Konto; "
        "monitor liest nur öffentliche Seiten, wählen Sie also ein öffentliches Forum",
    },
    "feed_is_html": {
        "en": "{url} served an HTML page, not a feed: check the feed URL",
        "de": "{url} lieferte eine HTML-Seite, keinen Feed: prüfen Sie die URL des Feeds",
    },
    "not_a_feed": {
        "en": "{url} is not an RSS or Atom feed (content type {type})",
        "de": "{url} ist kein RSS- oder Atom-Feed (Inhaltstyp {type})",
    },
    "api_no_list": {
        "en": "{url}: the API's answer has no list at '{path}': the API may have changed, or "
        "the mapping's `items` is wrong",
        "de": "{url}: die Antwort der API hat keine Liste bei „{path}“: die API hat sich "
        "vielleicht geändert, oder `items` der Zuordnung stimmt nicht",
    },
    "api_no_list_says": {
        "en": "{url}: the API's answer has no list at '{path}' (it says: {says}): the API may "
        "have changed, or the mapping's `items` is wrong",
        "de": "{url}: die Antwort der API hat keine Liste bei „{path}“ (sie sagt: {says}): die "
        "API hat sich vielleicht geändert, oder `items` der Zuordnung stimmt nicht",
    },
    "api_html": {
        "en": "{url} answered an HTML page instead of JSON (HTTP {status}): the API may be "
        "down, moved, or refusing automated readers; check the URL in a browser",
        "de": "{url} antwortete mit einer HTML-Seite statt JSON (HTTP {status}): die API ist "
        "vielleicht ausgefallen, umgezogen oder hält automatische Leser ab; prüfen Sie die "
        "URL im Browser",
    },
    "api_bad_json": {
        "en": "{url} did not answer valid JSON: {reason}",
        "de": "{url} antwortete nicht mit gültigem JSON: {reason}",
    },
    "discourse_not_topic_list": {
        "en": "{url} is JSON but not a Discourse topic list",
        "de": "{url} ist JSON, aber keine Themenliste von Discourse",
    },
    "discourse_not_topic": {
        "en": "{url} is JSON but not a Discourse topic",
        "de": "{url} ist JSON, aber kein Thema von Discourse",
    },
    "discourse_not_json": {
        "en": "{url} did not answer with JSON: is this a Discourse forum?",
        "de": "{url} antwortete nicht mit JSON: ist das ein Discourse-Forum?",
    },
    "discourse_not_object": {
        "en": "{url} answered JSON that is not a Discourse object",
        "de": "{url} antwortete mit JSON, das kein Discourse-Objekt ist",
    },
    "discourse_login": {
        "en": "{url} served a login page instead of topics: the forum needs an account; "
        "monitor reads only public forums",
        "de": "{url} lieferte statt der Themen eine Anmeldeseite: das Forum verlangt ein "
        "Konto; monitor liest nur öffentliche Foren",
    },
}
