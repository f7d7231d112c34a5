"""RFC 5322 messages built from rendered mails. Pure: bytes out, nothing sent.

Header values that carry scraped text have CR, LF and every other control character
removed before they reach EmailMessage, which alone does not stop header injection on
every Python release we support.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from monitor import text
from monitor.notify.render import Rendered


def message_id(dedup_key: str, sender: str) -> str:
    """A Message-ID derived from the outbox row, so a repeated send carries the same one."""
    address = parseaddr(sender)[1]
    domain = address.rpartition("@")[2] if "@" in address else "monitor.invalid"
    digest = hashlib.sha256(dedup_key.encode()).hexdigest()[:32]
    return f"<{digest}@{text.one_line(domain, 200)}>"


def build(
    rendered: Rendered,
    *,
    sender: str,
    recipients: Sequence[str],
    dedup_key: str,
    now: datetime,
) -> bytes:
    message = EmailMessage()
    message["Subject"] = text.one_line(rendered.subject, 250)
    name, address = parseaddr(sender)
    message["From"] = Address(display_name=text.one_line(name), addr_spec=address)
    message["To"] = ", ".join(text.one_line(r) for r in recipients)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(dedup_key, sender)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return message.as_bytes()
