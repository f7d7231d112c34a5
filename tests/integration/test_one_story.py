"""One story, one mention: the same post through a blog's own feed (utm link), a Google
Alerts feed (wrapped link) and a search feed (plain link), plus a syndicated copy at
another host, is stored once, alerted once, and shown once with the other places."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.alerting import delivery, digest
from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.crawl import pipeline
from monitor.service.parts import open_service
from monitor.store import db
from monitor.store.schema import Document, Mention
from tests.conftest import Entry, rss_feed
from tests.integration.conftest import database_url

pytestmark = pytest.mark.usefixtures("database")

NOW = datetime.now(UTC).replace(microsecond=0)
POST = "https://blog.example/2026/vaude-ruft-zelte-zurueck"
COPY = "https://presse.example.net/meldungen/4711"
RELEASE = (
    "Vaude ruft das Zelt Hogan Ultralight zurück. Bei einigen Zelten kann die Naht am "
    "Eingang reißen, wenn starker Wind auf das Außenzelt drückt. Kundinnen und Kunden "
    "erhalten ein neues Zelt oder den Kaufpreis zurück, im Fachhandel oder direkt beim "
    "Hersteller in Tettnang. Betroffen sind Zelte aus dem Herbst."
)


def google_alerts_atom(link: str, title: str, body: str) -> str:
    """Google Alerts' RSS output is Atom, each link wrapped in a google.com/url redirect."""
    wrapped = "https://www.google.com/url?rct=j&sa=t&url=" + link.replace(":", "%3A").replace(
        "/", "%2F"
    ) + "&ct=ga&cd=CAIyGjE&usg=AOvVaw1"  # fmt: skip
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:idx="urn:atom-extension:indexing">
  <id>tag:google.com,2005:reader/user/00000/state/com.google/alerts/1</id>
  <title>Google Alert - Vaude</title>
  <updated>{(NOW - timedelta(minutes=30)).isoformat()}</updated>
  <entry>
    <id>tag:google.com,2013:googlealerts/feed:123456789</id>
    <title type="html">{escape(title)}</title>
    <link href="{escape(wrapped)}"/>
    <published>{(NOW - timedelta(hours=1)).isoformat()}</published>
    <updated>{(NOW - timedelta(hours=1)).isoformat()}</updated>
    <content type="html">{escape(body)}</content>
  </entry>
</feed>"""


async def test_one_story_through_three_sources_and_a_copy_is_one_mention(
    tmp_path: Path, feed_server, smtp_sink
) -> None:
    published = NOW - timedelta(hours=1)
    title = "Vaude ruft Zelte zurück"
    feed_server.serve(
        "/blog/feed.xml",
        rss_feed([Entry(title, POST + "?utm_source=rss&utm_medium=feed", RELEASE, published)]),
    )
    feed_server.serve("/alerts/feed.xml", google_alerts_atom(POST, title, RELEASE),
                      content_type="application/atom+xml")  # fmt: skip
    syndicated = RELEASE + " Quelle: Pressemitteilung."
    feed_server.serve(
        "/news/search.rss?q=Vaude",
        rss_feed([
            Entry(title, POST, RELEASE, published),
            Entry("Rückruf: Vaude-Zelt", COPY, syndicated, published),
        ]),
    )  # fmt: skip
    config = sources_yaml.parse(f"""
settings: {{admins: [ops@example.org]}}
brands: [{{name: Vaude, query: Vaude}}]
sources:
  - {{name: Blog, type: feed, url: "{feed_server.base}/blog/feed.xml"}}
  - {{name: Google Alerts, type: feed, url: "{feed_server.base}/alerts/feed.xml"}}
  - {{name: News-Suche, type: search, url: "{feed_server.base}/news/search.rss?q={{query}}"}}
alerts:
  - {{name: sofort, recipients: [team@example.org], immediate: {{}}}}
  - {{name: taeglich, recipients: [team@example.org], digest: daily at 08:00}}
hosts: {{127.0.0.1: {{delay: 0}}}}
""")
    settings = Settings(
        data_dir=tmp_path, database_url=database_url(tmp_path), smtp_url=smtp_sink.url,
        mail_from="monitor@example.org", allow_hosts=("127.0.0.1",),
    )  # fmt: skip
    async with open_service(settings, config) as service:
        results = [
            await pipeline.poll_source(service.crawler, source, now=NOW)
            for source in config.sources
        ]
        await delivery.drain(service.sessions, service.mailer, sender=settings.mail_from,
                             clock=lambda: NOW)  # fmt: skip
        immediate = list(smtp_sink.received)
        prepared = await digest.prepare(
            config, config.alert("taeglich"), service.sessions,
            sender=settings.mail_from, now=NOW,
        )  # fmt: skip
        await delivery.drain(service.sessions, service.mailer, sender=settings.mail_from,
                             clock=lambda: NOW)  # fmt: skip
        async with db.transaction(service.sessions) as session:
            mentions = await session.scalar(select(func.count()).select_from(Mention))
            documents = await session.scalar(select(func.count()).select_from(Document))

    assert [r.error for r in results] == [None, None, None]
    assert [len(r.new_mentions) for r in results] == [1, 0, 0]
    assert (mentions, documents) == (1, 1)
    assert len(immediate) == 1  # alerted once, by the first source to see it
    assert prepared.mentions == 1
    digest_mail = smtp_sink.received[-1]
    html = digest_mail.part("html")
    assert html.count(POST) >= 1
    # The three other places: Google Alerts and the search feed (same URL), the copy.
    seen_at = html.split("Auch gesehen bei")[1].split("</div>")[0]
    assert seen_at.count("<a ") == 3
    assert "Google Alerts" in seen_at
    assert "News-Suche" in seen_at
    assert "presse.example.net" in seen_at
    assert "utm_" not in html
    assert "google.com/url" not in html
