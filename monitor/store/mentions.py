"""Documents and mentions: saved in batches, each mention once, whoever finds it first.

Uniqueness is the database's job (documents.key, mentions.(brand, document_id)), so two
replicas or a restart racing on the same post cannot store it twice; INSERT … ON CONFLICT
DO NOTHING makes the loser a no-op rather than an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from monitor import domain, fingerprint
from monitor.store import upsert
from monitor.store.schema import Document, Mention, Source

# Keep each statement's parameter count well under SQLite's limit (32,766).
BATCH = 500


@dataclass(frozen=True, slots=True)
class Found:
    """A document with the brands it matched, and whether it may be alerted."""

    document: domain.Document
    matches: tuple[domain.Match, ...]
    alertable: bool


async def save(
    session: AsyncSession, source_id: int, found: Sequence[Found], *, now: datetime
) -> list[int]:
    """Store the documents and their mentions; return the ids of mentions new to the database.

    A document seen before keeps its first source and first-seen time; if its text changed
    (an edited post) title and text are updated.
    """
    if not found:
        return []
    ids = await _save_documents(session, source_id, [f.document for f in found], now=now)
    rows = [
        {
            "brand": match.brand,
            "document_id": ids[item.document.key],
            "terms": list(match.terms),
            "snippet": match.snippet.text,
            "snippet_marks": [list(mark) for mark in match.snippet.marks],
            "alertable": item.alertable,
            "created_at": now,
        }
        for item in found
        for match in item.matches
    ]
    new: list[int] = []
    for start in range(0, len(rows), BATCH):
        statement = (
            upsert.insert(session, Mention)
            .values(rows[start : start + BATCH])
            .on_conflict_do_nothing(index_elements=["brand", "document_id"])
            .returning(Mention.id)
        )
        new.extend((await session.scalars(statement)).all())
    return sorted(new)


async def _save_documents(
    session: AsyncSession, source_id: int, documents: Sequence[domain.Document], *, now: datetime
) -> dict[str, int]:
    unique = {d.key: d for d in documents}  # the same post twice in one crawl is one row
    rows = [
        {
            "key": d.key,
            "source_id": source_id,
            "url": d.url,
            "title": d.title,
            "text": d.text,
            "author": d.author,
            "published_at": d.published_at,
            "rating": d.rating,
            "language": d.language,
            "content_hash": fingerprint.content_hash(f"{d.title}\n{d.text}"),
            "first_seen_at": now,
        }
        for d in unique.values()
    ]
    ids: dict[str, int] = {}
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        statement = upsert.insert(session, Document).values(batch)
        statement = statement.on_conflict_do_update(
            index_elements=["key"],
            set_={
                "title": statement.excluded.title,
                "text": statement.excluded.text,
                "content_hash": statement.excluded.content_hash,
            },
            where=Document.content_hash != statement.excluded.content_hash,
        )
        await session.execute(statement)
        keys = [row["key"] for row in batch]
        result = await session.execute(
            select(Document.key, Document.id).where(Document.key.in_(keys))
        )
        ids.update({key: id_ for key, id_ in result.tuples()})
    return ids


def listed_query() -> Select[Mention, Document, str]:
    """Mentions joined with what is shown of them; shared by listings and digests."""
    return (
        select(Mention, Document, Source.name)
        .join(Document, Mention.document_id == Document.id)
        .join(Source, Document.source_id == Source.id)
    )


def to_stored(mention: Mention, document: Document, source: str) -> domain.StoredMention:
    return domain.StoredMention(
        id=mention.id,
        brand=mention.brand,
        title=document.title,
        url=document.url,
        source=source,
        author=document.author,
        published_at=document.published_at,
        created_at=mention.created_at,
        rating=document.rating,
        snippet=domain.Snippet(mention.snippet, tuple((a, b) for a, b in mention.snippet_marks)),
        terms=tuple(mention.terms),
    )


async def listing(
    session: AsyncSession,
    *,
    brands: Sequence[str] = (),
    since: datetime | None = None,
    limit: int = 1000,
) -> list[domain.StoredMention]:
    """Mentions newest first, optionally for some brands and since a time."""
    query = listed_query()
    if brands:
        query = query.where(Mention.brand.in_(brands))
    if since is not None:
        query = query.where(Mention.created_at >= since)
    query = query.order_by(Mention.created_at.desc(), Mention.id.desc()).limit(limit)
    return [to_stored(*row) for row in (await session.execute(query)).tuples()]
