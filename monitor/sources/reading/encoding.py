"""Response bytes to text, in the charset the page is really written in.

Order of evidence, as browsers use it: a byte-order mark; the charset in the HTTP
Content-Type header; the page's own ``<meta charset>`` / ``http-equiv`` declaration (or an
XML declaration), unless it names a one-byte charset and the bytes are valid UTF-8 with
multi-byte sequences in them (a UTF-8 page under an old Latin-1 label); and when those
are missing or wrong (bytes that do not decode in the
declared charset, such as Latin-1 bytes served as "utf-8"), detection by
charset-normalizer. Labels are read the WHATWG way: "iso-8859-1", "latin1" and "ascii" mean
windows-1252, which is what such pages really hold (curly quotes, €).

Decoding never raises: when nothing fits, undecodable bytes become U+FFFD.
"""

from __future__ import annotations

import codecs
import logging
import re

import charset_normalizer

log = logging.getLogger(__name__)

# WHATWG Encoding Standard: these labels are decoded as windows-1252.
_WINDOWS_1252_LABELS = frozenset(
    {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii", "cp819",
     "iso_8859-1", "iso-ir-100", "ibm819", "csisolatin1", "x-cp1252", "cp1252"}
)  # fmt: skip
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# <meta charset="…">, <meta http-equiv=… content="…; charset=…">, <?xml … encoding="…"?>
_DECLARED = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)"""
    rb"""|<\?xml[^>]*?encoding\s*=\s*["']([a-zA-Z0-9_.:-]+)""",
    re.IGNORECASE,
)
_SNIFF_BYTES = 4096
_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
# Detectors read a page with a few stray accented letters as Chinese or Japanese (one
# "ü" in 2 KB of ASCII markup is a valid GB18030 pair). Text in those scripts is dense in
# high bytes; below this share a Western page is far likelier.
_CJK_CODECS = ("gb", "big5", "shift_jis", "euc", "iso2022", "cp932", "cp949", "cp950", "johab")
_CJK_MIN_HIGH_BYTES = 0.15
_WESTERN_PUNCTUATION = frozenset("€„“”‚‘’–—…«»°§·×÷¡¿\u00a0")
_WESTERN_SHARE = 0.9
_ACCENTED_SHARE = 0.3


def decode(content: bytes, declared: str | None = None) -> str:
    """`content` as text; `declared` is the charset from the HTTP header, if any."""
    return _decode(content, declared)[0]


def utf8(content: bytes, declared: str | None = None) -> bytes:
    """`content` as UTF-8 bytes, read as `decode` reads it: for parsers that take bytes.

    A page that is UTF-8 already comes back as it is, unchanged and uncopied: lexbor
    parses bytes as UTF-8, so handing it those saves encoding the decoded text again
    (which costs more than decoding it, for a page with one character beyond Latin-1).
    """
    text, codec = _decode(content, declared)
    return content if codec == "utf-8" else text.encode("utf-8")


def _decode(content: bytes, declared: str | None) -> tuple[str, str]:
    """`decode`, and the codec that read the page (its Python name: "utf-8", "cp1252")."""
    for bom, codec in _BOMS:
        if content.startswith(bom):
            return content.decode(codec, errors="replace"), codec
    for label in (declared, meta_charset(content)):
        if label and _utf8_despite(content, label):
            log.debug("declared %s, but the bytes are UTF-8: read as UTF-8", label)
            return content.decode("utf-8"), "utf-8"
        found = _strict(content, label)
        if found is not None:
            return found
    return _detected(content)


def _utf8_despite(content: bytes, label: str) -> bool:
    """Whether a page declared in a one-byte charset (Latin-1, windows-1251, KOI8-R…) is
    UTF-8 in fact. Text in those charsets almost never forms valid UTF-8 sequences, while a
    UTF-8 page keeps its old Latin-1 label in many a template: the bytes decide."""
    try:
        if codecs.lookup(label.strip().lower()).name in ("utf-8", "utf-16", "utf-32"):
            return False
        codecs.getdecoder(label.strip().lower())(b"\xc3\xa4")  # a one-byte codec reads it
    except (LookupError, UnicodeDecodeError):
        return False
    if max(content, default=0) < 0x80 or not _MULTIBYTE.search(content):
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def meta_charset(content: bytes) -> str | None:
    """The charset a page declares in its first few kilobytes, if any."""
    match = _DECLARED.search(content[:_SNIFF_BYTES])
    if match is None:
        return None
    return (match.group(1) or match.group(2)).decode("ascii").lower()


def _western(content: bytes) -> str | None:
    """`content` as windows-1252 if that reads as Western European text.

    The pages we watch are German and English: an undeclared 8-bit page is far more
    likely windows-1252 than cp775 or cp852, which statistical detectors sometimes pick
    for short German texts ("M³ller"). Accept it when nearly every non-ASCII character
    it gives is a letter (ä, ß, é…) or common punctuation (€, „, –).
    """
    try:
        text = content.decode("cp1252")
    except UnicodeDecodeError:
        return None
    high = [char for char in text if ord(char) >= 0x80]
    if not high:
        return text
    plausible = sum(1 for char in high if char.isalpha() or char in _WESTERN_PUNCTUATION)
    letters = sum(1 for char in text if char.isalpha())
    accented = sum(1 for char in high if char.isalpha())
    # German or French text is mostly plain ASCII letters; Cyrillic or Greek read as
    # windows-1252 is nearly all "accented" letters.
    return (
        text
        if plausible >= _WESTERN_SHARE * len(high) and accented <= _ACCENTED_SHARE * letters
        else None
    )


def _strict(content: bytes, label: str | None) -> tuple[str, str] | None:
    """`content` decoded as `label`, or None if the label is unknown or does not fit."""
    if not label:
        return None
    label = label.strip().lower()
    # windows-1252 leaves five bytes undefined; fall back to the declared Latin-1 itself.
    candidates = ["cp1252", label] if label in _WINDOWS_1252_LABELS else [label]
    for candidate in candidates:
        try:
            codec = codecs.lookup(candidate).name
            return content.decode(codec), codec
        except (LookupError, UnicodeDecodeError):
            continue
    return None


def _detected(content: bytes) -> tuple[str, str]:
    try:
        # Most of today's web, and unambiguous when it fits.
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    western = _western(content)
    if western is not None:
        return western, "cp1252"
    best = charset_normalizer.from_bytes(content).best()
    if best is None:
        return content.decode("utf-8", errors="replace"), "utf-8 (with replacements)"
    if best.encoding.startswith(_CJK_CODECS):
        high = sum(1 for byte in content if byte >= 0x80)
        if high < _CJK_MIN_HIGH_BYTES * len(content):
            return content.decode("cp1252", errors="replace"), "cp1252"
    return str(best), best.encoding
