"""Digest rendering: grouped and ordered, localised, and safe against whatever pages contain."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from monitor.domain import Snippet, StoredMention, Trouble
from monitor.notify import render

CREATED = datetime(2024, 3, 3, 5, 0, tzinfo=UTC)
NOW = datetime(2024, 3, 3, 6, 0, tzinfo=UTC)


def mention(
    id: int,
    *,
    brand: str = "Vaude",
    title: str = "Titel",
    url: str = "https://blog.example/p",
    published_at: datetime | None = None,
    snippet: Snippet | None = None,
    author: str | None = None,
    rating: float | None = None,
) -> StoredMention:
    return StoredMention(
        id=id,
        brand=brand,
        title=title,
        url=url,
        source="Blog",
        author=author,
        published_at=published_at,
        created_at=CREATED,
        rating=rating,
        snippet=snippet or Snippet("Die Vaude Jacke", ((4, 9),)),
        terms=("Vaude",),
    )


def digest(
    mentions: list[StoredMention],
    *,
    language: str = "de",
    timezone: str = "Europe/Berlin",
    period: str = "daily",
    schedule: str = "daily at 08:00",
) -> render.Rendered:
    return render.digest(
        alert="team",
        period=period,
        schedule=schedule,
        recipients=["a@example.org", "b@example.org"],
        mentions=mentions,
        language=language,
        timezone=timezone,
        now=NOW,
    )


class _Html(HTMLParser):
    """What a mail client would make of the HTML part: elements, links, bold runs."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.bold: list[str] = []
        self._href: str | None = None
        self._link_text = ""
        self._in_bold = False
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "a":
            self._href, self._link_text = dict(attrs).get("href") or "", ""
        if tag == "b":
            self._in_bold = True
            self.bold.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, self._link_text))
            self._href = None
        if tag == "b":
            self._in_bold = False

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._link_text += data
        if self._in_bold:
            self.bold[-1] += data


def test_mentions_are_grouped_by_brand_and_newest_first_within_a_brand() -> None:
    mentions = [
        mention(1, title="Alt", published_at=datetime(2024, 3, 1, 7, 5, tzinfo=UTC)),
        mention(2, title="Neu", published_at=datetime(2024, 3, 2, 9, 0, tzinfo=UTC)),
        mention(
            3,
            brand="Müller Medical",
            title="Presse",
            url="https://presse.example/1",
            published_at=datetime(2024, 2, 1, 9, 0, tzinfo=UTC),
            snippet=Snippet("Müller Medical wächst", ((0, 14),)),
        ),
    ]
    rendered = digest(mentions)

    order = [line for line in rendered.text.splitlines() if line.startswith(("== ", "Referenz "))]
    assert order == [
        "== Müller Medical ==",
        "Referenz M-3",
        "== Vaude ==",
        "Referenz M-2",
        "Referenz M-1",
    ]
    assert [text for _, text in _Html(rendered.html).links] == ["Presse", "Neu", "Alt"]


def test_german_digest_words_and_dates_in_the_alert_time_zone() -> None:
    rendered = digest(
        [
            mention(
                1, published_at=datetime(2024, 3, 2, 23, 30, tzinfo=UTC), author="Jörg", rating=4.5
            ),
            mention(2, published_at=datetime(2024, 7, 1, 7, 5, tzinfo=UTC)),
        ]
    )
    assert rendered.subject == "Vaude: 2 neue Erwähnungen · Tageszusammenfassung · 3. März"
    # 23:30 UTC is half past midnight the next day in Berlin (CET); July is CEST (+2).
    assert "Blog · blog.example · 3. März 2024, 00:30 · von Jörg · Bewertung 4,5 / 5 ★" in (
        rendered.text
    )
    assert "Blog · blog.example · 1. Juli 2024, 09:05" in rendered.text
    footer = (
        "Diese Zusammenfassung kommt vom Alarm „team“ (täglich um 08:00) "
        "und geht an a@example.org, b@example.org."
    )
    assert rendered.text.endswith(footer)
    assert footer in rendered.html
    assert "3. März 2024, 00:30" in rendered.html
    assert '<html lang="de">' in rendered.html


def test_english_digest_words_and_dates_in_another_time_zone() -> None:
    rendered = digest(
        [mention(7, published_at=datetime(2024, 3, 1, 7, 5, tzinfo=UTC), rating=4.0)],
        language="en",
        timezone="America/Los_Angeles",
        period="interval",
        schedule="every 2h",
    )
    # 06:00 UTC on 3 March is still 2 March in Los Angeles (UTC-8).
    assert rendered.subject == "Vaude: 1 new mention · digest · 2 Mar"
    assert "Blog · blog.example · 29 Feb 2024, 23:05 · Rating 4 / 5 ★" in rendered.text
    assert rendered.text.endswith(
        'This digest comes from the alert "team" (every 2 hours) and goes to '
        "a@example.org, b@example.org."
    )
    assert "Reference M-7" in rendered.text
    assert "Reference M-7" in rendered.html
    assert '<html lang="en">' in rendered.html


def test_the_period_names_the_digest() -> None:
    assert "Wochenzusammenfassung" in digest([mention(1)], period="weekly").subject
    assert "weekly digest" in digest([mention(1)], period="weekly", language="en").subject


def test_an_undated_mention_shows_when_it_was_found() -> None:
    rendered = digest([mention(1, published_at=None)])
    assert "3. März 2024, 06:00" in rendered.text  # CREATED, in Berlin


def test_each_title_links_to_its_permalink_with_its_reference() -> None:
    rendered = digest([mention(12, title="Vaude Test", url="https://blog.example/p/12?id=1")])
    assert _Html(rendered.html).links == [("https://blog.example/p/12?id=1", "Vaude Test")]
    assert "Vaude Test\nhttps://blog.example/p/12?id=1\n" in rendered.text
    assert "Referenz M-12" in rendered.text
    assert "Referenz M-12" in rendered.html


def test_snippet_marks_become_bold_around_only_the_marked_text() -> None:
    snippet = Snippet("Die Vaude Jacke von Vaude", ((4, 9), (20, 25)))
    rendered = digest([mention(1, snippet=snippet)])
    assert _Html(rendered.html).bold == ["Vaude", "Vaude"]
    assert "Die *Vaude* Jacke von *Vaude*" in rendered.text


def test_a_javascript_url_produces_no_link() -> None:
    rendered = digest([mention(1, title="Klick mich", url="javascript:alert(1)")])
    assert _Html(rendered.html).links == []
    assert "javascript:" not in rendered.html
    assert "javascript:" not in rendered.text
    assert "Klick mich" in rendered.html


@pytest.mark.parametrize("url", ["data:text/html,<b>x</b>", "https:///nohost", "ftp://f.example/"])
def test_only_http_links_with_a_host_are_linked(url: str) -> None:
    assert render.safe_link(url) is None
    assert render.safe_link(" https://ok.example/x ") == "https://ok.example/x"


def test_a_script_in_a_title_is_escaped_in_html() -> None:
    rendered = digest([mention(1, title="Neu <script>alert(1)</script>")])
    html = _Html(rendered.html)
    assert "script" not in html.tags
    assert html.links == [("https://blog.example/p", "Neu <script>alert(1)</script>")]


def test_page_markup_in_a_snippet_is_escaped_and_only_marks_are_bold() -> None:
    text = '<img src=x onerror="alert(1)"> Vaude <b>fake</b>'
    start = text.index("Vaude")
    rendered = digest([mention(1, snippet=Snippet(text, ((start, start + 5),)))])
    html = _Html(rendered.html)
    assert "img" not in html.tags
    assert html.bold == ["Vaude"]


def test_a_brand_name_with_markup_characters_is_escaped_in_html() -> None:
    rendered = digest([mention(1, brand="H&M <Kids>")])
    assert "kids" not in _Html(rendered.html).tags
    assert "H&amp;M &lt;Kids&gt;" in rendered.html


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_health_mail_suggests_a_command_that_runs_when_pasted(language):
    import html
    import re
    import shlex

    from monitor.domain import HealthEvent

    name = "Falscher Feed's $HOME"
    mail = render.health(
        source=name, url="https://example.org/feed", event=HealthEvent.ATTENTION,
        told=(Trouble.STATUS, 404, None), failures=3, recipients=["admin@example.org"],
        language=language,
    )  # fmt: skip
    # On a line of its own in the text, in a code element in the HTML: copied whole.
    line = next(line for line in mail.text.splitlines() if "monitor try" in line)
    shown = re.search(r"<code>(.*?)</code>", mail.html)
    assert shown is not None
    for command in (line.strip(), html.unescape(shown.group(1))):
        assert shlex.split(command) == ["monitor", "try", name]


def _every_mail(language: str) -> list[render.Rendered]:
    """One mail of every kind, in `language`, with every optional part shown."""
    from monitor.domain import HealthEvent, Urgency

    mentions = [mention(1, rating=1.0, author="Anna"), mention(2, published_at=NOW)]
    urgent = [render.Urgent(mentions[0], Urgency.RATING), render.Urgent(mentions[1],
              Urgency.CRISIS, ("Rückruf",))]  # fmt: skip
    mails = [digest(mentions, language=language, schedule=written)
             for written in ("daily at 08:00", "weekly on monday at 08:00", "every 2h",
                             "0 8 * * 1-5")]  # fmt: skip
    mails.append(digest([], language=language))
    for found in (urgent[:1], urgent):
        mails.append(render.immediate(alert="team", recipients=["a@example.org"], urgent=found,
                                      language=language, timezone="Europe/Berlin"))  # fmt: skip
    for trouble in Trouble:
        mails.append(render.health(
            source="Blog", url="https://blog.example/feed", event=HealthEvent.ATTENTION,
            told=(trouble, 503, "https://blog.example/page/2"), failures=3,
            recipients=["admin@example.org"], language=language,
        ))  # fmt: skip
    mails.append(render.health(
        source="Blog", url="https://blog.example/feed", event=HealthEvent.RECOVERED,
        told=(None, None, None), failures=0, recipients=["admin@example.org"],
        language=language,
    ))  # fmt: skip
    return mails


def _fragments(language: str) -> set[str]:
    """The catalogue's sentences in `language`, cut at their placeholders: the pieces of
    at least two words that a mail would show as they are."""
    import re

    pieces = set()
    for sentence in render.WORDS[language].values():
        for piece in re.split(r"\{[a-z_]+\}", sentence):
            piece = piece.strip(" .,:;·'\"„“()")
            if len(piece.split()) >= 2:
                pieces.add(piece)
    return pieces


@pytest.mark.parametrize(("language", "other"), [("de", "en"), ("en", "de")])
def test_a_mail_holds_no_sentence_of_the_other_language(language, other):
    import html

    foreign = _fragments(other) - _fragments(language)
    assert len(foreign) > 20  # the check reads the whole catalogue
    for mail in _every_mail(language):
        for part in (mail.subject, mail.text, html.unescape(mail.html)):
            found = [piece for piece in foreign if piece in part]
            assert not found, (language, found, part[:300])
    # Schedules are said in the reader's words, not as sources.yaml has them.
    said = " ".join(mail.text for mail in _every_mail(language))
    expected = {"de": ["täglich um 08:00", "jeden Montag um 08:00", "alle 2 Stunden",
                       "nach dem Zeitplan „0 8 * * 1-5“"],
                "en": ["daily at 08:00", "every Monday at 08:00", "every 2 hours",
                       "on the schedule '0 8 * * 1-5'"]}[language]  # fmt: skip
    for phrase in expected:
        assert phrase in said, phrase


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_health_mail_says_what_went_wrong_in_its_words_never_the_exception(language):
    from monitor.crawl import health
    from monitor.domain import HealthEvent
    from monitor.errors import FetchError, SourceError, TimedOutError, UnreachableError

    url = "https://blog.example/feed"
    said = {"de": "Der Server ist nicht erreichbar", "en": "The server cannot be reached"}
    cases = [
        (UnreachableError(url, "cannot connect to blog.example:443: Connection refused"),
         Trouble.UNREACHABLE),
        (TimedOutError(url, "no data for 30 s while reading"), Trouble.TIMEOUT),
        (FetchError(url, "HTTP 404 Not Found", 404), Trouble.STATUS),
        (SourceError("got HTML where a feed was expected: Willkommen"), Trouble.WRONG_CONTENT),
        (RuntimeError("list index out of range"), Trouble.INTERNAL),
    ]  # fmt: skip
    for error, trouble in cases:
        outcome = health.failed(error)
        assert outcome.trouble == trouble
        assert outcome.error  # the technical text stays for logs and `monitor sources`
        mail = render.health(source="Blog", url=url, event=HealthEvent.ATTENTION,
                             told=outcome.told, failures=3, recipients=["a@example.org"],
                             language=language)  # fmt: skip
        for part in (mail.text, mail.html):
            assert str(error) not in part, (trouble, part)
        if trouble == Trouble.UNREACHABLE:
            assert said[language] in mail.text
        if trouble == Trouble.STATUS:
            assert "HTTP 404" in mail.text
