"""Search sources: URL templates, presets, brand queries from config, and parsing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from monitor import domain, sources
from monitor.config import sources_yaml
from monitor.errors import ConfigError, SourceError
from monitor.sources import search

NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)
CONFIG: TypeAdapter[Any] = TypeAdapter(sources.SourceConfig)
TEMPLATE = "https://search.example.com/rss?q={query}&lang=de"


def source(**fields: Any) -> search.SearchSource:
    made = CONFIG.validate_python({"type": "search", "name": "s", **fields})
    assert isinstance(made, search.SearchSource)
    return made


def response(url: str, content: bytes, content_type: str) -> domain.Response:
    request = domain.Request(url, kind="search")
    return domain.Response(request, url, 200, content, {"content-type": content_type})


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("plus", "M%C3%BCller+Medical"), ("percent", "M%C3%BCller%20Medical")],
)
def test_the_query_is_utf8_and_url_encoded(encoding: Any, expected: str) -> None:
    url = search.expand(TEMPLATE, "Müller Medical", encoding)
    assert url == f"https://search.example.com/rss?q={expected}&lang=de"


def test_reserved_characters_cannot_change_the_url() -> None:
    url = search.expand(TEMPLATE, 'a&b=c/d?"e"#f+g', "plus")
    assert url == "https://search.example.com/rss?q=a%26b%3Dc%2Fd%3F%22e%22%23f%2Bg&lang=de"


def test_explicit_queries_are_sent_as_written_once_each() -> None:
    src = source(url=TEMPLATE, queries=["Müller Medical", "MüMed -test", "Müller Medical"])
    requests = search.ADAPTER.start(src, derived=sources.Derived())
    assert [r.url for r in requests] == [
        "https://search.example.com/rss?q=M%C3%BCller+Medical&lang=de",
        "https://search.example.com/rss?q=M%C3%BCMed+-test&lang=de",
    ]
    assert [(r.kind, r.context) for r in requests] == [
        ("search", "Müller Medical"), ("search", "MüMed -test"),
    ]  # fmt: skip


def test_without_queries_or_brands_there_is_nothing_to_ask() -> None:
    assert search.ADAPTER.start(source(url=TEMPLATE), derived=sources.Derived()) == []


@pytest.mark.parametrize(
    ("rewrite", "expected"),
    [
        ("google", ["%22M%C3%BCller+Medical%22+OR+M%C3%BCMed"]),
        ("plain", ["M%C3%BCller+Medical", "M%C3%BCMed"]),
        ("none", ["%22M%C3%BCller+Medical%22+OR+M%C3%BCMed"]),
        ("hashtag", ["M%C3%BCllerMedical", "M%C3%BCMed"]),
    ],
)
def test_brand_queries_are_rewritten(rewrite: str, expected: list[str]) -> None:
    src = source(url="https://s.example.com/?q={query}", rewrite=rewrite)
    pairs = search.brand_queries(src, {"Müller Medical": ('"Müller Medical" OR MüMed',)})
    requests = search.ADAPTER.start(src, derived=sources.Derived(brand_queries=pairs))
    assert [r.url for r in requests] == [f"https://s.example.com/?q={q}" for q in expected]


def test_a_preset_gives_url_format_rewrite_and_encoding() -> None:
    src = source(preset="google_news")
    assert src.url == "https://news.google.com/rss/search?q={query}&hl=de&gl=DE&ceid=DE:de"
    assert (src.format, src.rewrite, src.encoding) == ("rss", "google", "plus")
    hn = source(preset="hackernews")
    assert (hn.format, hn.rewrite, hn.encoding, hn.mapping.items) == (
        "json", "plain", "percent", "hits",
    )  # fmt: skip


def test_the_source_overrides_its_preset() -> None:
    src = source(preset="google_news", url="https://news.google.com/rss/search?q={query}&hl=en",
                 rewrite="plain")  # fmt: skip
    assert src.url.endswith("hl=en")
    assert src.rewrite == "plain"


def test_json_presets_with_a_search_url_can_be_searched() -> None:
    src = source(preset="mastodon_search", instance="https://mastodon.example/")
    assert src.url == "https://mastodon.example/api/v2/search?q={query}&type=statuses&resolve=false"
    assert src.format == "json"
    assert src.mapping.items == "statuses"


def test_instance_presets_need_an_instance() -> None:
    with pytest.raises(ValidationError, match="needs `instance:`"):
        source(preset="mastodon_tag")
    with pytest.raises(ValidationError, match="needs `instance:`"):
        source(preset="mastodon_tag", instance="mastodon.example/path")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "https://s.example.com/?q=x"}, "needs {query}"),
        ({"url": "https://s.example.com/{lang}?q={query}"}, "has {lang}"),
        ({"preset": "phpbb"}, "not a search preset; use one of"),
        ({"preset": "nope"}, "unknown preset 'nope'"),
        ({"url": TEMPLATE, "format": "json"}, "`items` is needed"),
        ({"url": TEMPLATE, "rewrite": "bing"}, "rewrite"),
        ({"url": TEMPLATE, "items": "hits"}, "items: only for `format: json`"),
    ],
)
def test_wrong_settings_are_config_errors(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        source(**fields)


def test_rss_answers_are_read_by_the_feed_adapter() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
      <item><title>Vaude news</title>
      <link>https://www.google.com/url?rct=j&amp;sa=t&amp;url=https://news.example/a%3Futm_source%3Dx&amp;ct=ga</link>
      <description>&lt;b&gt;Vaude&lt;/b&gt; opens a shop</description></item></channel></rss>"""
    src = source(url=TEMPLATE, language="de")
    page = search.ADAPTER.parse(
        src, response("https://search.example.com/rss?q=Vaude", rss, "application/rss+xml"),
        now=NOW, memory={}, derived=sources.Derived(),
    )  # fmt: skip
    (document,) = page.documents
    assert (document.key, document.text, document.language) == (
        "https://news.example/a", "Vaude opens a shop", "de",
    )  # fmt: skip


def test_no_results_is_not_an_empty_page() -> None:
    rss = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    page = search.ADAPTER.parse(
        source(url=TEMPLATE),
        response(TEMPLATE, rss, "application/rss+xml"),
        now=NOW,
        memory={},
        derived=sources.Derived(),
    )
    assert page.documents == ()
    assert page.empty is False
    hits = json.dumps({"hits": []}).encode()
    page = search.ADAPTER.parse(
        source(preset="hackernews"), response(TEMPLATE, hits, "application/json"),
        now=NOW, memory={}, derived=sources.Derived(),
    )  # fmt: skip
    assert (page.documents, page.empty) == ((), False)


def test_an_html_page_at_a_json_search_url_is_a_source_error() -> None:
    html = b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"
    with pytest.raises(SourceError, match="HTML page instead of JSON"):
        search.ADAPTER.parse(
            source(preset="hackernews"),
            response(TEMPLATE, html, "text/html"),
            now=NOW,
            memory={},
            derived=sources.Derived(),
        )


def test_an_html_page_at_an_rss_search_url_is_a_source_error() -> None:
    html = b"<!DOCTYPE html><html><body><p>Are you a robot?</p></body></html>"
    with pytest.raises(SourceError, match="HTML page, not a feed"):
        search.ADAPTER.parse(
            source(url=TEMPLATE),
            response(TEMPLATE, html, "text/html"),
            now=NOW,
            memory={},
            derived=sources.Derived(),
        )


# --- config derives the brand queries ---------------------------------------------------

YAML = """\
brands:
  - name: Müller Medical
    query: '"Müller Medical" OR MüMed'
    exclude: [Praktikum]
  - name: Vaude
    queries: [Vaude, 'title:Vaude']
sources:
  - type: feed
    name: blog
    url: https://blog.example.com/feed
  - type: search
    name: everyone
    preset: google_news
  - type: search
    name: only vaude
    preset: hackernews
    brands: [Vaude]
  - type: search
    name: own words
    url: https://s.example.com/?q={query}
    brands: [Vaude]
    queries: ['Vaude Jacke']
"""


def test_config_gives_each_search_source_its_brands_queries() -> None:
    loaded = sources_yaml.parse(YAML)
    everyone, only_vaude, own = (s for s in loaded.sources if isinstance(s, search.SearchSource))
    assert loaded.derived(everyone).brand_queries == (
        ("Müller Medical", '"Müller Medical" OR MüMed'), ("Vaude", "Vaude"),
        ("Vaude", "title:Vaude"),
    )  # fmt: skip
    assert loaded.derived(only_vaude).brand_queries == (
        ("Vaude", "Vaude"),
        ("Vaude", "title:Vaude"),
    )
    assert loaded.derived(own).brand_queries == ()
    started = search.ADAPTER.start(own, derived=loaded.derived(own))
    assert [r.url for r in started] == ["https://s.example.com/?q=Vaude+Jacke"]
    asked = search.ADAPTER.start(everyone, derived=loaded.derived(everyone))
    assert [r.context for r in asked] == [
        '"Müller Medical" OR MüMed', "Vaude", "intitle:Vaude",
    ]  # fmt: skip
    assert loaded.sources[0].type == "feed"


def test_an_unknown_brand_is_a_config_error_on_its_line() -> None:
    broken = YAML.replace("    brands: [Vaude]\n", "    brands:\n      - Vaude\n      - Vaud\n", 1)
    with pytest.raises(ConfigError) as caught:
        sources_yaml.parse(broken)
    (problem,) = caught.value.problems
    assert (problem.line, problem.path) == (19, "sources[2].brands[1]")
    assert problem.message == "no brand is named 'Vaud': did you mean 'Vaude'?"


def test_brand_queries_cannot_be_written_in_sources_yaml() -> None:
    broken = YAML.replace("    brands: [Vaude]\n", "    brand_queries: [[Vaude, x]]\n", 1)
    with pytest.raises(ConfigError, match="unknown key 'brand_queries'"):
        sources_yaml.parse(broken)


def test_loading_leaves_each_source_as_written() -> None:
    """What the rest of the file implies is derived beside a source, never written into it."""
    loaded = sources_yaml.parse(YAML + "settings: {timezone: Asia/Tokyo}\n")
    blog, everyone = loaded.sources[0], loaded.sources[1]
    assert (blog.timezone, loaded.derived(blog).timezone) == (None, "Asia/Tokyo")
    assert "brand_queries" not in type(everyone).model_fields
    own_zone = YAML.replace(
        "    url: https://blog.example.com/feed\n",
        "    url: https://blog.example.com/feed\n    timezone: UTC\n", 1,
    )  # fmt: skip
    reloaded = sources_yaml.parse(own_zone)
    assert reloaded.derived(reloaded.sources[0]).timezone == "UTC"


def test_a_source_time_zone_is_checked() -> None:
    broken = YAML.replace(
        "    url: https://blog.example.com/feed\n",
        "    url: https://blog.example.com/feed\n    timezone: Mars/Olympus\n",
        1,
    )
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        sources_yaml.parse(broken)
