"""A realistic digest rendered by a real browser (headless Chromium): the screenshot is kept
under tests/artifacts/ for people to look at, and checked to show the mentions.

Chromium is Debian's `chromium` package (CI installs it); without it the test is skipped
with a loud reason.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from monitor.domain import Snippet, StoredMention
from monitor.notify import render

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WIDTH, HEIGHT = 700, 1200
WINDOW_END = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)


def marked(text: str, *terms: str) -> Snippet:
    marks = []
    for term in terms:
        start = text.find(term)
        assert start >= 0, term
        marks.append((start, start + len(term)))
    return Snippet(text, tuple(sorted(marks)))


def mention(
    id: int, brand: str, title: str, url: str, source: str, hours_ago: float, snippet: Snippet,
    *, author: str | None = None, rating: float | None = None,
) -> StoredMention:  # fmt: skip
    return StoredMention(
        id=id, brand=brand, title=title, url=url, source=source, author=author,
        published_at=WINDOW_END - timedelta(hours=hours_ago),
        created_at=WINDOW_END - timedelta(hours=hours_ago / 2), rating=rating,
        snippet=snippet, terms=(brand,),
    )  # fmt: skip


MENTIONS = [
    mention(101, "Vaude", "Vaude Croz 3L im Härtetest: trocken über den Brocken",
            "https://outdoor-blog.example/2026/croz-test", "Outdoor-Blog", 3,
            marked("… nach sechs Stunden Regen war unter der Vaude Jacke alles trocken, "
                   "nur die Ärmelbündchen ließen etwas Wasser durch …", "Vaude"),
            author="Jörg Bär"),
    mention(102, "Vaude", "Rucksack-Reißverschluss gerissen – Erfahrungen?",
            "https://forum.example/t/4711", "Wanderforum", 9,
            marked("Hat jemand Erfahrung mit dem Vaude Kundendienst? Mein Rucksack ist "
                   "nach zwei Wochen kaputt gegangen.", "Vaude"),
            author="bergziege"),
    mention(103, "Vaude", "Enttäuschende Verarbeitung", "https://portal.example/r/88",
            "Bewertungsportal", 14,
            marked("Für den Preis hätte ich von Vaude mehr erwartet. Nähte lösen sich.",
                   "Vaude"), rating=1.5),
    mention(104, "Müller Medical", "Müller Medical eröffnet Filiale in Köln-Süd",
            "https://news.example/koeln/mueller-medical", "Lokalnachrichten", 5,
            marked("Die Müller Medical GmbH eröffnet am Montag ihre größte Filiale.",
                   "Müller Medical")),
    mention(105, "Müller Medical", "Bandage passt perfekt", "https://portal.example/r/91",
            "Bewertungsportal", 20,
            marked("Schnelle Lieferung von Müller Medical, Beratung am Telefon top.",
                   "Müller Medical"), rating=4.5),
    mention(106, "Jack Wolfskin", "Vergleich: Jack Wolfskin gegen Vaude bei 3-Lagen-Jacken",
            "https://outdoor-blog.example/2026/vergleich", "Outdoor-Blog", 7,
            marked("Im Direktvergleich lag Jack Wolfskin beim Gewicht vorn.",
                   "Jack Wolfskin")),
]  # fmt: skip


def read_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and unfiltered rows of an 8-bit, non-interlaced RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, header = 8, b"", b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, interlace) == (8, 0), (depth, interlace)
    assert color in (2, 6), color
    channels = 3 if color == 2 else 4
    stride = width * channels
    raw = zlib.decompress(idat)
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b, c = previous[i], previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line) if channels == 3 else bytes(
            v for i, v in enumerate(line) if i % 4 != 3))  # fmt: skip
        previous = line
    return width, height, rows


class Text(HTMLParser):
    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.bold: list[str] = []
        self._bold = False
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "b":
            self._bold = True
            self.bold.append("")

    def handle_endtag(self, tag: str) -> None:
        self._bold = self._bold and tag != "b"

    def handle_data(self, data: str) -> None:
        self.text += data
        if self._bold:
            self.bold[-1] += data


def chromium(
    *args: str, profile: Path, size: tuple[int, int] = (WIDTH, HEIGHT)
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}",
         *args],
        capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip


@pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="!!! SKIPPED: chromium is not installed (apt-get install chromium); the digest "
    "screenshot was NOT checked !!!",
)
def test_the_digest_shows_its_mentions_in_a_real_browser(tmp_path: Path) -> None:
    rendered = render.digest(
        alert="marketing", period="daily", schedule="daily at 08:00",
        recipients=["marketing@example.org", "pr@example.org"], mentions=MENTIONS,
        language="de", timezone="Europe/Berlin", now=WINDOW_END,
    )  # fmt: skip
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = ARTIFACTS / "digest.html"
    page.write_text(rendered.html, encoding="utf-8")
    png = ARTIFACTS / "digest.png"
    png.unlink(missing_ok=True)

    shot = chromium(f"--screenshot={png}", page.as_uri(), profile=tmp_path / "profile")
    assert png.is_file(), shot.stderr[-2000:]
    dom = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile").stdout

    # What the browser built: every title, bold brand terms, references, the footer.
    shown = Text(dom)
    for m in MENTIONS:
        assert m.title in shown.text, m.title
        assert f"Referenz M-{m.id}" in shown.text
    assert shown.bold.count("Vaude") == 3
    assert shown.bold.count("Müller Medical") == 2
    assert "Jack Wolfskin" in shown.bold
    assert "Bewertung 1,5 / 5 ★" in shown.text
    assert "22. Nov. 2026, 05:00" in shown.text  # 04:00 UTC, in Berlin
    assert "Diese Zusammenfassung kommt vom Alarm „marketing“" in shown.text
    assert "<script" not in dom

    # What it painted: the window's size, a 640 px white card on grey, dark text in it.
    width, height, rows = read_png(png.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    pixels = [row[i : i + 3] for row in rows for i in range(0, len(row), 3)]
    white = pixels.count(b"\xff\xff\xff")
    dark = sum(1 for p in pixels if p[0] + p[1] + p[2] < 3 * 128)
    assert white < 0.95 * len(pixels), "the page is blank"
    assert dark > 0.01 * len(pixels), "no text was painted"
    card_row = rows[HEIGHT // 3]
    whites = [i // 3 for i in range(0, len(card_row), 3) if card_row[i : i + 3] == b"\xff" * 3]
    assert 620 <= whites[-1] - whites[0] + 1 <= 650, (whites[0], whites[-1])


PHONE = (390, 844)
# Headless Chromium lays out no window narrower than 500 px, so the phone is an iframe of
# its size in a wider window. The page inside measures itself (how wide its content is:
# wider than the frame means a horizontal scroll; the smallest font of any element that
# holds text); the outer page copies the figures into its DOM, for --dump-dom to show.
PROBE = """<script>
window.addEventListener("load", () => {
  let smallest = 1000;
  for (const element of document.body.querySelectorAll("*")) {
    const own = [...element.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (own) smallest = Math.min(smallest, parseFloat(getComputedStyle(element).fontSize));
  }
  document.body.setAttribute("data-scroll-width", document.documentElement.scrollWidth);
  document.body.setAttribute("data-frame-width", window.innerWidth);
  document.body.setAttribute("data-smallest-font", smallest);
});
</script>"""
FRAME = """<html><body style="margin:0; background:#777777">
<iframe id="phone" src="{src}" style="width:{w}px; height:{h}px; border:0; display:block"></iframe>
<script>
document.getElementById("phone").addEventListener("load", () => setTimeout(() => {{
  const inner = document.getElementById("phone").contentDocument.body;
  for (const name of ["data-scroll-width", "data-frame-width", "data-smallest-font"])
    document.body.setAttribute(name, inner.getAttribute(name));
}}, 200));
</script></body></html>"""


def _attribute(dom: str, name: str) -> float:
    assert f'{name}="' in dom, dom[-2000:]
    return float(dom.split(f'{name}="')[1].split('"')[0])


@pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="!!! SKIPPED: chromium is not installed (apt-get install chromium); the phone "
    "layout was NOT checked !!!",
)
def test_a_german_digest_reads_on_a_phone_without_scrolling_sideways(tmp_path: Path) -> None:
    long_url = StoredMention(
        id=107, brand="Vaude", title="Ein Beitrag mit sehr langer Adresse",
        url="https://forum.example/" + "unterverzeichnis-" * 12 + "beitrag.html",
        source="Wanderforum", author=None, published_at=WINDOW_END, created_at=WINDOW_END,
        rating=None, snippet=marked("Vaude " + "Wort " * 80, "Vaude"), terms=("Vaude",),
    )  # fmt: skip
    rendered = render.digest(
        alert="marketing", period="daily", schedule="daily at 08:00",
        recipients=["marketing@example.org", "pr@example.org"], mentions=[*MENTIONS, long_url],
        language="de", timezone="Europe/Berlin", now=WINDOW_END,
    )  # fmt: skip
    assert "täglich um 08:00" in rendered.text  # the schedule in the reader's language
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = ARTIFACTS / "digest-phone.html"
    page.write_text(rendered.html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    frame = tmp_path / "phone.html"
    frame.write_text(FRAME.format(src=page.as_uri(), w=PHONE[0], h=PHONE[1]), encoding="utf-8")
    png = ARTIFACTS / "digest-phone.png"
    png.unlink(missing_ok=True)
    window = (PHONE[0] + 110, PHONE[1])
    flags = ("--allow-file-access-from-files", "--virtual-time-budget=5000")
    shot = chromium(*flags, f"--screenshot={png}", frame.as_uri(), profile=tmp_path / "p",
                    size=window)  # fmt: skip
    assert png.is_file(), shot.stderr[-2000:]
    dom = chromium(*flags, "--dump-dom", frame.as_uri(), profile=tmp_path / "p", size=window)

    assert _attribute(dom.stdout, "data-frame-width") == PHONE[0]
    scroll = _attribute(dom.stdout, "data-scroll-width")
    assert scroll <= PHONE[0], f"{scroll} px wide on a {PHONE[0]} px phone"
    smallest = _attribute(dom.stdout, "data-smallest-font")
    assert smallest >= 14, f"text at {smallest} px"

    # Painted: inside the phone's frame, the white card ends before the frame does.
    _, _, rows = read_png(png.read_bytes())
    row = rows[PHONE[1] // 3][: PHONE[0] * 3]
    whites = [i // 3 for i in range(0, len(row), 3) if row[i : i + 3] == b"\xff" * 3]
    assert whites, "no card painted in the phone's frame"
    assert whites[-1] < PHONE[0] - 8, f"the card runs to x={whites[-1]}"
