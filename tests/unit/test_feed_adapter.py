"""The feed adapter turns RSS/Atom bytes into documents: keys, clean text, dates, warnings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.domain import Document, Request, Response
from monitor.errors import SourceError
from monitor.identity import fingerprint
from monitor.sources.base import Derived
from monitor.sources.feed import ADAPTER, FeedSource

FEED_URL = "https://blog.example/feed.xml"
NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)
SOURCE = FeedSource(type="feed", name="Blog", url=FEED_URL)


def parse(content: bytes, content_type: str = "application/rss+xml", url: str = FEED_URL):
    response = Response(
        request=Request(url, kind="feed"),
        url=url,
        status=200,
        content=content,
        headers={"content-type": content_type},
    )
    return ADAPTER.parse(SOURCE, response, now=NOW, memory={}, derived=Derived())


RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Blog</title><link>https://blog.example/</link>
<item>
  <title>Neue Jacke von &lt;b&gt;Vaude&lt;/b&gt;</title>
  <link>https://Blog.example/p/1?utm_source=rss&amp;utm_medium=feed&amp;id=7</link>
  <description>&lt;p&gt;Die &lt;b&gt;Vaude&lt;/b&gt; Jacke&lt;/p&gt;
  &lt;p&gt;ist gut &amp;amp; warm&lt;/p&gt;
  &lt;script&gt;track()&lt;/script&gt;</description>
  <pubDate>Mon, 06 May 2024 08:30:00 +0200</pubDate>
  <author>anna@example.org (Anna)</author>
  <guid>https://blog.example/?p=1</guid>
</item>
<item>
  <title>Ohne Link</title>
  <guid isPermaLink="false">post-2</guid>
  <description>Text zwei</description>
</item>
<item>
  <title>Weder noch</title>
  <description>Text drei</description>
</item>
</channel></rss>"""


def test_rss_entries_become_documents_with_clean_text_and_links() -> None:
    page = parse(RSS)

    assert page.warnings == ()
    assert page.requests == ()
    assert page.documents[0] == Document(
        key="https://blog.example/p/1?id=7",
        url="https://blog.example/p/1?id=7",
        title="Neue Jacke von Vaude",
        text="Die Vaude Jacke\nist gut & warm",
        author="anna@example.org (Anna)",
        published_at=datetime(2024, 5, 6, 6, 30, tzinfo=UTC),
    )


def test_an_entry_without_link_is_keyed_by_its_guid() -> None:
    document = parse(RSS).documents[1]
    assert document.key == "guid:post-2"
    assert document.url == FEED_URL  # the reader still gets somewhere to click
    assert (document.title, document.text) == ("Ohne Link", "Text zwei")
    assert document.published_at is None


def test_an_entry_without_link_or_guid_is_keyed_by_a_stable_hash() -> None:
    document = parse(RSS).documents[2]
    assert document.key == fingerprint.document_key(
        link=None, guid=None, fallback=("Blog", "Weder noch", "", "Text drei")
    )
    assert document.key.startswith("hash:")
    assert parse(RSS).documents[2].key == document.key


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de">
  <title>Forum</title><id>urn:forum</id><updated>2024-05-06T10:00:00Z</updated>
  <entry>
    <title type="html">Über &lt;i&gt;Müller Medical&lt;/i&gt;</title>
    <link rel="alternate" href="https://forum.example/t/1?fbclid=x#comments"/>
    <id>urn:forum:1</id>
    <updated>2024-05-06T10:00:00Z</updated>
    <summary>Kurzfassung</summary>
    <content type="html">&lt;div&gt;Ganzer &lt;b&gt;Text&lt;/b&gt;&lt;/div&gt;
      &lt;div&gt;zweiter Absatz&lt;/div&gt;</content>
    <author><name>Jörg</name></author>
  </entry>
</feed>""".encode()


def test_atom_entries_prefer_content_over_summary() -> None:
    (document,) = parse(ATOM, "application/atom+xml").documents
    assert document == Document(
        key="https://forum.example/t/1",
        url="https://forum.example/t/1",
        title="Über Müller Medical",
        text="Ganzer Text\nzweiter Absatz",
        author="Jörg",
        published_at=datetime(2024, 5, 6, 10, 0, tzinfo=UTC),
        language="de",
    )


@pytest.mark.parametrize("encoding", ["iso-8859-1", "windows-1252"])
def test_a_feed_in_a_legacy_encoding_declared_in_its_prolog_keeps_its_umlauts(
    encoding: str,
) -> None:
    feed = (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        '<rss version="2.0"><channel><title>Presse</title>'
        "<item><title>Müller Medical übernimmt</title><link>https://presse.example/1</link>"
        "<description>Grüße aus Köln</description></item>"
        "</channel></rss>"
    ).encode(encoding)
    page = parse(feed, "application/rss+xml")
    assert page.warnings == ()
    (document,) = page.documents
    assert document.title == "Müller Medical übernimmt"
    assert document.text == "Grüße aus Köln"


def test_a_windows_1252_feed_keeps_typographic_quotes() -> None:
    feed = (
        '<?xml version="1.0" encoding="windows-1252"?>'
        '<rss version="2.0"><channel><title>Presse</title>'
        "<item><title>„Müller“ – 5 €</title><link>https://presse.example/2</link>"
        "<description>x</description></item></channel></rss>"
    ).encode("cp1252")
    (document,) = parse(feed).documents
    assert document.title == "„Müller“ – 5 €"


BROKEN = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Broken</title>
<item><title>One & two</title><link>https://broken.example/1</link><description>Vaude</description></item>
<item><title>Two</title><link>https://broken.example/2</link><description>more</description></item>
</channel>"""


def test_a_malformed_feed_keeps_its_entries_and_warns_once() -> None:
    page = parse(BROKEN)
    assert [d.key for d in page.documents] == [
        "https://broken.example/1",
        "https://broken.example/2",
    ]
    assert page.documents[0].title == "One & two"
    (warning,) = page.warnings
    assert warning.startswith("feed is malformed (")
    assert warning.endswith("kept the 2 entries that could be read")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (
            "text/html; charset=utf-8",
            b"<!DOCTYPE html><html><head><title>Shop</title></head>"
            b"<body><p>Willkommen</p></body></html>",
        ),
        ("application/octet-stream", b"  <html><body>Willkommen</body></html>"),
    ],
)
def test_an_html_page_served_as_the_feed_is_a_source_error(content_type: str, body: bytes) -> None:
    with pytest.raises(SourceError) as caught:
        parse(body, content_type, url="https://blog.example/")
    assert str(caught.value) == (
        "https://blog.example/ served an HTML page, not a feed: check the feed URL"
    )


def test_something_else_entirely_is_a_source_error_naming_its_type() -> None:
    with pytest.raises(
        SourceError, match=r"is not an RSS or Atom feed \(content type 'application/json'\)"
    ):
        parse(b'{"items": []}', "application/json")


def test_start_asks_for_the_feed_url() -> None:
    assert ADAPTER.start(SOURCE, derived=Derived()) == [Request(FEED_URL, kind="feed")]


def test_a_well_formed_feed_served_as_bare_text_xml_gives_no_warning() -> None:
    feed = (
        '<?xml version="1.0" encoding="iso-8859-1"?>'
        '<rss version="2.0"><channel><title>Presse</title>'
        "<item><title>Müller Medical</title><link>https://presse.example/1</link>"
        "<description>Grüße</description></item></channel></rss>"
    ).encode("iso-8859-1")
    page = parse(feed, "text/xml")
    assert page.documents[0].title == "Müller Medical"
    assert page.warnings == ()


@pytest.mark.parametrize(
    ("declaration", "codec"),
    [
        ("", "koi8-r"),  # nothing declared
        ("", "windows-1251"),
        (' encoding="iso-8859-1"', "windows-1251"),  # a Latin label on Cyrillic text
        (' encoding="Shift_JIS"', "cp932"),  # the label, Microsoft's superset in the bytes
        (' encoding="EUC-KR"', "cp949"),
    ],
)
def test_a_feed_in_a_legacy_script_keeps_its_letters(declaration: str, codec: str) -> None:
    title = {"cp932": "①ヴァウデの新しいジャケット", "cp949": "바우데 똠방 재킷"}.get(
        codec, "Вауде: куртка промокла после первого дождя"
    )
    feed = (
        f'<?xml version="1.0"{declaration}?>'
        '<rss version="2.0"><channel><title>Лента</title>'
        f"<item><title>{title}</title><link>https://presse.example/1</link>"
        f"<description>{title}, снова.</description></item></channel></rss>"
    ).encode(codec, errors="ignore")
    page = parse(feed, "application/xml")
    assert page.warnings == ()
    (document,) = page.documents
    assert document.title == title
