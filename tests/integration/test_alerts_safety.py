"""What a hostile page puts in a feed entry reaches the mail as text only: no header, no
recipient, no script, no javascript: link. Real feed server, real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html.parser import HTMLParser

from monitor.crawl import pipeline
from monitor.demo import mailsink
from tests.conftest import FeedServer, Mailroom

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
PUBLISHED = format_datetime(NOW - timedelta(hours=1))

# Written by hand: CR LF as character references survive XML parsing (a literal CR would
# be normalised away), so the title really carries "\r\nBcc: …" into the crawler.
HOSTILE = f"""\
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>Evil</title><link>https://evil.example/</link><description>x</description>
<item>
  <title>Vaude Jacke&#13;&#10;Bcc: x@example.org&#13;&#10;&lt;script&gt;alert(1)&lt;/script&gt;\
</title>
  <link>https://evil.example/post/1</link>
  <dc:creator>Eve&#13;&#10;Bcc: y@example.org</dc:creator>
  <description>&lt;p&gt;Vaude &lt;script&gt;alert(2)&lt;/script&gt;
    &lt;a href="javascript:alert(3)"&gt;klick&lt;/a&gt;&lt;/p&gt;</description>
  <pubDate>{PUBLISHED}</pubDate>
</item>
<item>
  <title>Vaude &lt;img src=x onerror=alert(4)&gt; Link</title>
  <link>javascript:alert(document.cookie)</link>
  <guid isPermaLink="false">evil-2</guid>
  <description>Vaude hier</description>
  <pubDate>{PUBLISHED}</pubDate>
</item>
</channel></rss>
"""


class Elements(HTMLParser):
    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(name, value or "") for name, value in attrs]


async def test_a_hostile_entry_cannot_add_headers_recipients_scripts_or_javascript_links(
    mailroom: Mailroom, feed_server: FeedServer, smtp_sink: mailsink.MailSink
) -> None:
    url = feed_server.serve("/evil.xml", HOSTILE)
    config = mailroom.config(
        "  - name: now\n    recipients: [pr@example.org]\n    immediate: {}\n"
        "  - name: team\n    recipients: [team@example.org]\n    digest: daily at 08:00\n",
        sources={"Evil": url},
    )

    async with mailroom.service(config, smtp_sink.url) as service:
        await mailroom.close(service, "team", now=NOW - timedelta(days=1))
        result = await pipeline.poll_source(service.crawler, config.sources[0], now=NOW)
        await mailroom.close(service, "team", now=NOW + timedelta(days=1))
        await mailroom.drain(service, now=NOW + timedelta(days=1))

    assert result.error is None
    assert len(result.new_mentions) == 2
    assert sorted(mail.recipients for mail in smtp_sink.received) == [
        ["pr@example.org"],
        ["team@example.org"],
    ]
    for mail in smtp_sink.received:
        message = mail.message
        assert "Bcc" not in message
        assert "Cc" not in message
        assert all("x@example.org" not in str(value) for value in message.values())
        assert b"\nBcc:" not in mail.data
        html = mail.part("html")
        page = Elements(html)
        assert "script" not in page.tags
        assert "img" not in page.tags
        assert not [v for _, v in page.attributes if "javascript:" in v.lower()]
        assert not [name for name, _ in page.attributes if name.lower().startswith("on")]
        hrefs = [v for name, v in page.attributes if name == "href"]
        # feedparser drops the javascript: link; the entry then points at the feed itself.
        assert sorted(hrefs) == sorted(["https://evil.example/post/1", url])
        # The title is shown, on one line, as text.
        assert "Vaude Jacke Bcc: x@example.org" in html
        assert "<script" not in html.lower()
        plain = mail.part("plain")
        assert "javascript:" not in plain
