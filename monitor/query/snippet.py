"""A short excerpt around the first match, cut at word boundaries, with the hits marked."""

from __future__ import annotations

from collections.abc import Sequence

from monitor import domain
from monitor.query import fold

WIDTH = 200
"""Characters of document text in a snippet (more only if one hit alone is longer)."""
ELLIPSIS = "…"


def make(text: str, spans: Sequence[tuple[int, int]], width: int = WIDTH) -> domain.Snippet:
    """The excerpt of `text` around the earliest of `spans` (character ranges in `text`).

    The excerpt is the original text, at most `width` characters plus an ellipsis at each
    cut end, never cutting a word in half; marks are every span that lies inside it, moved
    to the excerpt's offsets, sorted and merged where they overlap. Without spans, the
    excerpt is the start of the text.
    """
    ordered = sorted(spans)
    first_start, first_end = ordered[0] if ordered else (0, 0)
    start = max(0, first_start - width // 3)  # the hit sits in the first third
    if first_end - start > width:  # a long hit: less context before it
        start = min(first_start, first_end - width)
    end = min(len(text), max(start + width, first_end))
    if end - start < width:  # near the end of the text: fill the window from the left
        start = max(0, min(first_start, end - width))
    start = _word_start(text, start, first_start)
    end = _word_end(text, end, first_end)
    while start < first_start and text[start].isspace():
        start += 1
    while end > first_end and text[end - 1].isspace():
        end -= 1
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    shift = len(prefix) - start
    marks: list[tuple[int, int]] = []
    for span_start, span_end in ordered:
        if span_start < start or span_end > end:
            continue
        if marks and span_start + shift <= marks[-1][1]:
            marks[-1] = (marks[-1][0], max(marks[-1][1], span_end + shift))
        else:
            marks.append((span_start + shift, span_end + shift))
    return domain.Snippet(prefix + text[start:end] + suffix, tuple(marks))


def _inside_word(text: str, position: int) -> bool:
    """True if a cut at `position` would split a word."""
    return (
        0 < position < len(text)
        and fold.is_word_char(text[position - 1])
        and fold.is_word_char(text[position])
    )


def _word_start(text: str, start: int, limit: int) -> int:
    """`start`, moved right past a word it would cut (but never past `limit`)."""
    if _inside_word(text, start):
        found = fold.WORD.match(text, start)
        start = min(limit, found.end()) if found else start
    return start


def _word_end(text: str, end: int, limit: int) -> int:
    """`end`, moved left before a word it would cut (but never before `limit`)."""
    if _inside_word(text, end):
        # The word running up to `end`, found as the word starting the reversed text before
        # it; a word longer than the look-back is cut anyway.
        found = fold.WORD.match(text[max(limit, end - 64) : end][::-1])
        end = max(limit, end - found.end()) if found else end
    return end
