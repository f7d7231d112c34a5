"""Discourse through its JSON: list URLs, memory, chunks, and what is not Discourse."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import TypeAdapter

from monitor import domain, sources
from monitor.errors import SourceError
from monitor.sources import discourse
from tests.unit.sources import golden

NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)
FOLDER = golden.GOLDEN / "discourse"
CONFIG: TypeAdapter[Any] = TypeAdapter(sources.SourceConfig)


def source(**fields: Any) -> discourse.DiscourseSource:
    made = CONFIG.validate_python(
        {"type": "discourse", "name": "d", "url": "https://discuss.example.org", **fields}
    )
    assert isinstance(made, discourse.DiscourseSource)
    return made


def parse(src: discourse.DiscourseSource, content: bytes, kind: str, context: str = "depth=1",
          memory: dict[str, str] | None = None) -> domain.Page:  # fmt: skip
    url = "https://discuss.example.org/latest.json"
    response = domain.Response(domain.Request(url, kind=kind, context=context), url, 200,
                               content, {"content-type": "application/json"})  # fmt: skip
    return discourse.ADAPTER.parse(
        src, response, now=NOW, memory=memory or {}, derived=sources.Derived()
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://d.example.org", "https://d.example.org/latest.json"),
        ("https://d.example.org/", "https://d.example.org/latest.json"),
        ("https://d.example.org/c/support/7", "https://d.example.org/c/support/7.json"),
        ("https://d.example.org/top", "https://d.example.org/top.json"),
        ("https://d.example.org/latest.json", "https://d.example.org/latest.json"),
    ],
)
def test_list_urls(url: str, expected: str) -> None:
    assert discourse.list_url(url) == expected


def test_defaults() -> None:
    src = source()
    assert (src.max_list_pages, src.max_threads, src.max_pages_per_thread) == (1, 30, 3)


def test_unchanged_topics_are_not_requested_again() -> None:
    content = (FOLDER / "latest.json").read_bytes()
    topic = "https://discuss.example.org/t/sync-fails-with-error-e-quota-after-upgrade-to-3-4"
    memory = {
        "thread:https://discuss.example.org/t/about-the-support-category/402": "1",
        f"thread:{topic}/5120": "45",
    }
    assert parse(source(max_list_pages=3), content, "list", memory=memory).requests == ()


def test_more_topics_are_a_continuation() -> None:
    page = parse(source(max_list_pages=2), (FOLDER / "latest.json").read_bytes(), "list")
    more = page.requests[-1]
    assert (more.url, more.continuation) == (
        "https://discuss.example.org/c/support/7/l/latest.json?page=1", True,
    )  # fmt: skip


def test_a_topic_with_one_chunk_asks_for_nothing_more() -> None:
    topic = json.loads((FOLDER / "topic.json").read_bytes())
    topic["post_stream"]["stream"] = [p["id"] for p in topic["post_stream"]["posts"]]
    page = parse(source(), json.dumps(topic).encode(), "thread")
    assert page.requests == ()
    assert len(page.documents) == 2  # the "small action" post is not a document


def test_max_pages_per_thread_one_reads_only_the_topic() -> None:
    assert parse(source(max_pages_per_thread=1), (FOLDER / "topic.json").read_bytes(),
                 "thread").requests == ()  # fmt: skip


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b'{"errors": ["You need to be logged in."], "error_type": "not_logged_in"}',
            "login page instead of topics",
        ),
        (b'<html><body><form><input type="password"></form></body></html>', "served a login page"),
        (b"<html><body><p>Welcome to our blog</p></body></html>", "is this a Discourse forum"),
        (b'{"hello": "world"}', "not a Discourse topic list"),
    ],
)
def test_what_is_not_discourse_json_is_an_error(content: bytes, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        parse(source(), content, "list")


def _topic_with(*posts: dict[str, Any]) -> bytes:
    topic = json.loads((FOLDER / "topic.json").read_bytes())
    first = topic["post_stream"]["posts"][0]
    made = [{**first, "id": 900 + n, "post_number": 10 + n, **post} for n, post in enumerate(posts)]
    topic["post_stream"]["posts"] = made
    topic["post_stream"]["stream"] = [p["id"] for p in made]
    return json.dumps(topic).encode()


def test_an_action_shown_as_a_post_is_not_a_document_whatever_its_type() -> None:
    closed = {"post_type": 2, "action_code": "closed.enabled",
              "cooked": "<p>This topic was automatically closed after 30 days.</p>"}  # fmt: skip
    staff = {"post_type": 2, "cooked": "<p>Vaude here: we are sorry, please mail us.</p>"}
    page = parse(source(), _topic_with(closed, staff), "thread")
    assert [d.text for d in page.documents] == ["Vaude here: we are sorry, please mail us."]


def test_an_image_only_post_is_kept_with_its_alt_text_not_the_lightbox_caption() -> None:
    photo = {
        "cooked": '<p><div class="lightbox-wrapper"><a class="lightbox" href="/u/1.jpg">'
        '<img src="/u/1_2_690x460.jpg" alt="Vaude Jacke, Naht gerissen" width="690">'
        '<div class="meta"><span class="filename">IMG_2041.jpg</span>'
        '<span class="informations">4032×3024 2.1 MB</span></div></a></div></p>'
    }
    emoji = {"cooked": '<p>Danke! <img src="/images/emoji/smile.png" class="emoji" '
             'alt=":smile:"></p>'}  # fmt: skip
    page = parse(source(), _topic_with(photo, emoji), "thread")
    assert [d.text for d in page.documents] == ["Vaude Jacke, Naht gerissen", "Danke!"]
