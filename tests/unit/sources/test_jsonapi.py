"""JSON API sources: the JMESPath mapping, its checks, dates, links and error pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from monitor import domain, sources
from monitor.errors import SourceError
from monitor.sources import jsonapi
from monitor.sources.reading import jsonpath

NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)
URL = "https://api.example.com/v1/search?q=Vaude"
CONFIG: TypeAdapter[Any] = TypeAdapter(sources.SourceConfig)
FIELDS = {"title": "title", "body": "text", "author": "user.name", "date": "time",
          "link": "url", "id": "id", "rating": "stars"}  # fmt: skip


def source(**fields: Any) -> jsonapi.JsonSource:
    data = {"type": "json", "name": "api", "url": URL, "items": "data.items", "fields": FIELDS}
    made = CONFIG.validate_python({**data, **fields})
    assert isinstance(made, jsonapi.JsonSource)
    return made


def parse(src: jsonapi.JsonSource, body: Any, content_type: str = "application/json",
          status: int = 200) -> domain.Page:  # fmt: skip
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = domain.Response(domain.Request(URL, kind="json"), URL, status, content,
                               {"content-type": content_type})  # fmt: skip
    return jsonapi.ADAPTER.parse(
        src, response, now=NOW, memory={}, derived=sources.Derived(src.timezone or "UTC")
    )


def items(*entries: Any) -> dict[str, Any]:
    return {"data": {"items": list(entries)}}


def test_start_asks_the_url() -> None:
    assert jsonapi.ADAPTER.start(source(), derived=sources.Derived()) == [
        domain.Request(URL, kind="json")
    ]


def test_every_field_is_mapped() -> None:
    page = parse(source(), items({
        "title": "Vaude Jacke", "text": "<p>Sehr <b>warm</b> &amp; leicht</p>",
        "user": {"name": "anna"}, "time": "2024-03-14T10:00:00+01:00",
        "url": "https://shop.example.com/r/1?utm_source=api&b=2&a=1", "id": 1, "stars": 4,
    }))  # fmt: skip
    (document,) = page.documents
    assert document == domain.Document(
        key="https://shop.example.com/r/1?a=1&b=2",
        url="https://shop.example.com/r/1?a=1&b=2",
        title="Vaude Jacke",
        text="Sehr warm & leicht",
        author="anna",
        published_at=datetime(2024, 3, 14, 9, 0, tzinfo=UTC),
        rating=4.0,
    )
    assert (page.empty, page.warnings) == (False, ())


def test_missing_fields_are_none_and_the_title_comes_from_the_body() -> None:
    (document,) = parse(source(), items({"text": "Only a body, about Vaude " * 5})).documents
    assert (document.author, document.published_at, document.rating) == (None, None, None)
    assert document.title == "Only a body, about Vaude " * 3 + "Only…"  # 80 characters
    assert document.key.startswith("hash:")
    assert document.url == URL  # nowhere better to send a reader


def test_identity_falls_back_to_the_id_then_to_a_hash() -> None:
    by_id, by_hash = parse(source(), items({"text": "a", "id": 77}, {"text": "b"})).documents
    assert by_id.key == "guid:api.example.com:77"
    assert by_hash.key.startswith("hash:")
    again = parse(source(), items({"text": "b"})).documents[0]
    assert again.key == by_hash.key


def test_an_https_id_is_the_link() -> None:
    (document,) = parse(source(), items({"text": "a", "id": "https://x.example/o/1"})).documents
    assert document.key == document.url == "https://x.example/o/1"


def test_relative_links_resolve_against_the_api_url() -> None:
    (document,) = parse(source(), items({"text": "a", "url": "/t/5/2"})).documents
    assert document.key == "https://api.example.com/t/5/2"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1710499452, datetime(2024, 3, 15, 10, 44, 12, tzinfo=UTC)),
        (1710499452.5, datetime(2024, 3, 15, 10, 44, 12, 500000, tzinfo=UTC)),
        (1710499452123, datetime(2024, 3, 15, 10, 44, 12, 123000, tzinfo=UTC)),
        ("1710499452123", datetime(2024, 3, 15, 10, 44, 12, 123000, tzinfo=UTC)),
        ("1710499452", datetime(2024, 3, 15, 10, 44, 12, tzinfo=UTC)),
        ("2024-03-15T10:44:12.000Z", datetime(2024, 3, 15, 10, 44, 12, tzinfo=UTC)),
        ("15.03.2024, 11:44", datetime(2024, 3, 15, 10, 44, tzinfo=UTC)),
        ("2 hours ago", datetime(2024, 3, 15, 10, 0, tzinfo=UTC)),
    ],
)
def test_dates(value: Any, expected: datetime) -> None:
    src = source(timezone="Europe/Berlin")
    (document,) = parse(src, items({"text": "a", "time": value})).documents
    assert document.published_at == expected


def test_unreadable_dates_are_one_warning() -> None:
    page = parse(source(), items({"text": "a", "time": "soon"}, {"text": "b", "time": "never"}))
    assert [d.published_at for d in page.documents] == [None, None]
    assert page.warnings == ("2 dates could not be read, e.g. 'soon'",)


def test_fields_that_find_objects_are_a_warning_not_text() -> None:
    page = parse(source(), items({"text": "a", "user": {"name": {"first": "A"}}}))
    assert page.documents[0].author is None
    assert page.warnings == ("fields.author ('user.name') finds objects or lists, not a value",)


def test_items_without_title_or_body_are_skipped() -> None:
    page = parse(source(), items({"title": None, "text": ""}, {"text": "kept"}, "a string"))
    assert [d.text for d in page.documents] == ["kept"]
    assert page.warnings == ("2 items had neither title nor body; skipped",)


def test_an_empty_list_is_an_empty_page() -> None:
    page = parse(source(), items())
    assert (page.documents, page.empty, page.warnings) == ((), True, ())


@pytest.mark.parametrize(
    "answer",
    [{"data": {"items": None}}, {"data": {}}, {"data": {"items": {"a": 1}}}, [1, 2], "text"],
)
def test_no_list_at_the_items_path_is_a_source_error_naming_it(answer: Any) -> None:
    with pytest.raises(SourceError, match=r"has no list at 'data\.items'.*API may have changed"):
        parse(source(), answer)


@pytest.mark.parametrize(
    "answer",
    [{"error": 429, "message": "Too many requests"}, {"error": {"message": "Too many requests"}}],
)
def test_the_apis_own_error_message_is_quoted(answer: Any) -> None:
    with pytest.raises(SourceError, match=r"\(it says: 'Too many requests'\)"):
        parse(source(), answer)


def test_an_html_error_page_is_a_source_error() -> None:
    html = b"<!DOCTYPE html><html><body><h1>503 Service Unavailable</h1></body></html>"
    with pytest.raises(SourceError, match=r"answered an HTML page instead of JSON \(HTTP 503\)"):
        parse(source(), html, "text/html; charset=utf-8", status=503)


def test_an_html_page_served_as_json_is_recognised_too() -> None:
    with pytest.raises(SourceError, match="HTML page instead of JSON"):
        parse(source(), b"  <html><body>Maintenance</body></html>")


def test_a_login_page_says_so() -> None:
    html = b'<html><body><form><input type="password" name="p"></form></body></html>'
    with pytest.raises(SourceError, match="login page instead of JSON"):
        parse(source(), html, "text/html")


def test_broken_json_is_a_source_error() -> None:
    with pytest.raises(SourceError, match="did not answer valid JSON"):
        parse(source(), b'{"data": ')


def test_link_template_builds_links_from_the_item() -> None:
    src = source(
        items="posts",
        fields={"body": "record.text", "author": "author.handle"},
        link_template="https://bsky.app/profile/{author.handle}/post/{split(uri, '/')[-1]}",
    )
    post = {"uri": "at://did:plc:abc/app.bsky.feed.post/3kabc", "author": {"handle": "a.b"},
            "record": {"text": "Vaude!"}}  # fmt: skip
    (document,) = parse(src, {"posts": [post]}).documents
    assert document.key == "https://bsky.app/profile/a.b/post/3kabc"
    assert document.author == "a.b"


def test_link_template_falls_back_to_the_link_field() -> None:
    src = source(link_template="https://x.example/{slug}/{id}")
    first, second = parse(src, items(
        {"text": "a", "slug": "s", "id": 1, "url": "https://y.example/1"},
        {"text": "b", "id": 2, "url": "https://y.example/2"},
    )).documents  # fmt: skip
    assert (first.key, second.key) == ("https://x.example/s/1", "https://y.example/2")


def test_ratings_are_read_on_their_scale() -> None:
    src = source(rating_scale=10)
    page = parse(src, items({"text": "a", "stars": 8.5}, {"text": "b", "stars": "7/10"}))
    assert [d.rating for d in page.documents] == [4.25, 3.5]


def test_language_codes_are_shortened() -> None:
    src = source(fields={"body": "text", "language": "lang"}, language="de")
    page = parse(src, items({"text": "a", "lang": "en-GB"}, {"text": "b"}))
    assert [d.language for d in page.documents] == ["en", "de"]


def test_a_preset_gives_the_mapping_and_fields_override_it() -> None:
    src = CONFIG.validate_python({
        "type": "json", "name": "r", "url": URL, "preset": "reddit_json",
        "fields": {"author": "author_fullname"},
    })  # fmt: skip
    assert src.mapping.items == "data.children[].data"
    assert src.mapping.fields.author == "author_fullname"
    assert src.mapping.fields.title == "title"
    assert src.mapping.link_template == "https://www.reddit.com{permalink}"


def test_search_presets_that_read_json_serve_json_sources() -> None:
    src = CONFIG.validate_python({"type": "json", "name": "h", "url": URL, "preset": "hackernews"})
    assert src.mapping.items == "hits"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"items": "data..items"}, "is not a JMESPath expression"),
        ({"items": None}, "`items` is needed"),
        ({"fields": {"author": "user"}}, "at least `title` or `body`"),
        ({"fields": {"titel": "title"}}, "titel"),
        ({"link_template": "https://x.example/"}, "has no {…} placeholder"),
        ({"link_template": "https://x.example/{a..b}"}, "is not a JMESPath expression"),
        ({"preset": "google_news"}, "is not a JSON preset; use one of"),
        ({"preset": "phpbb"}, "is not a JSON preset"),
        ({"rating_scale": 0}, "greater than 0"),
    ],
)
def test_wrong_mappings_are_config_errors(fields: dict[str, Any], message: str) -> None:
    defaults = {} if "preset" in fields else {"items": "data.items", "fields": FIELDS}
    data = {"type": "json", "name": "api", "url": URL, **defaults, **fields}
    with pytest.raises(ValidationError, match=message):
        CONFIG.validate_python({k: v for k, v in data.items() if v is not None})


def test_split_is_the_one_added_function() -> None:
    assert jsonpath.search("split(a, '/')[-1]", {"a": "x/y/z"}) == "z"
    assert jsonpath.search("split(a, '/')", {"a": 5}) is None
    assert jsonpath.search("nothing.here", {"a": 1}) is None


def test_a_json_api_answer_has_its_included_resources_inlined() -> None:
    document = {
        "data": [
            {"type": "posts", "id": "1", "attributes": {"contentHtml": "<p>Vaude</p>"},
             "relationships": {"user": {"data": {"type": "users", "id": "7"}},
                               "tags": {"data": [{"type": "tags", "id": 2}]},
                               "editor": {"data": None},
                               "gone": {"data": {"type": "users", "id": "99"}}}},
        ],
        "included": [
            {"type": "users", "id": "7", "attributes": {"username": "anna"},
             "relationships": {"posts": {"data": [{"type": "posts", "id": "1"}]}}},
            {"type": "tags", "id": "2", "attributes": {"name": "Jacken"}},
        ],
    }  # fmt: skip
    inlined = jsonapi.inline_included(document)
    (post,) = inlined["data"]
    relations = post["relationships"]
    assert relations["user"]["data"] == {"type": "users", "id": "7",
                                         "attributes": {"username": "anna"}}  # fmt: skip
    assert relations["tags"]["data"][0]["attributes"] == {"name": "Jacken"}  # id 2 == "2"
    assert relations["editor"]["data"] is None
    assert relations["gone"]["data"] == {"type": "users", "id": "99"}  # nothing included
    # One level deep: the user's own relation back to the post stays a reference.
    assert inlined["included"][0]["relationships"]["posts"]["data"] == [{"type": "posts",
                                                                         "id": "1"}]  # fmt: skip
    assert document["data"][0]["relationships"]["user"]["data"] == {"type": "users", "id": "7"}


def test_an_answer_without_included_is_left_as_it_is() -> None:
    for answer in ({"data": []}, [1, 2], {"data": [], "included": "x"}):
        assert jsonapi.inline_included(answer) is answer


def test_quotes_in_an_html_body_are_left_out_when_the_mapping_names_them() -> None:
    body = "<p>Meine Jacke</p><blockquote><p>Vaude ist toll</p></blockquote><p>leckt.</p>"
    quoted = parse(source(quote="blockquote"), items({"title": "t", "text": body, "id": 1}))
    assert quoted.documents[0].text == "Meine Jacke\nleckt."
    plain = parse(source(), items({"title": "t", "text": body, "id": 1}))
    assert "Vaude ist toll" in plain.documents[0].text


def test_a_quote_that_is_no_css_selector_is_a_config_error() -> None:
    with pytest.raises(ValidationError, match="is not a valid CSS selector"):
        source(quote="blockquote[")
