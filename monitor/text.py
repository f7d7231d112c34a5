"""What a reader sees: visible text out of HTML, and whitespace tidied for display."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor.phrasebook import problems

# Elements whose text a reader never sees.
_INVISIBLE = ("script", "style", "noscript", "template", "head")
# Block-level elements end a line, so that words of adjacent paragraphs do not run together.
_BLOCKS = (
    "p, div, br, li, ul, ol, tr, td, th, h1, h2, h3, h4, h5, h6, blockquote, pre, section, "
    "article, header, footer, table, dd, dt, hr"
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
# A run of whitespace holding a line break, matched from the run's start only: without the
# lookbehind, a long run without one is rescanned from each of its characters (quadratic).
_BLANK_LINES = re.compile(r"(?<!\s)\s*\n\s*")
_LOOKS_LIKE_MARKUP = re.compile(r"<[a-zA-Z/!]|&[#a-zA-Z0-9]+;")


def visible_text(markup: str, *, without: str | None = None) -> str:
    """The text of `markup` as a browser would show it: tags gone, entities decoded;
    `without` is a CSS selector for elements left out (quotes of other posts).

    Plain text (no tags, no entities) is returned tidied but otherwise unchanged, so a
    literal "<3" or "a < b" in a plain-text feed survives.
    """
    if not _LOOKS_LIKE_MARKUP.search(markup):
        return tidy(markup)
    tree = LexborHTMLParser(markup)
    root = tree.body or tree.root
    if root is None:
        return ""
    if without:
        for node in root.css(without):
            node.decompose()
    mark_lines(root)
    return tidy(root.text(deep=True, separator=""))


def mark_lines(node: LexborNode) -> None:
    """Drop what a reader never sees from `node`, and put a line break around every block.

    Then ``node.text(separator="")`` reads as a browser shows it, once whitespace is
    tidied. Changes the tree.
    """
    for element in node.css(", ".join(_INVISIBLE)):
        element.decompose()
    for element in node.css(_BLOCKS):
        element.insert_before("\n")
        element.insert_after("\n")


_INVISIBLE_NAMES = frozenset(_INVISIBLE)
_BREAKING_NAMES = frozenset(name.strip() for name in _BLOCKS.split(","))


def inline_text(node: LexborNode) -> str:
    """The text of `node` on one line, as a reader sees it: inline elements run together
    ("<b>+</b>Raze" is "+Raze"), text in another block than the text before it (or after
    a line break) is another word, what a reader never sees is left out. The tree is not
    changed."""
    parts: list[str] = []
    block_before: int | None = None
    for element in node.traverse(include_text=True):
        if element.tag == "br":
            parts.append(" ")
        if element.tag != "-text":
            continue
        parent = element.parent
        if parent is not None and parent.tag in _INVISIBLE_NAMES:
            continue
        block = _block_of(element, node)
        if block != block_before:
            parts.append(" ")
            block_before = block
        parts.append(element.text_content or "")
    return " ".join("".join(parts).split())


def _block_of(text_node: LexborNode, root: LexborNode) -> int:
    """The memory id of the nearest block element holding `text_node` within `root`."""
    element = text_node.parent
    while element is not None and element.mem_id != root.mem_id:
        if element.tag in _BREAKING_NAMES:
            return element.mem_id
        element = element.parent
    return root.mem_id


# Control characters (C0 but tab and newline, DEL, C1): no text means them, and in a
# terminal, a log or a mail header they act (ANSI colours, a bell, a line break).
# Terminal escape sequences (ANSI colours, cursor moves) go whole, then the rest.
_CONTROLS = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` without control characters (tab and newline stay) and terminal escape
    sequences."""
    return _CONTROLS.sub("", text)


def single_line(value: str) -> str:
    """A pydantic validator for names (brands, sources): one line of printable text. A
    name with a line break or a control character would forge lines in logs, tables and
    mail texts ("Vaude\\r\\nBcc: …")."""
    if any(not ch.isprintable() for ch in value):
        raise problems.invalid("not_one_line")
    return value


def tidy(text: str) -> str:
    """Collapse runs of spaces, keep single line breaks, trim both ends."""
    text = _SPACES.sub(" ", text)
    return _BLANK_LINES.sub("\n", text).strip()


def one_line(text: str, limit: int = 200) -> str:
    """A single line for headers and table cells: no control characters, at most `limit`."""
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"
