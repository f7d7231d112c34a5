"""Response bytes to text, in the charset the page is really written in.

Order of evidence, as browsers use it:

1. a byte-order mark (UTF-32 before UTF-16: their marks share two bytes);
2. the charset in the HTTP Content-Type header, then the page's own ``<meta charset>`` /
   ``http-equiv`` declaration or XML declaration, unless it names a one-byte charset and
   the bytes are valid UTF-8 with multi-byte sequences in them (a UTF-8 page under an old
   Latin-1 label), or the bytes do not decode in it (Latin-1 served as "utf-8"), or it
   says Latin-1 of text that reads as no Western language (Cyrillic under "iso-8859-1");
3. detection: UTF-16/32 without a mark (NUL bytes in a steady rhythm), ISO-2022 (escape
   sequences in 7-bit text), UTF-8 when the bytes are valid UTF-8, and otherwise
   chardetng, the detector Firefox uses for unlabelled pages, given the host's top-level
   domain as browsers give it (an unlabelled ``.de`` page is windows-1252, a ``.ru`` one
   Cyrillic). chardetng knows the web's encodings only; DOS and Mac code pages (cp866,
   cp855, mac-cyrillic) and Korean Johab are left to charset-normalizer.

Labels are read the WHATWG way, which names the superset every browser decodes with:
"iso-8859-1", "latin1" and "ascii" mean windows-1252 (curly quotes, €), "shift_jis" means
Microsoft's cp932, "euc-kr" cp949, "gb2312" gb18030, "iso-8859-9" windows-1254.

Decoding never raises: when nothing fits, undecodable bytes become U+FFFD.
"""

from __future__ import annotations

import codecs
import ipaddress
import logging
import re
from urllib.parse import urlsplit

import chardetng_py
import charset_normalizer

log = logging.getLogger(__name__)

# WHATWG Encoding Standard: these labels are decoded as windows-1252.
_WINDOWS_1252_LABELS = frozenset(
    {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii", "cp819",
     "iso_8859-1", "iso-ir-100", "ibm819", "csisolatin1", "x-cp1252", "cp1252"}
)  # fmt: skip
# WHATWG again: a page labelled with the left-hand codec is decoded with the right-hand
# one, its superset (keyed by Python's codec names). Japanese and Korean sites labelled
# Shift_JIS / EUC-KR are written in Microsoft's extensions, which the strict codecs refuse.
_SUPERSETS = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "latin-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
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
# ESC $ B / ESC $ @ / ESC ( J (Japanese), ESC $ ) C (Korean): 7-bit text switching sets.
_ISO_2022 = ((b"\x1b$)C", "iso2022_kr"), (b"\x1b$", "iso2022_jp_2"), (b"\x1b(J", "iso2022_jp"))
# UTF-16 text in a Latin or CJK script has a NUL in at least this share of its code units'
# high (or, for CJK, low) bytes; one-byte text has none.
_WIDE_NULS = 0.3
_TLD = re.compile(r"[a-z0-9-]*[a-z][a-z0-9-]*")
# Detectors read a page with a few stray accented letters as Chinese or Japanese (one
# "ü" in 2 KB of ASCII markup is a valid GB18030 pair). Text in those scripts is dense in
# high bytes; below this share a Western page is far likelier.
_CJK_CODECS = ("gb", "big5", "shift_jis", "euc", "iso2022", "cp932", "cp949", "cp950", "johab")
_CJK_MIN_HIGH_BYTES = 0.15
_WESTERN_PUNCTUATION = frozenset("€£„“”‚‘’–—…«»°§·×÷¡¿\u00a0")
_WESTERN_SHARE = 0.9
_ACCENTED_SHARE = 0.3


def decode(content: bytes, declared: str | None = None, *, url: str | None = None) -> str:
    """`content` as text; `declared` is the charset from the HTTP header, if any, and
    `url` where the page came from (its top-level domain guides detection)."""
    return _decode(content, declared, url)[0]


def utf8(content: bytes, declared: str | None = None, *, url: str | None = None) -> bytes:
    """`content` as UTF-8 bytes, read as `decode` reads it: for parsers that take bytes.

    A page that is UTF-8 already comes back as it is, unchanged and uncopied: lexbor
    parses bytes as UTF-8, so handing it those saves encoding the decoded text again
    (which costs more than decoding it, for a page with one character beyond Latin-1).
    """
    text, codec = _decode(content, declared, url)
    return content if codec == "utf-8" else text.encode("utf-8")


def codec_of(content: bytes, declared: str | None = None, *, url: str | None = None) -> str:
    """The codec `decode` reads `content` with (Python's name: "utf-8", "cp1252")."""
    return _decode(content, declared, url)[1]


def _decode(content: bytes, declared: str | None, url: str | None) -> tuple[str, str]:
    for bom, codec in _BOMS:
        if content.startswith(bom):
            return content.decode(codec, errors="replace"), codec
    for label in (declared, meta_charset(content)):
        if label and _utf8_despite(content, label):
            log.debug("declared %s, but the bytes are UTF-8: read as UTF-8", label)
            return content.decode("utf-8"), "utf-8"
        found = _strict(content, label)
        if found is not None and found[1] == "cp1252" and _western(content) is None:
            # A Latin-1 label on text that reads as no Western language: a Cyrillic or
            # Greek page keeping its template's label. Every byte "fits" windows-1252,
            # so fit alone cannot tell; the letters can.
            detected = _detected(content, _tld(url))
            if detected[1] != "cp1252":
                log.debug("declared %s, but the text is %s: read as that", label, detected[1])
                return detected
        if found is not None:
            return found
        if label:
            log.debug("declared %s, which does not fit the bytes: detecting", label)
    return _detected(content, _tld(url))


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


def _strict(content: bytes, label: str | None) -> tuple[str, str] | None:
    """`content` decoded as `label`, or None if the label is unknown or does not fit."""
    if not label:
        return None
    label = label.strip().lower()
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    if codec in ("utf-16", "utf-32") and _wide(content) is None:
        return None  # an ASCII page that copied "utf-16" into its meta tag
    # The superset first; windows-1252 leaves five bytes undefined, so the declared
    # Latin-1 itself is the fallback.
    for candidate in (_superset(codec), codec):
        try:
            return content.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    return None


def _superset(codec: str) -> str:
    return _SUPERSETS.get(codec, codec)


def _detected(content: bytes, tld: bytes | None) -> tuple[str, str]:
    wide = _wide(content)
    if wide is not None:
        return wide
    if max(content, default=0) < 0x80 and b"\x1b" in content:
        for escape, codec in _ISO_2022:
            if escape in content:
                try:
                    return content.decode(codec), codec
                except UnicodeDecodeError:
                    continue
    try:
        # Most of today's web, and unambiguous when it fits.
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    codec = _superset(codecs.lookup(chardetng_py.detect(content, allow_utf8=False, tld=tld)).name)
    if codec == "cp1252" and _western(content) is None:
        # Not Western text, and not one of the web's encodings chardetng knows.
        other = _code_page(content)
        if other is not None:
            return other
    return content.decode(codec, errors="replace"), codec


def _wide(content: bytes) -> tuple[str, str] | None:
    """`content` as UTF-32 or UTF-16 without a byte-order mark, when its NUL bytes fall
    in the rhythm of one (every second or fourth byte), else None."""
    if len(content) < 4 or content.count(0) < _WIDE_NULS * len(content) / 2:
        return None
    quarter = len(content) // 4
    for codec, zero in (("utf-32-le", (2, 3)), ("utf-32-be", (0, 1))):
        if all(content[i::4].count(0) >= 0.95 * quarter for i in zero):
            try:
                return content.decode(codec), codec
            except UnicodeDecodeError:
                pass
    half = len(content) // 2
    even, odd = content[0::2].count(0), content[1::2].count(0)
    for codec, nuls, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if nuls >= _WIDE_NULS * half and other < nuls / 4:
            try:
                return content.decode(codec), codec
            except UnicodeDecodeError:
                pass
    return None


def _code_page(content: bytes) -> tuple[str, str] | None:
    """`content` in a DOS or Mac code page or Johab, by charset-normalizer, or None when
    its best guess is no better than windows-1252."""
    best = charset_normalizer.from_bytes(content).best()
    if best is None:
        return None
    if best.encoding.startswith(_CJK_CODECS):
        high = sum(1 for byte in content if byte >= 0x80)
        if high < _CJK_MIN_HIGH_BYTES * len(content):
            return None
    return str(best), best.encoding


def _western(content: bytes) -> str | None:
    """`content` as windows-1252 if that reads as Western European text.

    Accept it when nearly every non-ASCII character it gives is a letter (ä, ß, é…) or
    common punctuation (€, „, –), and the letters are mostly plain ASCII: German or French
    text is; Cyrillic or Greek read as windows-1252 is nearly all "accented" letters.
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
    return (
        text
        if plausible >= _WESTERN_SHARE * len(high) and accented <= _ACCENTED_SHARE * letters
        else None
    )


def _tld(url: str | None) -> bytes | None:
    """The top-level domain of `url`'s host, as chardetng takes it ("de", "xn--p1ai"),
    or None for an IP address, a bare host name or no URL."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname or ""
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    if "." not in host:
        return None
    label = host.rstrip(".").rsplit(".", 1)[-1]
    try:
        label = label.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    return label.encode("ascii") if _TLD.fullmatch(label) else None
