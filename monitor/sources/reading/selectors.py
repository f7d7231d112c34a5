"""Reading HTML pages with selectors, for the selector-driven source types.

A selector spec is CSS with two additions, so that presets and sources.yaml can say where a
value is without code:

    "time@datetime"                          an attribute instead of the text
    "@id"                                    an attribute of the element itself
    "p.author time@datetime || p.author"     alternatives: the first that yields a value
    "@#id"                                   a link to the element itself: "#" + its id
                                             (for posts whose only permalink is an anchor)
    "< .post-date"                           in the element just before this one (engines
                                             that write a post's header as a sibling)

Text values are the element's text with whitespace collapsed. Selectors are checked when
the config is loaded (`check`), so a typo fails at startup, not at crawl time.

Also here: what every HTML adapter does with a page before it reads items: decode it
(`monitor.sources.reading.encoding`), and tell a login wall or a bot challenge from a real page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

from pydantic import AfterValidator
from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from monitor import domain, text
from monitor.errors import SourceError
from monitor.identity import fingerprint
from monitor.phrasebook import problems
from monitor.phrasebook.said import Said
from monitor.sources.reading import challenges, encoding

_ALTERNATIVES = re.compile(r"\s*\|\|\s*")
_ATTRIBUTE = re.compile(r"^(.*?)\s*@(#?[A-Za-z_:][-\w:.]*)$", re.DOTALL)
_PROBE = LexborHTMLParser("<p></p>")


@dataclass(frozen=True, slots=True)
class Selector:
    """A compiled spec: (css, attribute) alternatives; css "" is the element itself.
    `before` names the alternatives that look in the element before it ("<").

    Its methods are the module's functions of the same names (`first`, `first_node`)
    without looking the spec up again: for readers that apply one spec to every post.
    """

    spec: str
    alternatives: tuple[tuple[str, str | None], ...]
    before: frozenset[int] = frozenset()

    def first(self, node: LexborNode) -> str | None:
        """The first non-empty value found under `node` (or on it, for "@attr")."""
        for number, (css, attribute) in enumerate(self.alternatives):
            scope = _previous(node) if number in self.before else node
            found = (scope.css_first(css) if css else scope) if scope is not None else None
            if found is None:
                continue
            # `_value`, written out: this runs several times for every post of a page.
            if attribute is None:
                written = text.inline_text(found)
                if written:
                    return written
            elif value := _attribute(found, attribute):
                return value
        return None

    def first_node(self, node: LexborNode) -> LexborNode | None:
        """The first element of the first alternative that matches any."""
        for number, (css, _) in enumerate(self.alternatives):
            scope = _previous(node) if number in self.before else node
            found = (scope.css_first(css) if css else scope) if scope is not None else None
            if found is not None:
                return found
        return None

    def scopes(self, node: LexborNode) -> list[tuple[LexborNode, str, str | None]]:
        """(where to look, css, attribute) of each alternative, for `every` and `nodes`."""
        found = []
        for number, (css, attribute) in enumerate(self.alternatives):
            scope = _previous(node) if number in self.before else node
            if scope is not None:
                found.append((scope, css, attribute))
        return found


def _previous(node: LexborNode) -> LexborNode | None:
    """The element right before `node` (text and comments between them skipped)."""
    sibling = node.prev
    while sibling is not None and sibling.tag in ("-text", "-comment"):
        sibling = sibling.prev
    return sibling


@lru_cache(maxsize=1024)
def compile_spec(spec: str) -> Selector:
    """Split `spec` into alternatives; raises ValueError naming the part that is wrong."""
    alternatives: list[tuple[str, str | None]] = []
    before: set[int] = set()
    for part in _ALTERNATIVES.split(spec.strip()):
        if not part:
            raise problems.invalid("selector_empty_alternative", value=spec)
        if part.startswith("<"):
            before.add(len(alternatives))
            part = part[1:].strip()
            if not part:
                raise problems.invalid("selector_before_empty", value=spec)
        match = _ATTRIBUTE.match(part)
        css, attribute = (match.group(1).strip(), match.group(2)) if match else (part, None)
        if not css and attribute is None:
            raise problems.invalid("selector_empty", value=spec)
        if css:
            try:
                _PROBE.css(css)
            except SelectolaxError:
                raise problems.invalid("bad_css", value=css) from None
        alternatives.append((css, attribute))
    return Selector(spec, tuple(alternatives), frozenset(before))


def check(spec: str) -> str:
    """A pydantic validator: the spec, if it compiles (see `compile_spec`)."""
    compile_spec(spec)
    return spec


Spec = Annotated[str, AfterValidator(check)]


def check_css(selector: str) -> str:
    """A pydantic validator: `selector` if it is one valid CSS selector (no `||`, no @)."""
    try:
        _PROBE.css(selector)
    except SelectolaxError:
        raise problems.invalid("bad_css", value=selector) from None
    return selector


Css = Annotated[str, AfterValidator(check_css)]


def first(node: LexborNode, spec: str) -> str | None:
    """The first non-empty value `spec` finds under `node` (or on it, for "@attr")."""
    return compile_spec(spec).first(node)


def every(node: LexborNode, spec: str) -> list[str]:
    """Every non-empty value of the first alternative that yields any."""
    for scope, css, attribute in compile_spec(spec).scopes(node):
        found = scope.css(css) if css else [scope]
        values = [value for element in found if (value := _value(element, attribute))]
        if values:
            return values
    return []


def nodes(node: LexborNode, spec: str) -> list[LexborNode]:
    """The elements of the first alternative that matches any (attributes are ignored)."""
    for scope, css, _ in compile_spec(spec).scopes(node):
        found = scope.css(css) if css else [scope]
        if found:
            return list(found)
    return []


def first_node(node: LexborNode, spec: str) -> LexborNode | None:
    """The first element of the first alternative that matches any: `nodes(...)[0]`."""
    return compile_spec(spec).first_node(node)


def inline_text(node: LexborNode) -> str:
    """The element's text on one line (titles, names, dates): `text.inline_text`."""
    return text.inline_text(node)


def body_text(node: LexborNode, quote: str | None) -> str:
    """The visible text of a post or review body, without the elements `quote` matches.

    Quoted replies are dropped so that a post is matched on what its author wrote, not on
    the message it answers (which is its own document already). Same result as
    `text.visible_text` on the element's HTML, but worked in the tree the page was parsed
    into (a second parse per post was most of the extraction's cost). Changes the tree.
    """
    quotes = _quote_css(quote)
    if quotes:
        for element in node.css(quotes):
            element.decompose()
    text.mark_lines(node)
    body = _tidy(node.text(deep=True, separator=""))
    label, _, rest = body.partition("\n")
    # An ad slot's label ("Anzeige") opening the body: the ad itself is injected by script.
    return rest if label.casefold() in _AD_LABELS else body


# The words an ad slot is labelled with, as a line of its own.
_AD_LABELS = frozenset({
    "anzeige", "werbung", "advertisement", "advertising", "sponsored", "publicité",
    "annonce", "reklame",
})  # fmt: skip


@lru_cache(maxsize=256)
def _quote_css(quote: str | None) -> str:
    """The selector list of the quotes `body_text` leaves out ("" for none)."""
    if not quote:
        return ""
    return ", ".join(css for css, _ in compile_spec(quote).alternatives if css)


def _tidy(written: str) -> str:
    """Post bodies as lines: each line's whitespace collapsed, empty lines dropped.

    Not `text.tidy`, whose character class leaves Unicode spaces such as U+2003 in place:
    a body keeps only the line breaks its blocks made.
    """
    lines = (_one_line(line) for line in written.split("\n"))
    return "\n".join(line for line in lines if line)


def _one_line(written: str) -> str:
    """All whitespace, of any kind, collapsed to single spaces; none at either end."""
    return " ".join(written.split())


def _value(node: LexborNode, attribute: str | None) -> str | None:
    if attribute is None:
        return inline_text(node) or None
    return _attribute(node, attribute)


def _attribute(node: LexborNode, attribute: str) -> str | None:
    """The attribute's value, stripped; for "#name", a fragment link to that value."""
    anchor = attribute.startswith("#")
    value = node.attrs.get(attribute[1:] if anchor else attribute)  # one, not all of them
    if not value or not (value := value.strip()):
        return None
    return f"#{value}" if anchor else value


# --- pages ---------------------------------------------------------------------------

# What boards say instead of posts when a guest may not read them (English and German).
_NO_PERMISSION = (
    "you do not have permission", "you don't have permission", "you are not authorised",
    "you are not authorized", "no permission to", "sie haben keine berechtigung",
    "keine berechtigung", "nicht berechtigt", "off limits to you",
    "you must be logged in", "you must be registered", "sie müssen angemeldet sein",
    "sie müssen registriert sein",
)  # fmt: skip


def parse_page(response: domain.Response) -> LexborHTMLParser:
    """The response as an HTML tree, decoded in its real charset."""
    return LexborHTMLParser(encoding.utf8(response.content, response.charset, url=response.url))


def check_wall(tree: LexborHTMLParser, response: domain.Response, *, what: str) -> None:
    """Raise SourceError if the page is a login form, a bot challenge or a 'no access' page.

    Call it when a page holds none of the items it should: `what` names them ("posts").
    """
    raw = (tree.html or "").lower()
    server = response.headers.get("server", "").lower()
    who = challenges.who(raw) or (
        next((name for name, _ in challenges.CHALLENGES if name.lower() in server), None)
    )
    if who is not None:
        raise SourceError(Said("wall_challenge", url=response.url, who=who, what=what))
    visible = inline_text(tree.body).lower() if tree.body is not None else ""
    if any(phrase in visible for phrase in _NO_PERMISSION):
        raise SourceError(Said("wall_no_permission", url=response.url, what=what))
    if tree.css_first("form input[type=password]") is not None and not _readable_beyond_forms(tree):
        raise SourceError(Said("wall_login", url=response.url, what=what))


# A page with this much text outside its forms is content with a login box beside it (many
# boards put one in the header for guests), not a login wall, whose text is the form and a
# line or two around it, menus and footer included.
_READABLE = 3000


def _readable_beyond_forms(tree: LexborHTMLParser) -> bool:
    body = tree.body
    if body is None:
        return False
    in_forms = sum(len(inline_text(form)) for form in body.css("form"))
    return len(inline_text(body)) - in_forms > _READABLE


# --- identity ------------------------------------------------------------------------

# Session ids some engines put in every link for guests without cookies (phpBB `sid`,
# vBulletin `s`, SMF and PHP `PHPSESSID`, Java `jsessionid`): a new one each crawl, so
# they must not be in a key. Named plainly, any long token is one (PHP's are not always
# hex); the one-letter `s` only as the 32 hex digits vBulletin writes.
_SESSION_NAMES = frozenset({"sid", "phpsessid", "jsessionid", "sessionid", "session_id", "oscsid"})
_SESSION_TOKEN = re.compile(r"[0-9A-Za-z,\-]{16,}")
_SHORT_NAMES = frozenset({"s"})
_SESSION_HEX = re.compile(r"[0-9a-f]{16,}", re.IGNORECASE)
# ";jsessionid=…" as a path parameter (Java servlets), before the query.
_PATH_SESSION = re.compile(r";jsessionid=[^/?#]*", re.IGNORECASE)
_QUERY_SEPARATORS = re.compile(r"[&;]")


def absolute(base: str, link: str) -> str:
    """`link` resolved against the page URL, without session ids."""
    return without_session(urljoin(base, link.strip()))


def page_url(base: str, link: str) -> str:
    """A page to request: `absolute`, without the fragment (servers never see it)."""
    return urldefrag(absolute(base, link)).url


def without_session(url: str) -> str:
    """`url` without session ids, in the query or as a path parameter (`_SESSION_NAMES`)."""
    parts = urlsplit(url)
    path = _PATH_SESSION.sub("", parts.path)
    if not parts.query:
        return url if path == parts.path else urlunsplit(parts._replace(path=path))
    kept = [
        pair for pair in _QUERY_SEPARATORS.split(parts.query)
        if pair and not _is_session(pair)
    ]  # fmt: skip
    separator = ";" if ";" in parts.query and "&" not in parts.query else "&"
    return urlunsplit(parts._replace(path=path, query=separator.join(kept)))


def _is_session(pair: str) -> bool:
    name, _, value = pair.partition("=")
    lowered = name.lower()
    if lowered in _SESSION_NAMES:
        return bool(_SESSION_TOKEN.fullmatch(value))
    return lowered in _SHORT_NAMES and bool(_SESSION_HEX.fullmatch(value))


def permalink_key(url: str) -> str:
    """The identity of an item reached at `url` (an absolute permalink).

    The canonical URL (`fingerprint.canonical_url`) plus the fragment when there is one:
    canonical URLs drop fragments, and some engines name a post only there
    (``showthread.php?t=5#post77``). Presets pick permalinks that do not depend on the
    page they are read from, so the same post met on another page has the same key.
    """
    fragment = urlsplit(url).fragment
    canonical = fingerprint.canonical_url(url)
    return f"{canonical}#{fragment}" if fragment else canonical
