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


RUSSIAN = "Вауде: куртка промокла после первого дождя, магазин не отвечает на письма."


@pytest.mark.parametrize("codec", ["koi8-r", "windows-1251", "iso-8859-5", "cp866"])
def test_unlabelled_cyrillic_is_detected(codec: str) -> None:
    assert encoding.decode(f"<p>{RUSSIAN}</p>".encode(codec)) == f"<p>{RUSSIAN}</p>"


@pytest.mark.parametrize("label", ["iso-8859-1", "windows-1252"])
def test_cyrillic_under_a_latin_label_is_read_as_cyrillic(label: str) -> None:
    content = f'<meta charset="{label}"><p>{RUSSIAN}</p>'.encode("windows-1251")
    assert RUSSIAN in encoding.decode(content)
    assert RUSSIAN in encoding.decode(content, label)


@pytest.mark.parametrize(
    ("text", "label", "codec"),
    [
        ("①番のお店、ありがとう", "shift_jis", "cp932"),  # NEC and IBM extensions
        ("똠방각하 힣", "euc-kr", "cp949"),  # Hangul beyond KS X 1001
        ("镕金 €", "gb2312", "gb18030"),
    ],
)
def test_a_label_is_read_as_its_superset_as_browsers_do(text: str, label: str, codec: str) -> None:
    content = text.encode(codec)
    assert encoding.decode(content, label) == text
    assert (
        encoding.decode(f'<?xml version="1.0" encoding="{label}"?>'.encode() + content)[
            -len(text) :
        ]
        == text
    )


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_without_a_byte_order_mark_are_recognised(codec: str) -> None:
    text = f"<p>{TEXT} {RUSSIAN} 日本語</p>"
    assert encoding.decode(text.encode(codec)) == text


def test_a_utf32_byte_order_mark_is_not_taken_for_utf16() -> None:
    assert encoding.decode("Müller".encode("utf-32")) == "Müller"


@pytest.mark.parametrize("codec", ["iso2022_jp", "iso2022_kr"])
def test_iso_2022_is_recognised_by_its_escapes(codec: str) -> None:
    text = "日本語のテキスト" if codec == "iso2022_jp" else "한국어 텍스트입니다"
    assert encoding.decode(text.encode(codec)) == text


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Müşteri hizmetleri hiç cevap vermedi, ürün iade edilmedi.", "cp1254"),
        ("A rendelés késik, az ügyfélszolgálat nem válaszol.", "iso-8859-2"),
        ("Zákaznická podpora neodpověděla, zboží přišlo poškozené.", "cp1250"),
    ],
)
def test_unlabelled_central_european_and_turkish_are_not_taken_for_western(
    text: str, codec: str
) -> None:
    assert encoding.decode(f"<p>{text}</p>".encode(codec)) == f"<p>{text}</p>"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://forum.example.co.uk/t/1", "cp1252"),
        ("https://forum.example.de/t/1", "cp1252"),
        ("https://forum.example.pl/t/1", "iso8859-2"),
    ],
)
def test_the_top_level_domain_guides_detection_as_in_browsers(url: str, expected: str) -> None:
    # Byte A3 is "£" in windows-1252 and "Ł" in the Central European charsets; a two-line
    # post does not say which (chardetng, like Firefox, reads it as Ł on a .com host).
    content = "<p>i stand to lift £825. not bad for a £2 bet.</p>".encode("cp1252")
    assert encoding.codec_of(content, url=url) == expected


def test_short_german_text_without_a_label_stays_western() -> None:
    for sample in ("Müller", "Grüße aus Köln", "Größe 5 € – spät", "Ärger über die Jacke"):
        assert encoding.decode(sample.encode("cp1252")) == sample
