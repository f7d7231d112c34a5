"""Handing messages to an SMTP server (aiosmtplib), or to .eml files when none is set.

Errors are sorted for the caller: `TemporaryDeliveryError` for what a retry may fix
(4xx replies, refused or dropped connections, timeouts), `PermanentDeliveryError` for 5xx.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

from monitor.config.environment import Settings
from monitor.errors import PermanentDeliveryError, TemporaryDeliveryError
from monitor.notify import message, render

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Accepted:
    """The server took the message for some recipients. `refused` names the others, with
    the server's code and text (a 5xx is final for that recipient, a 4xx worth a retry)."""

    reply: str
    refused: dict[str, tuple[int, str]]


class Mailer(Protocol):
    async def send(self, message: bytes, *, sender: str, recipients: Sequence[str]) -> Accepted:
        """Deliver `message`; raise a DeliveryError when no recipient got it."""
        ...


@dataclass(frozen=True)
class SmtpMailer:
    hostname: str
    port: int
    use_tls: bool
    username: str | None
    password: str | None
    timeout: float

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpMailer:
        assert settings.smtp_url is not None
        parts = urlsplit(settings.smtp_url)
        implicit_tls = parts.scheme == "smtps"
        return cls(
            hostname=parts.hostname or "localhost",
            port=parts.port or (465 if implicit_tls else 25),
            use_tls=implicit_tls,
            username=settings.smtp_username
            or (unquote(parts.username) if parts.username else None),
            password=(
                settings.smtp_password.get_secret_value()
                if settings.smtp_password
                else (unquote(parts.password) if parts.password else None)
            ),
            timeout=settings.smtp_timeout,
        )

    async def send(self, message: bytes, *, sender: str, recipients: Sequence[str]) -> Accepted:
        try:
            refused, reply = await aiosmtplib.send(
                message,
                sender=sender,
                recipients=list(recipients),
                hostname=self.hostname,
                port=self.port,
                use_tls=self.use_tls,
                # None: upgrade with STARTTLS when the server offers it, else go plain.
                start_tls=None if not self.use_tls else False,
                username=self.username,
                password=self.password,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [refusal.code for refusal in error.recipients]
            detail = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in error.recipients)
            if all(500 <= code < 600 for code in codes):
                raise PermanentDeliveryError(f"every recipient refused: {detail}") from None
            raise TemporaryDeliveryError(f"recipients refused for now: {detail}") from None
        except aiosmtplib.SMTPResponseException as error:
            reason = f"{error.code} {error.message}"
            if 500 <= error.code < 600:
                raise PermanentDeliveryError(reason) from None
            raise TemporaryDeliveryError(reason) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise TemporaryDeliveryError(f"{type(error).__name__}: {error}") from None
        return Accepted(reply, {who: (r.code, r.message) for who, r in refused.items()})


@dataclass(frozen=True)
class FileMailer:
    """Writes each message to `folder` as an .eml file; for running without an SMTP server."""

    folder: Path

    async def send(self, message: bytes, *, sender: str, recipients: Sequence[str]) -> Accepted:
        self.folder.mkdir(parents=True, exist_ok=True)
        message_id = str(message_from_bytes(message).get("Message-ID", "")).strip("<>")
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in message_id) or "mail"
        path = self.folder / f"{name}.eml"
        path.write_bytes(message)
        return Accepted(f"written to {path}", {})


def mailer_from(settings: Settings) -> Mailer:
    if settings.smtp_url:
        return SmtpMailer.from_settings(settings)
    log.warning(
        "no SMTP server configured (MONITOR_SMTP_URL); mails are written to %s",
        settings.outbox_dir,
        extra={"event": "mail_to_files"},
    )
    return FileMailer(settings.outbox_dir)


async def send_test(settings: Settings, recipients: Sequence[str], *, now: datetime) -> str:
    """`monitor check --smtp`: send a test mail; return the server's reply.

    Raises DeliveryError, with the server's answer, as any send does."""
    rendered = render.Rendered(
        subject="monitor: test mail",
        text="This is a test mail from monitor (monitor check --smtp). "
        "If you can read it, mail delivery works.\n",
        html="<p>This is a test mail from monitor (<code>monitor check --smtp</code>). "
        "If you can read it, mail delivery works.</p>",
    )
    data = message.build(
        rendered,
        sender=settings.mail_from,
        recipients=recipients,
        dedup_key=f"smtp-test:{uuid.uuid4()}",
        now=now,
    )
    accepted = await SmtpMailer.from_settings(settings).send(
        data, sender=settings.mail_from, recipients=recipients
    )
    refused = "; ".join(f"{who}: {code} {text}" for who, (code, text) in accepted.refused.items())
    return accepted.reply + (f" (refused: {refused})" if refused else "")
