"""RFC 5322 messages: two UTF-8 alternatives, no header injection, a stable Message-ID."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

from monitor.notify import message
from monitor.notify.render import Rendered

NOW = datetime(2024, 3, 3, 6, 0, tzinfo=UTC)
SENDER = "Mönitor Bot <monitor@example.org>"
RENDERED = Rendered(
    subject="Müller Medical: 1 neue Erwähnung",
    text="Grüße aus Köln – Müller ✓\n",
    html="<p>Grüße aus Köln – Müller ✓</p>",
)


def build(rendered: Rendered = RENDERED, *, dedup_key: str = "digest:team:abc") -> bytes:
    return message.build(
        rendered,
        sender=SENDER,
        recipients=["a@example.org", "b@example.org"],
        dedup_key=dedup_key,
        now=NOW,
    )


def parse(data: bytes) -> EmailMessage:
    parsed = message_from_bytes(data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_a_message_has_a_plain_and_an_html_alternative_in_utf8() -> None:
    parsed = parse(build())

    assert parsed.get_content_type() == "multipart/alternative"
    parts = list(parsed.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert [p.get_content_charset() for p in parts] == ["utf-8", "utf-8"]
    plain = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert plain.get_content() == "Grüße aus Köln – Müller ✓\n"
    assert html.get_content().strip() == "<p>Grüße aus Köln – Müller ✓</p>"


def test_headers_survive_a_round_trip_with_umlauts() -> None:
    parsed = parse(build())
    assert parsed["Subject"] == "Müller Medical: 1 neue Erwähnung"
    assert parsed["From"].addresses[0].display_name == "Mönitor Bot"
    assert parsed["From"].addresses[0].addr_spec == "monitor@example.org"
    assert [a.addr_spec for a in parsed["To"].addresses] == ["a@example.org", "b@example.org"]
    assert parsed["Date"].datetime == NOW
    assert parsed["Auto-Submitted"] == "auto-generated"


def test_a_subject_with_a_line_break_cannot_add_a_header() -> None:
    hostile = Rendered(
        subject="Vaude\r\nBcc: x@example.org", text=RENDERED.text, html=RENDERED.html
    )
    data = build(hostile)
    parsed = parse(data)

    assert parsed["Bcc"] is None
    assert parsed.get_all("Subject") == ["Vaude Bcc: x@example.org"]
    header_block = data.split(b"\n\n", 1)[0]
    assert not any(line.lower().startswith(b"bcc:") for line in header_block.splitlines())


def test_the_message_id_is_stable_for_the_same_dedup_key() -> None:
    first = parse(build(dedup_key="digest:team:abc"))["Message-ID"]
    again = parse(build(dedup_key="digest:team:abc"))["Message-ID"]
    other = parse(build(dedup_key="digest:team:abd"))["Message-ID"]

    assert first == again
    assert first != other
    assert first.startswith("<")
    assert first.endswith("@example.org>")


def test_message_id_uses_the_sender_domain() -> None:
    assert message.message_id("k", "x <monitor@news.example>").endswith("@news.example>")
    assert message.message_id("k", "").endswith("@monitor.invalid>")


def test_a_sender_without_a_domain_falls_back_to_monitor_invalid() -> None:
    assert message.message_id("k", "monitor").endswith("@monitor.invalid>")
