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
    },
}
