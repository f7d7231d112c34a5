"""Mails rendered from Jinja2 templates: digests and immediate alerts, HTML and plain text.

Everything that came from the web is data: the HTML templates autoescape, links are only
emitted when they are http(s), and snippets are rendered from their marked segments, so
no markup from a page ever reaches a mail. The HTML is laid out with tables at 640 px and
its CSS is inlined (css-inline), which is what Outlook and Gmail render. Dates and
numbers are formatted for the mail's language with Babel.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import css_inline
import jinja2
from babel.dates import format_date, format_datetime, get_day_names
from babel.numbers import format_decimal

from monitor import domain, text
from monitor.config import schedule
from monitor.notify.words import WORDS


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class Item:
    """One mention as a template shows it: strings ready, nothing left to compute."""

    reference: str
    brand: str
    title: str
    link: str | None
    source: str
    host: str
    date: str
    rating: str | None
    snippet: tuple[tuple[str, bool], ...]
    author: str | None
    why: str | None = None
    # Other places the same story was seen: (label, link or None when not http(s)).
    also: tuple[tuple[str, str | None], ...] = ()

    @property
    def snippet_text(self) -> str:
        return "".join(f"*{piece}*" if marked else piece for piece, marked in self.snippet)


@dataclass(frozen=True, slots=True)
class Urgent:
    """A mention for an immediate alert, with why it is urgent."""

    mention: domain.StoredMention
    kind: domain.Urgency
    terms: tuple[str, ...] = ()


_environment = jinja2.Environment(
    loader=jinja2.PackageLoader("monitor.notify", "templates"),
    # Templates are named *.html.j2: escape every one of them (select_autoescape matches
    # the full suffix).
    autoescape=jinja2.select_autoescape(["html", "html.j2"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def safe_link(url: str) -> str | None:
    """`url` if it is an http(s) link a mail may carry; None for javascript:, data: and such."""
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.hostname else None


def format_moment(moment: datetime, *, language: str, timezone: str) -> str:
    """`22. Nov. 2026, 08:05` / `22 Nov 2026, 08:05` in the reader's time zone."""
    pattern = "d. MMM y, HH:mm" if language == "de" else "d MMM y, HH:mm"
    return format_datetime(moment, pattern, tzinfo=ZoneInfo(timezone), locale=language)


def format_day(moment: datetime, *, language: str, timezone: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    return format_date(local, "d. MMM" if language == "de" else "d MMM", locale=language)


_CRON_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def schedule_words(written: str, language: str) -> str:
    """A digest's schedule as the mail's reader says it ("täglich um 08:00" for "daily at
    08:00"); a cron expression beyond the spoken forms is quoted as written."""
    words = WORDS[language]
    try:
        rule = schedule.parse_schedule(written)
    except ValueError:
        return written  # checked when sources.yaml was read; never expected here
    if isinstance(rule, schedule.Interval):
        minutes = int(rule.every.total_seconds() // 60)
        for unit, size in (("day", 1440), ("hour", 60), ("minute", 1)):
            if minutes % size == 0 and minutes >= size:
                n = minutes // size
                return words[f"every_{unit}"] if n == 1 else words[f"every_{unit}s"].format(n=n)
        return written  # under a minute: as written
    minute, hour, day, month, weekday = rule.expression.split()
    if minute.isdigit() and hour.isdigit() and (day, month) == ("*", "*"):
        time = f"{int(hour):02d}:{int(minute):02d}"
        if weekday == "*":
            return words["daily_at"].format(time=time)
        if weekday in _CRON_DAYS:
            name = get_day_names("wide", locale=language)[_CRON_DAYS.index(weekday)]
            return words["weekly_at"].format(day=name, time=time)
    return words["on_schedule"].format(cron=written)


def trouble_words(trouble: domain.Trouble, status: int | None, language: str) -> str:
    """What went wrong with a source, as the catalogue says it."""
    return WORDS[language][f"trouble_{trouble}"].format(status=status or "")


def format_stars(value: float, language: str) -> str:
    return format_decimal(round(value, 1), format="0.#", locale=language)


def item(
    mention: domain.StoredMention, *, language: str, timezone: str, why: str | None = None
) -> Item:
    words = WORDS[language]
    rating = None
    if mention.rating is not None:
        rating = f"{format_stars(mention.rating, language)} / 5 ★"
    return Item(
        reference=mention.reference,
        brand=mention.brand,
        title=text.one_line(mention.title, 200) or words["untitled"],
        link=safe_link(mention.url),
        source=mention.source,
        host=urlsplit(mention.url).hostname or "",
        date=format_moment(mention.shown_at, language=language, timezone=timezone),
        rating=rating,
        snippet=tuple(mention.snippet.segments()),
        author=text.one_line(mention.author, 80) if mention.author else None,
        why=why,
        also=tuple(
            (f"{source} · {urlsplit(url).hostname or url}", safe_link(url))
            for source, url in mention.also_seen
        ),
    )


def _render(template: str, subject: str, context: dict[str, object]) -> Rendered:
    context = {**context, "subject": subject}
    html = _environment.get_template(f"{template}.html.j2").render(context)
    return Rendered(
        subject=text.one_line(subject, 250),
        text=_environment.get_template(f"{template}.txt.j2").render(context),
        html=_inliner.inline(html),
    )


def digest(
    *,
    alert: str,
    period: str,
    schedule: str,
    recipients: Sequence[str],
    mentions: Sequence[domain.StoredMention],
    language: str,
    timezone: str,
    now: datetime,
) -> Rendered:
    """The digest mail: grouped by brand (alphabetically), newest first within a brand.

    `period` is "daily", "weekly" or "interval" (see schedule.period_name); `schedule` is
    the alert's schedule as written, for the footer.
    """
    words = WORDS[language]
    ordered = sorted(mentions, key=lambda m: (m.brand.casefold(), -m.shown_at.timestamp(), -m.id))
    groups = [
        (brand, [item(m, language=language, timezone=timezone) for m in group])
        for brand, group in groupby(ordered, key=lambda m: m.brand)
    ]
    count = len(mentions)
    brands = ", ".join(brand for brand, _ in groups) or words["no_brand"]
    noun = words["mention_one"] if count == 1 else words["mention_many"]
    day = format_day(now, language=language, timezone=timezone)
    subject = f"{brands}: {count} {noun} · {words['digest_' + period]} · {day}"
    footer = words["digest_footer"].format(
        alert=alert, schedule=schedule_words(schedule, language), recipients=", ".join(recipients)
    )
    return _render(
        "digest",
        subject,
        {"groups": groups, "words": words, "footer": footer, "language": language,
         "empty": count == 0},
    )  # fmt: skip


def urgent_reason(urgent: Urgent, *, language: str) -> str:
    """One line saying why a mention is urgent; also the subject of a single alert."""
    words = WORDS[language]
    mention = urgent.mention
    if urgent.kind == domain.Urgency.RATING and mention.rating is not None:
        stars = format_stars(mention.rating, language)
        return words["why_rating"].format(stars=stars, brand=mention.brand, source=mention.source)
    if urgent.kind == domain.Urgency.CRISIS and urgent.terms:
        return words["why_crisis"].format(
            term=urgent.terms[0], brand=mention.brand, source=mention.source
        )
    return words["why_mention"].format(brand=mention.brand, source=mention.source)


def immediate(
    *,
    alert: str,
    recipients: Sequence[str],
    urgent: Sequence[Urgent],
    language: str,
    timezone: str,
) -> Rendered:
    """One mail for the urgent mentions one crawl found for an alert (one or several)."""
    words = WORDS[language]
    reasons = [urgent_reason(u, language=language) for u in urgent]
    if len(urgent) == 1:
        subject = reasons[0]
    else:
        subject = words["urgent_many"].format(count=len(urgent), first=reasons[0],
                                              more=len(urgent) - 1)  # fmt: skip
    items = [
        item(u.mention, language=language, timezone=timezone, why=why)
        for u, why in zip(urgent, reasons, strict=True)
    ]
    footer = words["immediate_footer"].format(alert=alert, recipients=", ".join(recipients))
    return _render(
        "immediate",
        subject,
        {"items": items, "words": words, "footer": footer, "language": language},
    )


def health(
    *,
    source: str,
    url: str,
    event: domain.HealthEvent,
    told: tuple[domain.Trouble | None, int | None, str | None],
    failures: int,
    recipients: Sequence[str],
    language: str,
) -> Rendered:
    """The admins' mail when a source breaks ("attention") or works again ("recovered").

    `told` is what went wrong (a trouble of the catalogue, its HTTP status, the URL that
    failed): the mail says it in its own language, never with the exception's text.
    """
    words = WORDS[language]
    if event == domain.HealthEvent.ATTENTION:
        subject = words["health_attention"].format(source=source)
    else:
        subject = words["health_recovered"].format(source=source)
    context: dict[str, object] = {
        "words": words, "event": event, "source": source, "link": safe_link(url), "url": url,
        "reason": trouble_words(told[0], told[1], language) if told[0] else "",
        "where": told[2] if told[2] and told[2] != url else None,
        "failures": failures,
        # Quoted as a POSIX shell needs it: pasted as shown, it runs (names have spaces).
        "try_command": shlex.join(["monitor", "try", source]),
        "footer": words["health_footer"].format(recipients=", ".join(recipients)),
        "language": language,
    }  # fmt: skip
    return _render("health", subject, context)
