"""Every sentence a mail says, in German and English. Placeholders in {braces}."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "de": {
        "mention_one": "neue Erwähnung",
        "mention_many": "neue Erwähnungen",
        "digest_daily": "Tageszusammenfassung",
        "digest_weekly": "Wochenzusammenfassung",
        "digest_interval": "Zusammenfassung",
        "no_brand": "Keine Marke",
        "empty": "In diesem Zeitraum gab es keine neuen Erwähnungen.",
        "untitled": "(ohne Titel)",
        "rating": "Bewertung",
        "by": "von",
        "reference": "Referenz",
        "also_seen": "Auch gesehen bei",
        "digest_footer": "Diese Zusammenfassung kommt vom Alarm „{alert}“ ({schedule}) "
        "und geht an {recipients}.",
        "immediate_footer": "Dieser Sofortalarm kommt vom Alarm „{alert}“ und geht an "
        "{recipients}.",
        "why_rating": "{stars}★-Bewertung zu {brand} auf {source}",
        "why_crisis": "Krisenbegriff „{term}“ · {brand} auf {source}",
        "why_mention": "{brand} erwähnt auf {source}",
        "urgent_many": "{count} dringende Erwähnungen: {first} und {more} weitere",
        "health_attention": "Quelle „{source}“ braucht Aufmerksamkeit",
        "health_recovered": "Quelle „{source}“ funktioniert wieder",
        "health_reason": "Grund",
        "health_failures": "Fehlversuche in Folge",
        "health_todo": "Prüfen Sie die Adresse im Browser und mit diesem Befehl:",
        "health_todo_then": "Bei einer Anmeldeseite oder Bot-Sperre braucht die Quelle eine "
        "andere Adresse oder andere Selektoren. Es kommt erst wieder eine Mail, wenn die "
        "Quelle wieder funktioniert.",
        "health_ok": "Die Quelle liefert wieder Beiträge. Es ist nichts zu tun.",
        "health_footer": "Diese Mail geht an die Administratoren ({recipients}).",
        "every_minutes": "alle {n} Minuten",
        "every_hours": "alle {n} Stunden",
        "every_days": "alle {n} Tage",
        "every_minute": "jede Minute",
        "every_hour": "stündlich",
        "every_day": "täglich",
        "daily_at": "täglich um {time}",
        "weekly_at": "jeden {day} um {time}",
        "on_schedule": "nach dem Zeitplan „{cron}“",
        "health_where": "Betroffene Adresse",
        "test_subject": "monitor: Testmail",
        "test_body": "Dies ist eine Testmail von monitor ({command}). Wenn Sie sie lesen "
        "können, funktioniert der Mailversand.",
        "trouble_unreachable": "Der Server ist nicht erreichbar: keine Verbindung.",
        "trouble_timeout": "Der Server antwortet nicht rechtzeitig.",
        "trouble_status": "Der Server antwortet mit dem Fehler HTTP {status}.",
        "trouble_robots": "Die robots.txt der Website erlaubt den Abruf nicht.",
        "trouble_blocked": "Die Adresse ist nicht öffentlich und nicht freigegeben "
        "(MONITOR_ALLOW_HOSTS).",
        "trouble_too_large": "Die Seite ist größer als erlaubt.",
        "trouble_challenge": "Statt der Seite kommt eine Bot-Sperre: die Website hält "
        "automatische Leser ab. Bitten Sie ihre Betreiber, den Monitor zuzulassen, oder "
        "entfernen Sie die Quelle.",
        "trouble_wrong_content": "Die Seite ist nicht, was die Quelle erwartet (etwa HTML statt "
        "eines Feeds, oder eine Anmeldeseite).",
        "trouble_empty_pages": "Seiten ohne Beiträge, wo bisher welche waren.",
        "trouble_fetch": "Die Seite konnte nicht abgerufen werden.",
        "trouble_internal": "Beim Lesen der Quelle trat ein interner Fehler auf (siehe Log).",
    },
    "en": {
        "mention_one": "new mention",
        "mention_many": "new mentions",
        "digest_daily": "daily digest",
        "digest_weekly": "weekly digest",
        "digest_interval": "digest",
        "no_brand": "No brand",
        "empty": "There were no new mentions in this period.",
        "untitled": "(untitled)",
        "rating": "Rating",
        "by": "by",
        "reference": "Reference",
        "also_seen": "Also seen at",
        "digest_footer": 'This digest comes from the alert "{alert}" ({schedule}) and goes '
        "to {recipients}.",
        "immediate_footer": 'This immediate alert comes from the alert "{alert}" and goes to '
        "{recipients}.",
        "why_rating": "{stars}★ review of {brand} on {source}",
        "why_crisis": "Crisis term '{term}' · {brand} on {source}",
        "why_mention": "{brand} mentioned on {source}",
        "urgent_many": "{count} urgent mentions: {first} and {more} more",
        "health_attention": 'Source "{source}" needs attention',
        "health_recovered": 'Source "{source}" works again',
        "health_reason": "Reason",
        "health_failures": "Failed crawls in a row",
        "health_todo": "Check the address in a browser and with this command:",
        "health_todo_then": "A login page or bot challenge means the source needs another "
        "address or other selectors. No further mail comes until the source works again.",
        "health_ok": "The source yields items again. Nothing to do.",
        "health_footer": "This mail goes to the administrators ({recipients}).",
        "every_minutes": "every {n} minutes",
        "every_hours": "every {n} hours",
        "every_days": "every {n} days",
        "every_minute": "every minute",
        "every_hour": "hourly",
        "every_day": "daily",
        "daily_at": "daily at {time}",
        "weekly_at": "every {day} at {time}",
        "on_schedule": "on the schedule '{cron}'",
        "health_where": "Address concerned",
        "test_subject": "monitor: test mail",
        "test_body": "This is a test mail from monitor ({command}). If you can read it, mail "
        "delivery works.",
        "trouble_unreachable": "The server cannot be reached: no connection.",
        "trouble_timeout": "The server does not answer in time.",
        "trouble_status": "The server answers with the error HTTP {status}.",
        "trouble_robots": "The site's robots.txt does not allow fetching it.",
        "trouble_blocked": "The address is not public and not allowed (MONITOR_ALLOW_HOSTS).",
        "trouble_too_large": "The page is larger than allowed.",
        "trouble_challenge": "A bot challenge stands where the page should be: the site "
        "blocks automated readers. Ask its operators to allow the monitor, or drop the "
        "source.",
        "trouble_wrong_content": "The page is not what the source expects (HTML instead of a "
        "feed, say, or a login page).",
        "trouble_empty_pages": "Pages without items where there used to be some.",
        "trouble_fetch": "The page could not be fetched.",
        "trouble_internal": "An internal error occurred while reading the source (see the log).",
    },
}
