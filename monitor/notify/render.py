"""Digest mails rendered from Jinja2 templates: an HTML part and a plain-text part.

Everything that came from the web is data: the HTML template autoescapes, links are
only emitted when they are http(s), and snippets are rendered from their marked segments
so no markup from a page ever reaches a mail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2

from monitor import domain, text

_MONTHS = {
    "de": ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.",
           "Nov.", "Dez."],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}  # fmt: skip
WORDS = {
    "de": {
        "mentions": "neue Erwähnungen",
        "mention": "neue Erwähnung",
        "digest": "Zusammenfassung",
        "footer": "Diese Zusammenfassung kommt vom Alarm „{alert}“ und geht an {recipients}.",
        "rating": "Bewertung",
        "by": "von",
    },
    "en": {
        "mentions": "new mentions",
        "mention": "new mention",
        "digest": "digest",
        "footer": 'This digest comes from the alert "{alert}" and goes to {recipients}.',
        "rating": "Rating",
        "by": "by",
    },
}


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class Item:
    """One mention as a template shows it: strings ready, nothing left to compute."""

    reference: str
    title: str
    link: str | None
    source: str
    host: str
    date: str
    rating: str | None
    snippet: tuple[tuple[str, bool], ...]
    author: str | None

    @property
    def snippet_text(self) -> str:
        return "".join(f"*{piece}*" if marked else piece for piece, marked in self.snippet)


_environment = jinja2.Environment(
    loader=jinja2.PackageLoader("monitor.notify", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def safe_link(url: str) -> str | None:
    """`url` if it is an http(s) link a mail may carry; None for javascript:, data: and such."""
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.hostname else None


def format_date(moment: datetime, *, language: str, timezone: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    month = _MONTHS[language][local.month - 1]
    if language == "de":
        return f"{local.day}. {month} {local.year}, {local:%H:%M}"
    return f"{local.day} {month} {local.year}, {local:%H:%M}"


def _rating(value: float | None, language: str) -> str | None:
    if value is None:
        return None
    number = f"{value:.1f}".rstrip("0").rstrip(".")
    return (number.replace(".", ",") if language == "de" else number) + " / 5 ★"


def item(mention: domain.StoredMention, *, language: str, timezone: str) -> Item:
    return Item(
        reference=mention.reference,
        title=text.one_line(mention.title, 200) or mention.url,
        link=safe_link(mention.url),
        source=mention.source,
        host=urlsplit(mention.url).hostname or "",
        date=format_date(mention.shown_at, language=language, timezone=timezone),
        rating=_rating(mention.rating, language),
        snippet=tuple(mention.snippet.segments()),
        author=text.one_line(mention.author, 80) if mention.author else None,
    )


def digest(
    *,
    alert: str,
    recipients: Sequence[str],
    mentions: Sequence[domain.StoredMention],
    language: str,
    timezone: str,
    now: datetime,
) -> Rendered:
    """The digest mail for `mentions`, grouped by brand (alphabetically), newest first."""
    words = WORDS[language]
    ordered = sorted(mentions, key=lambda m: (m.brand.casefold(), -m.shown_at.timestamp(), -m.id))
    groups = [
        (brand, [item(m, language=language, timezone=timezone) for m in group])
        for brand, group in groupby(ordered, key=lambda m: m.brand)
    ]
    brands = ", ".join(brand for brand, _ in groups)
    count = len(mentions)
    today = format_date(now, language=language, timezone=timezone).rsplit(" ", 2)[0].rstrip(",")
    noun = words["mention"] if count == 1 else words["mentions"]
    subject = f"{brands}: {count} {noun} · {words['digest']} · {today}"
    context = {
        "subject": subject,
        "groups": groups,
        "words": words,
        "footer": words["footer"].format(alert=alert, recipients=", ".join(recipients)),
        "language": language,
    }
    return Rendered(
        subject=text.one_line(subject, 250),
        text=_environment.get_template("digest.txt.j2").render(context),
        html=_environment.get_template("digest.html.j2").render(context),
    )
