"""What a reader sees: visible text out of HTML, and whitespace tidied for display."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

# Elements whose text a reader never sees.
_INVISIBLE = ("script", "style", "noscript", "template", "head")
# Block-level elements end a line, so that words of adjacent paragraphs do not run together.
_BLOCKS = (
    "p, div, br, li, ul, ol, tr, td, th, h1, h2, h3, h4, h5, h6, blockquote, pre, section, "
    "article, header, footer, table, dd, dt, hr"
)
# The same as tag names, for `mark_lines`: lexbor matches a type selector by local name
# whatever the namespace, as `LexborNode.tag` reports it.
_INVISIBLE_TAGS = frozenset(_INVISIBLE)
_BLOCK_TAGS = frozenset(name.strip() for name in _BLOCKS.split(","))
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
# A run of whitespace holding a line break, matched from the run's start only: without the
# lookbehind, a long run without one is rescanned from each of its characters (quadratic).
_BLANK_LINES = re.compile(r"(?<!\s)\s*\n\s*")
_LOOKS_LIKE_MARKUP = re.compile(r"<[a-zA-Z/!]|&[#a-zA-Z0-9]+;")


def visible_text(markup: str) -> str:
    """The text of `markup` as a browser would show it: tags gone, entities decoded.

    Plain text (no tags, no entities) is returned tidied but otherwise unchanged, so a
    literal "<3" or "a < b" in a plain-text feed survives.
    """
    if not _LOOKS_LIKE_MARKUP.search(markup):
        return tidy(markup)
    tree = LexborHTMLParser(markup)
    root = tree.body or tree.root
    if root is None:
        return ""
    mark_lines(root)
    return tidy(root.text(deep=True, separator=""))


def mark_lines(node: LexborNode) -> None:
    """Drop what a reader never sees from `node`, and put a line break around every block.

    Then ``node.text(separator="")`` reads as a browser shows it, once whitespace is
    tidied. Changes the tree. The same as removing ``node.css(", ".join(_INVISIBLE))``
    and then inserting "\\n" before and after each of ``node.css(_BLOCKS)`` (the node
    itself included), but in one walk of the elements: matching two selector lists over
    every post of a page cost more than reading its text.
    """
    blocks, hidden = [], []
    for element in node.traverse():
        tag = element.tag
        if tag in _BLOCK_TAGS:
            blocks.append(element)
        elif tag in _INVISIBLE_TAGS:
            hidden.append(element)
    if hidden:
        for element in hidden:
            element.decompose()
        blocks = [element for element in node.traverse() if element.tag in _BLOCK_TAGS]
    for element in blocks:
        element.insert_before("\n")
        element.insert_after("\n")


def tidy(text: str) -> str:
    """Collapse runs of spaces, keep single line breaks, trim both ends."""
    text = _SPACES.sub(" ", text)
    return _BLANK_LINES.sub("\n", text).strip()


def one_line(text: str, limit: int = 200) -> str:
    """A single line for headers and table cells: no control characters, at most `limit`."""
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"
