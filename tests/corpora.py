"""Other projects' test corpora, fetched from the package index as sdists and cached.

The chardet sdist holds ~420 real feeds, pages and texts in 50 encodings, each in a
folder named after its encoding; the feedparser sdist holds ~2,200 feeds, well-formed and
broken. Both are downloaded once (`pip download`, so the machine's index settings apply)
into ``MONITOR_TEST_CACHE`` (default ``~/.cache/monitor-tests``); a test that needs one
is skipped, saying why, when the index cannot be reached.

`python -m tests.corpora` prints what `monitor` makes of the chardet corpus, per encoding:
the figures in the README's reliability section.
"""

from __future__ import annotations

import codecs
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import feedparser
from selectolax.lexbor import LexborHTMLParser

from monitor import text

CHARDET = ("chardet", "5.2.0")
FEEDPARSER = ("feedparser", "6.0.11")
_FETCH_SECONDS = 180
# The XML declaration's encoding, rewritten when the truth is re-encoded as UTF-8.
_XML_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])[^"']*""")
# A word with at least one letter beyond ASCII, as people would name a brand.
_WORD = re.compile(r"[^\W\d_]{3,}")
# Scripts written without spaces: a brand there is a run of characters, not a word.
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u9fff]{3,}")
# WHATWG's supersets, as browsers (and `monitor`) decode these labels.
_SUPERSETS = {"shift_jis": "cp932", "euc_kr": "cp949", "gb2312": "gb18030", "tis-620": "cp874",
              "iso8859-9": "cp1254", "big5": "big5hkscs"}  # fmt: skip


class Unavailable(Exception):
    """The corpus could not be fetched (no network, no index)."""


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "monitor-tests"
    return Path(os.environ.get("MONITOR_TEST_CACHE", default))


def sdist(name: str, version: str) -> Path:
    """The unpacked sdist of `name`==`version`, downloading it on first use."""
    root = cache_dir()
    unpacked = root / f"{name}-{version}"
    if unpacked.is_dir():
        return unpacked
    root.mkdir(parents=True, exist_ok=True)
    archive = root / f"{name}-{version}.tar.gz"
    # Test workers and other runs share the cache: each downloads and unpacks into a
    # folder of its own and renames the result into place, so none reads a half-written
    # archive or a half-unpacked corpus.
    with tempfile.TemporaryDirectory(dir=root, prefix=f".{name}-") as staging:
        if not archive.exists():
            try:
                subprocess.run(
                    [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                     "--no-binary", ":all:", f"{name}=={version}", "--dest", staging],
                    check=True, capture_output=True, timeout=_FETCH_SECONDS,
                )  # fmt: skip
            except (subprocess.SubprocessError, OSError) as error:
                stderr = getattr(error, "stderr", b"") or b""
                reason = stderr.decode(errors="replace").strip().splitlines()[-1:] or [str(error)]
                raise Unavailable(f"{name}=={version} not fetched from the package index: "
                                  f"{reason[0]}") from error  # fmt: skip
            os.replace(Path(staging) / archive.name, archive)
        with tarfile.open(archive) as tar:
            tar.extractall(staging, filter="data")
        try:
            os.rename(Path(staging) / unpacked.name, unpacked)
        except OSError:
            if not unpacked.is_dir():  # not another process that got there first
                raise
    return unpacked


@dataclass(frozen=True)
class Sample:
    """One file of the chardet corpus: its bytes and the codec it is really written in."""

    path: Path
    encoding: str  # the corpus folder's name: "windows-1251-russian", "SHIFT_JIS"
    codec: str  # Python's codec for it, as browsers decode it (WHATWG superset)

    @property
    def kind(self) -> str:
        """ "feed" or "page": a few of the corpus's .xml files are HTML pages."""
        head = self.content.lstrip()[:15].lower()
        html_page = head.startswith((b"<!doctype html", b"<html"))
        return "feed" if self.path.suffix == ".xml" and not html_page else "page"

    @property
    def content(self) -> bytes:
        return self.path.read_bytes()

    def truth(self) -> str:
        """The file as text, decoded in the encoding it is known to be in."""
        raw = self.content
        for codec in (self.codec, _strict_codec(self.encoding)):
            try:
                return raw.decode(codec).lstrip("\ufeff")
            except (UnicodeDecodeError, LookupError, TypeError):
                continue
        return raw.decode(self.codec, errors="replace").lstrip("\ufeff")

    def truth_as_utf8(self) -> bytes:
        """The file re-encoded as UTF-8, its XML declaration saying so."""
        return _XML_ENCODING.sub(r"\1utf-8", self.truth(), count=1).encode("utf-8")

    def visible_words(self) -> str:
        """What a reader sees of the truth: a page's body, a feed's entries."""
        if self.kind == "page":
            body = LexborHTMLParser(self.truth_as_utf8()).body
            return text.printable(body.text(separator=" ") if body is not None else "")
        headers = {"content-type": "application/xml; charset=utf-8"}
        parsed = feedparser.parse(self.truth_as_utf8(), response_headers=headers)
        parts = []
        for entry in parsed.entries:
            parts.append(entry.get("title") or "")
            parts.extend(content.get("value", "") for content in entry.get("content") or [])
            parts.append(entry.get("summary") or "")
        return text.printable(" ".join(text.visible_text(part) for part in parts))


def chardet_samples() -> list[Sample]:
    """Every file of the chardet corpus whose encoding Python can decode."""
    root = sdist(*CHARDET) / "tests"
    samples = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.parent == root:
            continue
        strict = _strict_codec(path.parent.name)
        if strict is None:
            continue  # EUC-TW: no Python codec
        samples.append(Sample(path, path.parent.name, _SUPERSETS.get(strict, strict)))
    return samples


def feedparser_feeds() -> Iterator[Path]:
    """Every test feed of the feedparser sdist, well-formed and broken."""
    root = sdist(*FEEDPARSER) / "tests"
    for folder in ("wellformed", "illformed", "encoding", "entities"):
        yield from sorted(path for path in (root / folder).rglob("*.xml") if path.is_file())


def planted_word(words: str) -> str | None:
    """A word of `words` to plant as a brand: the longest with a letter beyond ASCII (or,
    in a script without spaces, Thai or Chinese or Japanese, its first three characters),
    None if there is none."""
    unspaced = _UNSPACED.findall(words)
    if unspaced:
        return max(unspaced, key=len)[:3]
    candidates = [word for word in _WORD.findall(words) if not word.isascii()]
    return max(candidates, key=len) if candidates else None


def mojibake(stored: str, truth: str) -> list[str]:
    """The words of `stored` with a letter beyond ASCII that `truth` never uses.

    Letters, not words: a feed's text is joined and split differently from the file's,
    but a wrong decoding gives letters the right one has nowhere (Ã¼, Ð¿, 縺).
    """
    letters = set(truth)
    return [
        word
        for word in _WORD.findall(stored)
        if any(not char.isascii() and char not in letters for char in word)
    ]


def _strict_codec(folder: str) -> str | None:
    """Python's codec for a corpus folder: "iso-8859-2-czech" → "iso8859-2"."""
    parts = folder.split("-")
    for end in range(len(parts), 0, -1):
        try:
            return codecs.lookup("-".join(parts[:end])).name
        except LookupError:
            continue
    return None


def _report() -> None:
    from collections import Counter

    from monitor.sources.reading import encoding

    files, wrong = Counter[str](), Counter[str]()
    for sample in chardet_samples():
        files[sample.encoding] += 1
        got = encoding.decode(sample.content)
        if mojibake(got, sample.truth()) or got.lstrip("\ufeff") != sample.truth():
            wrong[sample.encoding] += 1
    print(f"{sum(files.values())} files, {sum(wrong.values())} read wrong")
    for name in sorted(wrong):
        print(f"  {name}: {wrong[name]} of {files[name]}")


if __name__ == "__main__":
    _report()
