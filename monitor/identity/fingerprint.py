"""Identity of a document: its canonical URL, its key, and a hash of its text.

The canonical form of a URL is what two links to the same item have in common: scheme and
host lower-cased, default ports dropped, the fragment dropped, tracking parameters dropped,
the remaining query sorted, percent-encoding normalised, and redirect wrappers (Google's
``/url?url=``, Bing's ``apiclick.aspx?url=``) unwrapped. w3lib does the encoding and
sorting work that is easy to get subtly wrong; the rules on top are ours.
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
    """The canonical form of an http(s) URL (see the module docstring): our rules, then
    w3lib's."""
    url = unwrap_redirect(url.strip())
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


def board_host(url: str) -> str:
    """The host a site is known by, whatever alias a link uses: lower case, without a
    trailing dot or a leading "www." (forum.example.org and www.forum.example.org are one
    board; so are http and https, which redirects settle)."""
    host = (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    return host.removeprefix("www.")


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
