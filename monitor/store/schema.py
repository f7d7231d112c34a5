"""The tables. Constraint names follow one convention so migrations can refer to them.

Timestamps are stored as naive UTC (SQLite has no time zones) and come back aware.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from monitor.domain import HealthState, MessageKind, NameKind, OutboxStatus, Trouble

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, naive UTC in the database, aware UTC out."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


E = TypeVar("E", bound=StrEnum)


class EnumText(TypeDecorator[E], Generic[E]):
    """A StrEnum kept as its value in a VARCHAR: no database enum type to migrate when a
    state is added, and a value the enum does not know fails on write, not on read."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int = 20) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        return None if value is None else self.enum(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Source(Base):
    """A configured source as the database knows it, with its crawl state and lease."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    type: Mapped[str] = mapped_column(String(30))
    url: Mapped[str] = mapped_column(Text)
    first_crawled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_crawled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    items_last_seen: Mapped[int | None] = mapped_column(Integer)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who holds the crawl lease: the token of the claim (store.sources.claim), so a worker
    # whose lease ran out and was taken over cannot renew, release or record over another.
    lease_token: Mapped[str | None] = mapped_column(String(32))
    # Which process holds it (host name and process id), to name it when a crawl skips.
    lease_holder: Mapped[str | None] = mapped_column(String(200))
    # See monitor.crawl.health: ok, failing or broken, and why.
    health: Mapped[HealthState] = mapped_column(
        EnumText(HealthState), default=HealthState.OK, server_default=HealthState.OK.value
    )
    health_reason: Mapped[str | None] = mapped_column(Text)
    # What the last failed crawl ran into, as a sentence of the catalogues says it (any
    # language): the trouble, its HTTP status and the URL; none after a success.
    trouble: Mapped[Trouble | None] = mapped_column(EnumText(Trouble))
    trouble_status: Mapped[int | None] = mapped_column(Integer)
    trouble_url: Mapped[str | None] = mapped_column(Text)
    yielded_before: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SourceMemory(Base):
    """What a source's adapter asked to remember between crawls (see domain.Page.remember)."""

    __tablename__ = "source_memory"
    __table_args__ = (UniqueConstraint("source_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(500))
    value: Mapped[str] = mapped_column(Text)
    # When the adapter last wrote it: what no crawl has written for long is forgotten
    # (`store.sources.forget_stale`), so a board's memory does not grow for ever.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SeenItem(Base):
    """Every document key ever met, matched or not: a few bytes each, no text.

    It tells a crawl which items are old (to stop paginating early) without storing the
    text of posts that mention no brand.
    """

    __tablename__ = "seen_items"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HttpCache(Base):
    """Validators of the last response per URL, for conditional GET."""

    __tablename__ = "http_cache"

    url: Mapped[str] = mapped_column(String(2000), primary_key=True)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Document(Base):
    """One post, review or entry, keyed by its canonical identity (see fingerprint)."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(2000), unique=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[float | None] = mapped_column(Float)
    language: Mapped[str | None] = mapped_column(String(10))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # MinHash signature (monitor.identity.neardup) for finding syndicated copies; None if too short.
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Title and text length before the crawl cut them to its bounds; None if not cut.
    full_length: Mapped[int | None] = mapped_column(Integer)


class Mention(Base):
    """A brand found in a document: stored once per (brand, document), whoever finds it.

    `alertable` is false for what a source's first crawl found that was already old
    (the baseline): it is kept and listed, but not sent.
    """

    __tablename__ = "mentions"
    __table_args__ = (UniqueConstraint("brand", "document_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brand: Mapped[str] = mapped_column(String(100))
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    terms: Mapped[list[str]] = mapped_column(JSON)
    snippet: Mapped[str] = mapped_column(Text)
    snippet_marks: Mapped[list[list[int]]] = mapped_column(JSON)
    alertable: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Outbox(Base):
    """A mail to send, complete with its bytes, so a restart sends exactly what was decided.

    `dedup_key` makes a decision to send idempotent (one digest per alert and window, one
    immediate alert per rule and mention) across retries, restarts and replicas.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(300), unique=True)
    alert: Mapped[str] = mapped_column(String(100))
    kind: Mapped[MessageKind] = mapped_column(EnumText(MessageKind))
    subject: Mapped[str] = mapped_column(Text)
    recipients: Mapped[list[str]] = mapped_column(JSON)
    message: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[OutboxStatus] = mapped_column(
        EnumText(OutboxStatus), default=OutboxStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Recipients the server refused for good (5xx) while others got the mail.
    failed_recipients: Mapped[list[str] | None] = mapped_column(JSON)


class Delivery(Base):
    """Which mention went out in which alert's mail: each at most once per alert."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("alert", "mention_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert: Mapped[str] = mapped_column(String(100))
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id", ondelete="CASCADE"))
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), index=True)


class KnownName(Base):
    """When a brand or an alert first appeared in the configuration.

    A brand added today must not alert what was written about it last year (baseline),
    and an alert added today must not send a digest for a window that closed before it
    existed.
    """

    __tablename__ = "known_names"
    __table_args__ = (UniqueConstraint("kind", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[NameKind] = mapped_column(EnumText(NameKind))
    name: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DigestWindow(Base):
    """A digest window that has closed: once per (alert, end), whoever closes it.

    `outbox_id` is the mail it produced; None when the window was empty and nothing was
    sent.
    """

    __tablename__ = "digest_windows"
    __table_args__ = (UniqueConstraint("alert", "window_end"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert: Mapped[str] = mapped_column(String(100))
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    mentions: Mapped[int] = mapped_column(Integer)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))


class DocumentAlias(Base):
    """A document key that turned out to be the same story as a stored document (the same
    text, or nearly, at another URL): later crawls map it straight to that document."""

    __tablename__ = "document_aliases"

    key: Mapped[str] = mapped_column(String(2000), primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )


class DocumentBand(Base):
    """LSH band keys of a document's MinHash signature (see monitor.identity.neardup)."""

    __tablename__ = "document_bands"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[int] = mapped_column(BigInteger, index=True)


class Sighting(Base):
    """Where a document (a story) was seen: each source and URL once."""

    __tablename__ = "sightings"
    __table_args__ = (UniqueConstraint("document_id", "source_id", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
