"""The fast paths of URL identity give exactly what the general paths give.

`fingerprint.canonical_url` against its general path (w3lib), the session-id and
fragment handling of `selectors` against the implementations they replaced (copied here),
and `selectors.join` against urljoin.

URLs are generated from pieces that sit on both sides of every condition of the fast
path's shape (case, ports, users, trailing dots, long and empty labels, IDNA, %-escapes of
ASCII and non-ASCII bytes in either case, dot segments, ";", "+", "=", empty pairs,
tracking parameters, redirect wrappers, whitespace), so both paths are exercised.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from monitor.identity import fingerprint
from monitor.sources.reading import selectors

SCHEMES = ["http", "https", "https", "HTTPS", "Http", "ftp", "mailto"]
LABELS = [
    "forum", "example", "de", "com", "www", "shop", "a", "x-y", "-x", "x-", "123", "0",
    "xn--mller-kva", "xn--zz", "Forum", "EXAMPLE", "müller", "", "a" * 63, "a" * 64, "b_c",
    "google", "bing", "news",
]  # fmt: skip
HOST_ENDINGS = ["", "", "", ".", ":443", ":80", ":8080", ":", ":0", ":99999", ":08"]
USERS = ["", "", "", "", "user@", "user:pw@", "@"]
SEGMENT_PIECES = [
    "viewtopic.php", "threads", "post-456", "a", "Z9", "~", "_", "-", ".", "..", ".x",
    "%C3%A9", "%c3%a9", "%E2%82%AC", "%FF", "%80", "%41", "%2F", "%2f", "%25", "%3F",
    "%3B", "%2E", "%", "%G1", "é", " ", "+", ";", ":", "@", "!", "'", "(", "*", ",", "$",
    "[", "|", "\\", "^", "`", "{", '"', "<", "\t",
]  # fmt: skip
WRAPPER_PATHS = ["/url", "/news/apiclick.aspx", "/ck/a"]
NAMES = [
    "p", "t", "f", "start", "sid", "s", "id", "a", "B", "z", "page", "sort", "utm_source",
    "UTM_Medium", "fbclid", "mc_cid", "_ga", "url", "u", "q", "x.y", "a~b", "",
]  # fmt: skip
VALUES = [
    "", "1", "10001", "abc", "ABC", "new", "x-y_z.~", "https://shop.example/p",
    "https%3A%2F%2Fshop.example%2Fp", "a b", "a+b", "%C3%BC", "%c3%bc", "%FF", "%41",
    "ü", "=", "a=b", ";", "?", "/", "#", "0123456789abcdef0123",
]  # fmt: skip
FRAGMENTS = ["", "#", "#p10001", "#post-77", "#a b", "#ü", "#x#y", "#\n", "#%"]
AROUND = ["", "", "", " ", "\t", "\n "]


def mostly(usual: list[str], odd: list[str]) -> st.SearchStrategy[str]:
    """Usually a piece of the fast path's shape, sometimes one just outside it."""
    return st.one_of(*[st.sampled_from(usual)] * 4, st.sampled_from(odd))


SCHEME = mostly(["http", "https"], SCHEMES)
LABEL = mostly(["forum", "example", "de", "com", "www", "x-y", "123", "xn--mller-kva"], LABELS)
HOST_ENDING = mostly([""], HOST_ENDINGS)
USER = mostly([""], USERS)
SEGMENT_PIECE = mostly(["viewtopic.php", "threads", "post-456", "a", "~", "%C3%A9", "%FF"],
                       SEGMENT_PIECES)  # fmt: skip
NAME = mostly(["p", "t", "start", "id", "a", "B", "z", "x.y", "utm_source", "fbclid"], NAMES)
VALUE = mostly(["", "1", "10001", "abc", "ABC", "x-y_z.~"], VALUES)
FRAGMENT = mostly(["", "#p10001"], FRAGMENTS)


@st.composite
def hosts(draw: st.DrawFn) -> str:
    labels = draw(st.lists(LABEL, min_size=1, max_size=4))
    return ".".join(labels) + draw(HOST_ENDING)


@st.composite
def paths(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(WRAPPER_PATHS))
    segments = draw(st.lists(st.lists(SEGMENT_PIECE, max_size=3).map("".join), max_size=4))
    return "".join("/" + segment for segment in segments)


@st.composite
def queries(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return ""
    pairs = draw(
        st.lists(
            st.tuples(
                NAME,
                st.sampled_from(["=", "=", "=", ""]),
                VALUE,
            ).map("".join),
            max_size=5,
        )
    )
    return "?" + draw(mostly(["&"], [";", "&&"])).join(pairs)


@st.composite
def urls(draw: st.DrawFn) -> str:
    return "".join(
        (
            draw(st.sampled_from(AROUND)),
            draw(SCHEME),
            "://",
            draw(USER),
            draw(hosts()),
            draw(paths()),
            draw(queries()),
            draw(FRAGMENT),
            draw(st.sampled_from(AROUND)),
        )
    )


@st.composite
def shaped_urls(draw: st.DrawFn) -> str:
    """URLs of the fast path's shape: permalinks as boards write them."""
    label = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
    host = ".".join(draw(st.lists(label, min_size=1, max_size=4)))
    segment = st.lists(
        st.one_of(
            st.text(
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-~", max_size=8
            ),
            st.sampled_from(["%C3%A9", "%E2%82%AC", "%FF", "%80", "p.php"]),
        ),
        max_size=3,
    ).map("".join)
    path = "".join("/" + part for part in draw(st.lists(segment, max_size=4)))
    word = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~-", max_size=6)
    pairs = draw(st.lists(st.tuples(word.filter(bool), word), max_size=4))
    query = "&".join(f"{name}={value}" for name, value in pairs)
    fragment = draw(st.sampled_from(FRAGMENTS))
    scheme = draw(st.sampled_from(["http", "https"]))
    return f"{scheme}://{host}{path}{'?' + query if pairs else ''}{fragment}"


def outcome(function, url: str) -> tuple[str, object]:
    """What `function` makes of `url`: its result, or the kind of error it raises."""
    try:
        return ("value", function(url))
    except ValueError as error:
        return ("error", type(error))


def general(url: str) -> str:
    return fingerprint._canonical_general(url.strip())


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(urls())
@example("https://forum.example.de/viewtopic.php?p=10001#p10001")
@example("https://forum.example.de/viewtopic.php?t=5&p=77&utm_source=x")
@example("https://forum.example.de?utm_source=x")
@example("https://forum.example.de/a?")
@example("https://forum.example.de/r%C3%A9sum%C3%A9")
@example("https://www.google.com/url?q=https://shop.example/p")
@example("https://forum.example.de/a/./b/../c")
def test_canonical_url_is_what_the_general_path_gives(url: str) -> None:
    assert outcome(fingerprint.canonical_url, url) == outcome(general, url)


@settings(max_examples=500, deadline=None)
@given(shaped_urls())
def test_permalinks_take_the_fast_path_and_agree(url: str) -> None:
    shaped = fingerprint._CANONICAL_SHAPE.fullmatch(url)
    assert shaped is not None
    fast = fingerprint._canonical_shaped(*shaped.group(1, 2, 3, 4))
    if "/." not in url.split("#")[0] and not url.split("?")[0].endswith(("/url", "/ck/a")):
        assert fast is not None
    if fast is not None:
        assert fast == general(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://forum.example.de/viewtopic.php?p=10001#p10001",
        "https://forum.example.de/showthread.php?t=5&p=77#post77",
        "https://www.example.com/threads/bruehgruppe.1481/post-456",
        "https://forum.example.de/index.php?topic=12.msg345#msg345",
    ],
)
def test_permalink_keys_are_unchanged(url: str) -> None:
    fragment = url.partition("#")[2]
    expected = general(url) + (f"#{fragment}" if fragment else "")
    assert selectors.permalink_key(url) == expected


_REF_SESSION_NAMES = frozenset({"sid", "s", "phpsessid"})
_REF_SESSION_VALUE = re.compile(r"[0-9a-f]{16,}", re.IGNORECASE)
_REF_QUERY_SEPARATORS = re.compile(r"[&;]")


def reference_without_session(url: str) -> str:
    """selectors.without_session as it was."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [
        pair for pair in _REF_QUERY_SEPARATORS.split(parts.query)
        if pair and not reference_is_session(pair)
    ]  # fmt: skip
    separator = ";" if ";" in parts.query and "&" not in parts.query else "&"
    return urlunsplit(parts._replace(query=separator.join(kept)))


def reference_is_session(pair: str) -> bool:
    name, _, value = pair.partition("=")
    return name.lower() in _REF_SESSION_NAMES and bool(_REF_SESSION_VALUE.fullmatch(value))


def fragment(url: str) -> str:
    return urlsplit(url).fragment


@settings(max_examples=1500, deadline=None)
@given(urls())
@example("https://forum.example.de/viewtopic.php?p=1&sid=0123456789abcdef0123#p1")
@example("https://forum.example.de/viewtopic.php?a=1;b=2&c=3")
@example("https://forum.example.de/viewtopic.php?a=1#")
@example("https://forum.example.de?a=1")
@example("HTTPS://forum.example.de/x?a=1")
@example("https://[::1]/x?a=1")
@example("https://forum.example.de/x?a=1\t#b")
@example("https://[::1/x")
@example("https://m\u00fcller.de/x#p1")
@example("https://forum.example.de/threads/x.5/post-7#post-7")
@example("https://forum.example.de/x?s=0123456789abcdef")
@example("https://forum.example.de/x?s=0123456789abcde")
def test_without_session_is_what_it_was(url: str) -> None:
    assert outcome(selectors.without_session, url) == outcome(reference_without_session, url)


@settings(max_examples=1500, deadline=None)
@given(urls())
@example("https://forum.example.de/x?a=1#p1#p2")
@example(" \x01https://forum.example.de/x#a\tb")
@example("https://[::1/x#a")
def test_fragment_is_what_urlsplit_says(url: str) -> None:
    assert outcome(selectors._fragment, url) == outcome(fragment, url)


LINK_STARTS = ["", "", "./", "/", "//", "../", ".", "?", "#", "https://", "HTTP://", "x:"]


@st.composite
def links(draw: st.DrawFn) -> str:
    """Links as pages write them: relative paths, paths from the root, absolute URLs."""
    start = draw(mostly(["", "./", "/"], LINK_STARTS))
    if start in ("https://", "HTTP://", "//"):
        return start + draw(hosts()) + draw(paths()) + draw(queries()) + draw(FRAGMENT)
    segments = draw(st.lists(st.lists(SEGMENT_PIECE, max_size=3).map("".join), max_size=4))
    slash = draw(st.sampled_from(["", "", "/"]))
    return start + "/".join(segments) + slash + draw(queries()) + draw(FRAGMENT)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(urls(), links())
@example("https://forum.example.de/viewtopic.php?t=1&start=50", "./viewtopic.php?p=5#p5")
@example("https://forum.example.de/a/../b/c.php", "x/y")
@example("https://forum.example.de/a//b/c.php", "x")
@example("https://forum.example.de", "x")
@example("https://forum.example.de/a/b", "/threads/x.5/post-7")
@example("https://forum.example.de/a/b", "a:b")
@example("https://forum.example.de/a/b", "x?")
@example("https://forum.example.de/a/b", "x/./y")
def test_join_is_urljoin(base: str, link: str) -> None:
    assert outcome(lambda url: selectors.join(base, url), link) == outcome(
        lambda url: urljoin(base, url), link
    )


@pytest.mark.parametrize(
    ("base", "link"),
    [
        ("https://forum.example.de/viewtopic.php?t=1481&start=50", "./viewtopic.php?p=5#p5"),
        ("https://forum.example.de/forum/showthread.php?t=5", "showthread.php?t=5&page=2"),
        ("https://www.example.com/threads/x.5/page-2", "/threads/x.5/post-7"),
    ],
)
def test_links_as_engines_write_them_are_joined_without_urljoin(
    base: str, link: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = urljoin(base, link)
    selectors._prefixes(base)  # the page's directory is asked of urljoin once per page

    def no_urljoin(*_: object) -> str:
        raise AssertionError("took the slow way")

    monkeypatch.setattr(selectors, "urljoin", no_urljoin)
    assert selectors.join(base, link) == expected
