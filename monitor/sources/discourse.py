"""Discourse forums, read through the JSON every Discourse page has behind it.

    /latest.json (or /c/<slug>/<id>.json)  topic_list.topics, newest activity first,
                                           topic_list.more_topics_url for the next page
    /t/<slug>/<id>.json                    the topic: title, post_stream.posts (the first
                                           chunk, 20 posts) and post_stream.stream (every id)
    /t/<id>/posts.json?post_ids[]=…        any posts of the topic, by id

`url` is the forum's base URL, or a category or list page on it. A topic is requested only
when its `highest_post_number` changed since the last crawl (remembered as
``thread:<canonical topic URL>`` once the topic was read). From a topic, the newest posts
not in its first chunk are requested in chunks of 20, newest first; older chunks are
continuations, so they are fetched only while the newer chunk held something new.
`max_pages_per_thread` counts the topic page and those chunks.

Identity: a post's own URL, ``/t/<slug>/<topic id>/<post number>``. The body is the
"cooked" HTML's visible text without quotes (``aside.quote``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from pydantic import Field
from selectolax.lexbor import LexborHTMLParser

from monitor import domain
from monitor.errors import SourceError
from monitor.identity import fingerprint
from monitor.phrasebook.said import Said
from monitor.sources import forum
from monitor.sources.base import Derived, SourceBase
from monitor.sources.reading import dates, encoding, selectors

CHUNK = 20  # posts per chunk, as Discourse pages its own post stream
_QUOTE = "aside.quote"
_REGULAR_POSTS = (1, 2)  # regular and moderator posts; 3 is a "small action", 4 a whisper


class DiscourseSource(SourceBase):
    """A Discourse forum: `url` is its base URL or a category (/c/<slug>/<id>) on it."""

    type: Literal["discourse"]
    max_list_pages: int = Field(default=1, ge=1, le=20)
    max_threads: int = Field(default=30, ge=1, le=500, description="Per list page.")
    max_pages_per_thread: int = Field(default=3, ge=1, le=50)


def list_url(url: str) -> str:
    """The JSON behind a Discourse list page: the base URL means /latest.json."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if not path:
        path = "/latest"
    if not path.endswith(".json"):
        path += ".json"
    return parts._replace(path=path).geturl()


def _json_url(base: str, relative: str) -> str:
    """/latest?page=1 -> <base>/latest.json?page=1 (more_topics_url is an HTML path)."""
    path, _, query = relative.partition("?")
    if not path.endswith(".json"):
        path += ".json"
    return urljoin(base, path + (f"?{query}" if query else ""))


class DiscourseAdapter:
    def start(self, source: DiscourseSource, *, derived: Derived) -> list[domain.Request]:
        return [domain.Request(list_url(source.url), kind="list", context=_encode(depth=1))]

    def parse(
        self,
        source: DiscourseSource,
        response: domain.Response,
        *,
        now: datetime,
        memory: Mapping[str, str],
        derived: Derived,
    ) -> domain.Page:
        data = _load(response)
        context = _decode(response.request.context)
        if response.request.kind == "list":
            return _list_page(source, response, data, context, memory)
        return _posts_page(source, response, data, context, now)


def _list_page(
    source: DiscourseSource,
    response: domain.Response,
    data: Mapping[str, Any],
    context: Mapping[str, str],
    memory: Mapping[str, str],
) -> domain.Page:
    topic_list = data.get("topic_list")
    if not isinstance(topic_list, Mapping) or not isinstance(topic_list.get("topics"), list):
        raise SourceError(Said("discourse_not_topic_list", url=response.url))
    requests: list[domain.Request] = []
    for topic in topic_list["topics"]:
        if len(requests) >= source.max_threads:
            break
        if not isinstance(topic, Mapping) or "id" not in topic:
            continue
        slug, topic_id = str(topic.get("slug") or "topic"), int(topic["id"])
        key = forum.memory_key(urljoin(response.url, f"/t/{slug}/{topic_id}"))
        marker = str(topic.get("highest_post_number") or topic.get("posts_count") or "")
        if marker and memory.get(key) == marker:
            continue
        topic_context = _encode(depth=1, thread=key, marker=marker, title=topic.get("title"))
        url = urljoin(response.url, f"/t/{slug}/{topic_id}.json")
        requests.append(domain.Request(url, kind="thread", context=topic_context))
    more = topic_list.get("more_topics_url")
    depth = int(context.get("depth", "1"))
    if isinstance(more, str) and more and requests and depth < source.max_list_pages:
        requests.append(
            domain.Request(_json_url(response.url, more), kind="list",
                           context=_encode(depth=depth + 1), continuation=True)
        )  # fmt: skip
    return domain.Page(requests=tuple(requests))


def _posts_page(
    source: DiscourseSource,
    response: domain.Response,
    data: Mapping[str, Any],
    context: Mapping[str, str],
    now: datetime,
) -> domain.Page:
    stream = data.get("post_stream")
    if not isinstance(stream, Mapping) or not isinstance(stream.get("posts"), list):
        raise SourceError(Said("discourse_not_topic", url=response.url))
    title = str(data.get("title") or context.get("title") or "")
    posts = [post for post in stream["posts"] if isinstance(post, Mapping)]
    bad_dates: list[str] = []
    documents = tuple(
        document for post in posts
        if (document := _document(source, response.url, post, title, now, bad_dates))
    )  # fmt: skip
    depth = int(context.get("depth", "1"))
    if response.request.kind == "thread":
        loaded = {post.get("id") for post in posts}
        ids = stream.get("stream")
        missing = [i for i in ids if i not in loaded] if isinstance(ids, list) else []
        limit = CHUNK * (source.max_pages_per_thread - 1)  # the topic page is one
        wanted = missing[-limit:] if limit else []
        topic_id = int(data.get("id") or 0)
        requests = _chunk_request(response.url, topic_id, wanted, context, title, depth, False)
        remember = (
            ((context["thread"], context["marker"]),)
            if "thread" in context and context.get("marker")
            else ()
        )
    else:
        rest = [int(i) for i in context.get("ids", "").split(",") if i.isdigit()]
        topic_id = int(data.get("id") or context.get("topic", "0"))
        requests = _chunk_request(response.url, topic_id, rest, context, title, depth, True)
        remember = ()
    warnings = (forum.date_warning(bad_dates),) if bad_dates else ()
    return domain.Page(documents, requests, warnings, remember)


def _chunk_request(
    base: str,
    topic_id: int,
    ids: Sequence[int],
    context: Mapping[str, str],
    title: str,
    depth: int,
    continuation: bool,
) -> tuple[domain.Request, ...]:
    """The newest chunk of `ids`; the older rest rides along in the context."""
    if not ids or not topic_id:
        return ()
    newest, rest = list(ids[-CHUNK:]), list(ids[:-CHUNK])
    query = urlencode([("post_ids[]", str(i)) for i in newest])
    chunk_context = _encode(depth=depth + 1, thread=context.get("thread"), title=title,
                            topic=str(topic_id), ids=",".join(map(str, rest)))  # fmt: skip
    url = urljoin(base, f"/t/{topic_id}/posts.json?{query}")
    return (domain.Request(url, kind="posts", context=chunk_context, continuation=continuation),)


def _document(
    source: DiscourseSource,
    base: str,
    post: Mapping[str, Any],
    title: str,
    now: datetime,
    bad_dates: list[str],
) -> domain.Document | None:
    if (
        post.get("post_type", 1) not in _REGULAR_POSTS
        # "closed", "pinned", "split", "user left": an action shown as a post, not a post.
        or post.get("action_code")
        or post.get("deleted_at")
        or post.get("hidden")
    ):
        return None
    tree = LexborHTMLParser(str(post.get("cooked") or ""))
    if tree.body is None:
        return None
    _images_as_words(tree)
    body = selectors.body_text(tree.body, _QUOTE)
    if not body:
        return None
    url = urljoin(
        base, f"/t/{post.get('topic_slug') or 'topic'}/{post.get('topic_id')}/"
        f"{post.get('post_number')}",
    )  # fmt: skip
    written = str(post.get("created_at") or "")
    published = dates.parse(written, now=now, timezone="UTC") if written else None
    if written and published is None:
        bad_dates.append(written)
    return domain.Document(
        key=fingerprint.canonical_url(url),
        url=url,
        title=title,
        text=body,
        # The username, as Discourse shows it first (the full name beside it is optional).
        author=str(post.get("username") or post.get("name") or "") or None,
        published_at=published,
        language=source.language,
    )


def _images_as_words(tree: LexborHTMLParser) -> None:
    """Each picture in a post becomes its alt text: a post that is only a photo (of a torn
    jacket, a broken device) is a post, and its alt text is what words it has. The
    lightbox's file name and size line is Discourse's, not the author's; emoji stay out."""
    for caption in tree.css("div.lightbox-wrapper div.meta"):
        caption.decompose()
    for image in tree.css("img"):
        classes = (image.attrs.get("class") or "").split()
        alt = "" if "emoji" in classes or "avatar" in classes else image.attrs.get("alt") or ""
        image.replace_with(f" {alt.strip()} " if alt.strip() else " ")


def _load(response: domain.Response) -> Mapping[str, Any]:
    body = encoding.decode(response.content, response.charset or "utf-8")
    try:
        data = json.loads(body)
    except ValueError:
        # An HTML page where JSON should be: a login wall, a challenge, or not Discourse.
        tree = LexborHTMLParser(body)
        selectors.check_wall(tree, response, what=Said("wanted_discourse"))
        raise SourceError(Said("discourse_not_json", url=response.url)) from None
    if not isinstance(data, Mapping):
        raise SourceError(Said("discourse_not_object", url=response.url))
    if data.get("error_type") in ("not_logged_in", "invalid_access"):
        raise SourceError(Said("discourse_login", url=response.url))
    return data


def _encode(**fields: object) -> str:
    return urlencode({k: str(v) for k, v in fields.items() if v not in (None, "")})


def _decode(value: str) -> dict[str, str]:
    return dict(parse_qsl(value))


ADAPTER = DiscourseAdapter()
