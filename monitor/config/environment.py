"""The environment: where things live and the secrets. Never in sources.yaml, never logged.

Every variable has the MONITOR_ prefix (MONITOR_DATABASE_URL, MONITOR_SMTP_URL, …). The
defaults run the whole service from the current folder: SQLite under ./data and mails
written to ./data/outbox as .eml files when no SMTP server is set.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from monitor.phrasebook import problems
from monitor.phrasebook.language import Language

_ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "psycopg"}
_DATABASE_EXAMPLES = {
    "sqlite": "sqlite+aiosqlite:///data/monitor.db",
    "postgresql": "postgresql+psycopg://user@host/db",
}
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MONITOR_", frozen=True, extra="ignore")

    config: Path = Field(default=Path("sources.yaml"), description="Path of sources.yaml.")
    data_dir: Path = Field(default=Path("data"), description="SQLite file, .eml outbox.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default sqlite under data_dir."
    )
    smtp_url: str | None = Field(
        default=None,
        description="smtp://host:port (STARTTLS when offered) or smtps://host:port; unset: .eml",
    )
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout: float = 30.0
    mail_from: str = "monitor <monitor@localhost>"
    allow_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="Hosts (or IPs) fetched even when private, e.g. 127.0.0.1 for tests: "
        "host, host:port (that port only) or [ipv6]:port. MONITOR_ALLOW_HOSTS takes a JSON "
        'list (["127.0.0.1", "wiki.intranet:8443"]) or a comma-separated list.',
    )
    log_level: str = "INFO"
    language: Language | None = Field(
        default=None,
        description="The command line's language (de or en); unset, the locale's.",
    )
    http_host: str = Field(
        default="127.0.0.1",
        description="Where /healthz and /metrics listen (0.0.0.0 in a container).",
    )
    http_port: int = Field(default=8080, ge=0, le=65535, description="0 turns them off.")

    @field_validator("allow_hosts", mode="before")
    @classmethod
    def _host_list(cls, value: Any) -> Any:
        """The environment gives a string: a JSON list, or names separated by commas."""
        if not isinstance(value, str):
            return value
        if value.strip().startswith("["):
            try:
                return tuple(json.loads(value))
            except (ValueError, TypeError):
                raise problems.invalid("env_not_a_list") from None
        return tuple(part.strip() for part in value.split(",") if part.strip())

    @field_validator("allow_hosts")
    @classmethod
    def _host_entries(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            # The fetch layer parses entries in full; here only the common mistake of a URL.
            if not entry or any(c.isspace() or c in "/@" for c in entry):
                raise problems.invalid("env_host_is_url", value=entry)
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_server(cls, value: str | None) -> str | None:
        """smtp:// or smtps://, a host, and a port that is a number if one is given."""
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("smtp", "smtps"):
            raise problems.invalid("env_smtp_scheme")
        try:
            parts.port  # noqa: B018 - parsing is the check
        except ValueError:
            raise problems.invalid("env_smtp_port") from None
        if not parts.hostname:
            raise problems.invalid("env_smtp_host")
        return value

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str | None) -> str | None:
        """A URL of a database the project runs on, with an async driver (the plain
        `sqlite://` and `postgresql://` get theirs)."""
        if not value:
            return None
        try:
            url = make_url(value)
        except ArgumentError:
            raise problems.invalid("env_not_a_database_url", **_DATABASE_EXAMPLES) from None
        backend, driver = url.get_backend_name(), url.get_driver_name()
        wanted = _ASYNC_DRIVERS.get(backend)
        if wanted is None:
            raise problems.invalid(
                "env_database_unsupported", backend=backend, **_DATABASE_EXAMPLES
            )
        if "+" not in url.drivername:
            url = url.set(drivername=f"{backend}+{wanted}")
        elif driver != wanted:
            raise problems.invalid(
                "env_database_driver", driver=driver, wanted=f"{backend}+{wanted}://…"
            )
        return url.render_as_string(hide_password=False)

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in _LEVELS:
            raise problems.invalid("env_log_level", value=value, choices=", ".join(_LEVELS))
        return value.upper()

    @field_validator("data_dir")
    @classmethod
    def _folder(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise problems.invalid("env_data_dir_is_file", value=str(value))
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'monitor.db').as_posix()}"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"
