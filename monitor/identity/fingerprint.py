"""Identity of a document: its canonical URL, its key, and a hash of its text.

The canonical form of a URL is what two links to the same item have in common: scheme and
host lower-cased, default ports dropped, the fragment dropped, tracking parameters dropped,
the remaining query sorted, percent-encoding normalised, and redirect wrappers (Google's
``/url?url=``, Bing's ``apiclick.aspx?url=``) unwrapped. w3lib does the encoding and
sorting work that is easy to get subtly wrong; the rules on top are ours.

A URL that is already in that form in every respect w3lib could change (see
`_CANONICAL_SHAPE`) takes a fast path: w3lib costs about 30 µs a URL, and a thread page
canonicalises one permalink per post.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query parameters that only say where a click came from, never which item it is.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "mtm_", "hsa_", "_hs")
_TRACKING_NAMES = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid",
        "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "_ga", "_gl", "ref_src",
        "__twitter_impression", "wt_mc", "at_medium", "at_campaign", "rss", "ncid",
    }
)  # fmt: skip
_DEFAULT_PORTS = {"http": 80, "https": 443}
# (host suffix, path) of links that only redirect to the URL in one of their parameters.
_REDIRECT_WRAPPERS = (
    ("google.", "/url"),
    ("bing.com", "/news/apiclick.aspx"),
    ("bing.com", "/ck/a"),
)
_WRAPPER_PARAMETERS = ("url", "u", "q")
_SPACES = re.compile(r"\s+")
# A URL that canonicalises to itself minus its fragment, give or take the query's order and
# tracking parameters: lower-case http(s) scheme and host (dot-separated labels of ASCII
# letters, digits and hyphens; no user, no port, no trailing dot), a path of unreserved
# characters, "/" and upper-case %-escapes of non-ASCII bytes (which w3lib re-encodes as
# they are), without dot segments, and a query of name=value pairs of unreserved
# characters. Anything else (percent-encoded ASCII, "+", ";", empty pairs…) takes the
# general path. tests/unit/test_fingerprint_fast.py checks both paths agree.
_CANONICAL_SHAPE = re.compile(
    r"(https?)://((?:[a-z0-9-]{1,63}\.)*[a-z0-9-]{1,63})"
    r"((?:/(?:[A-Za-z0-9._~-]++|%[89A-F][0-9A-F])*+)*+)"
    r"(?:\?([A-Za-z0-9._~=&-]*))?"
    r"(?:#.*)?",
    re.DOTALL,
)


def is_tracking_parameter(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


def unwrap_redirect(url: str) -> str:
    """The target of a known redirect wrapper, or `url` itself. Unwraps nested wrappers."""
    for _ in range(3):
        parts = urlsplit(url)
        if not _is_wrapper((parts.hostname or "").lower(), parts.path):
            return url
        parameters = dict(parse_qsl(parts.query))
        target = next(
            (parameters[name] for name in _WRAPPER_PARAMETERS
             if parameters.get(name, "").startswith(("http://", "https://"))),
            None,
        )  # fmt: skip
        if target is None:
            return url
        url = target
    return url


def _is_wrapper(host: str, path: str) -> bool:
    return any(
        (host.startswith(suffix) or f".{suffix}" in f".{host}") and path == wrapper_path
        for suffix, wrapper_path in _REDIRECT_WRAPPERS
    )


def canonical_url(url: str) -> str:
    """The canonical form of an http(s) URL (see the module docstring)."""
    url = url.strip()
    shaped = _CANONICAL_SHAPE.fullmatch(url)
    if shaped is not None:
        fast = _canonical_shaped(*shaped.group(1, 2, 3, 4))
        if fast is not None:
            return fast
    return _canonical_general(url)


def _canonical_general(url: str) -> str:
    """`canonical_url` for any URL, `url` stripped: our rules, then w3lib's."""
    url = unwrap_redirect(url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
         if not is_tracking_parameter(k)]
    )  # fmt: skip
    path = parts.path or "/"
    return canonicalize_url(urlunsplit((scheme, netloc, path, query, "")))


def _canonical_shaped(scheme: str, host: str, path: str, query: str | None) -> str | None:
    """`canonical_url` of a URL `_CANONICAL_SHAPE` matched, or None to take the long way.

    For such a URL every step of the general path is the identity (see `_CANONICAL_SHAPE`),
    except three: the fragment is dropped, tracking parameters are dropped, and the pairs
    are sorted (w3lib sorts UTF-8 bytes; for ASCII that is the order of the strings).
    """
    if "/." in path:
        return None  # dot segments are resolved
    # A wrapper's host holds one of the suffixes (`_is_wrapper`, not run for every URL).
    if ("google." in host or "bing.com" in host) and _is_wrapper(host, path):
        return None  # wrappers are unwrapped
    address = f"{scheme}://{host}{path or '/'}"
    if not query:
        return address
    if "&" not in query:  # one pair, as most permalinks have: nothing to sort
        name, equals, value = query.partition("=")
        if not name or not equals or "=" in value:
            return None
        return address if is_tracking_parameter(name) else f"{address}?{query}"
    pairs = []
    for pair in query.split("&"):
        name, equals, value = pair.partition("=")
        if not name or not equals or "=" in value:
            return None  # parse_qsl and urlencode would change it
        if not is_tracking_parameter(name):
            pairs.append((name, value))
    if not pairs:
        return address
    pairs.sort()
    return address + "?" + "&".join([f"{name}={value}" for name, value in pairs])


def document_key(*, link: str | None, guid: str | None, fallback: tuple[str, ...]) -> str:
    """A document's identity: its canonical link, else its guid, else a hash of `fallback`.

    `fallback` should hold what identifies the item within its source (source name, title,
    date, text), so an item with neither link nor guid is still stored once.
    """
    if link and link.startswith(("http://", "https://")):
        return canonical_url(link)
    if guid:
        return f"guid:{guid.strip()}"
    return "hash:" + hashlib.sha256("\x1f".join(fallback).encode()).hexdigest()[:32]


def content_hash(text: str) -> str:
    """A hash of the text that ignores case, accents' composition and whitespace."""
    normalised = _SPACES.sub(" ", unicodedata.normalize("NFC", text).casefold()).strip()
    return hashlib.sha256(normalised.encode()).hexdigest()[:32]
