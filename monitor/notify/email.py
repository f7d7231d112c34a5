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
from monitor.notify.words import WORDS

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

    @property
    def _server(self) -> str:
        return f"{self.hostname}:{self.port}"

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
                raise PermanentDeliveryError(
                    f"every recipient refused: {detail}", "refused", reply=detail
                ) from None
            raise TemporaryDeliveryError(
                f"recipients refused for now: {detail}", "refused_for_now", reply=detail
            ) from None
        except aiosmtplib.SMTPResponseException as error:
            reason = f"{error.code} {error.message}"
            kind = "login" if error.code in (530, 534, 535) else "reply"
            if 500 <= error.code < 600:
                raise PermanentDeliveryError(reason, kind, reply=reason) from None
            raise TemporaryDeliveryError(reason, kind, reply=reason) from None
        except (aiosmtplib.SMTPTimeoutError, TimeoutError) as error:
            raise TemporaryDeliveryError(
                f"{type(error).__name__}: {error}", "timeout", server=self._server
            ) from None
        except (aiosmtplib.SMTPException, OSError) as error:
            # Refused, unknown host, TLS failed: no conversation with the server took place.
            raise TemporaryDeliveryError(
                f"{type(error).__name__}: {error}", "unreachable", server=self._server
            ) from None
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


async def send_test(
    settings: Settings, recipients: Sequence[str], *, now: datetime, language: str = "en"
) -> str:
    """`monitor check --smtp`: send a test mail in `language`; return the server's reply.

    Raises DeliveryError, with the server's answer, as any send does."""
    said = WORDS[language]
    rendered = render.Rendered(
        subject=said["test_subject"],
        text=said["test_body"].format(command="monitor check --smtp") + "\n",
        html="<p>" + said["test_body"].format(command="<code>monitor check --smtp</code>") + "</p>",
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
