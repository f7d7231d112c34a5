"""Old German boards in Latin-1 keep their umlauts, whatever the header says."""

from __future__ import annotations

import pytest

from monitor.sources.reading import encoding

TEXT = "Herr Müller schrieb über die Größe der Lieferung. Die Bestellung kam zu spät – 5 €."


def page(meta: str = "") -> bytes:
    html = f"<html><head>{meta}<title>Forum</title></head><body><p>{TEXT}</p></body></html>"
    return html.encode("cp1252")


@pytest.mark.parametrize(
    ("content", "header"),
    [
        (page(), "iso-8859-1"),  # declared in the header
        (page('<meta charset="ISO-8859-1">'), None),  # in <meta charset> only
        (page('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'), None),
        (page('<meta charset="windows-1252">'), "utf-8"),  # header wrong: the meta tag
        (page(), "utf-8"),  # header wrong and no meta: detection
        (page(), None),  # nothing declared: detection
        (page(), "no-such-charset"),  # unknown label: detection
    ],
)
def test_latin1_pages_keep_their_umlauts(content: bytes, header: str | None) -> None:
    assert TEXT in encoding.decode(content, header)


def test_utf8_pages_decode_as_declared() -> None:
    content = f"<p>{TEXT}</p>".encode()
    assert TEXT in encoding.decode(content, "utf-8")
    assert TEXT in encoding.decode(content, None)


def test_a_byte_order_mark_wins() -> None:
    assert encoding.decode("Müller".encode("utf-8-sig"), "iso-8859-1") == "Müller"


def test_meta_charset_is_read_from_the_first_kilobytes() -> None:
    assert encoding.meta_charset(b'<meta charset="UTF-8">') == "utf-8"
    assert encoding.meta_charset(b'<?xml version="1.0" encoding="ISO-8859-1"?>') == "iso-8859-1"
    assert encoding.meta_charset(b" " * 5000 + b'<meta charset="UTF-8">') is None


def test_cjk_pages_are_still_detected() -> None:
    text = "日本語のテキストです。これはテストです。" * 3
    assert encoding.decode(f"<p>{text}</p>".encode("shift_jis")).startswith(f"<p>{text[:10]}")


def test_utf8_pages_are_handed_on_as_they_are() -> None:
    content = f"<p>{TEXT}</p>".encode()
    assert encoding.utf8(content, "utf-8") is content
    assert encoding.utf8(content, None) is content


@pytest.mark.parametrize(
    ("content", "header"),
    [
        (page(), "iso-8859-1"),
        (page('<meta charset="windows-1252">'), "utf-8"),
        (page(), None),
        ("Müller".encode("utf-8-sig"), "iso-8859-1"),
        ("Müller".encode("utf-16"), None),
    ],
)
def test_other_charsets_are_transcoded_to_utf8(content: bytes, header: str | None) -> None:
    assert encoding.utf8(content, header).decode("utf-8") == encoding.decode(content, header)


@pytest.mark.parametrize("label", ["iso-8859-1", "windows-1252", "windows-1251", "koi8-r"])
@pytest.mark.parametrize("where", ["header", "meta"])
def test_a_utf8_page_under_a_one_byte_label_is_read_as_utf8(label: str, where: str) -> None:
    page = f"<meta charset={label}><p>Die Müller-Jacke für Ärzte, Vaude – ständig</p>"
    content = page if where == "meta" else page.replace(f"<meta charset={label}>", "")
    text = encoding.decode(content.encode("utf-8"), label if where == "header" else None)
    assert "Die Müller-Jacke für Ärzte, Vaude – ständig" in text


@pytest.mark.parametrize(
    ("text", "label"),
    [("Müller für Ärzte", "iso-8859-1"), ("Привет от Вауде", "windows-1251"),
     ("Привет от Вауде", "koi8-r")],
)  # fmt: skip
def test_a_page_really_in_its_one_byte_label_stays_in_it(text: str, label: str) -> None:
    assert encoding.decode(text.encode(label), label) == text
