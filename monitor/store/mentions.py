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
    """A brand matched in a document, and whether the mention may be alerted."""

    document: domain.Document
    match: domain.Match
    alertable: bool


async def save(
    session: AsyncSession, source_id: int, found: Sequence[Found], *, now: datetime
) -> dict[int, Found]:
    """Store the documents and their mentions; return the mentions new to the database,
    by id.

    A document seen before keeps its first source and first-seen time; if its text changed
    (an edited post) title and text are updated. A mention already stored stays as it was.
    """
    if not found:
        return {}
    ids = await _save_documents(session, source_id, [f.document for f in found], now=now)
    by_pair = {(item.match.brand, ids[item.document.key]): item for item in found}
    rows = [
        {
            "brand": brand,
            "document_id": document_id,
            "terms": list(item.match.terms),
            "snippet": item.match.snippet.text,
            "snippet_marks": [list(mark) for mark in item.match.snippet.marks],
            "alertable": item.alertable,
            "created_at": now,
        }
        for (brand, document_id), item in by_pair.items()
    ]
    new: dict[int, Found] = {}
    for start in range(0, len(rows), BATCH):
        statement = (
            upsert.insert(session, Mention)
            .values(rows[start : start + BATCH])
            .on_conflict_do_nothing(index_elements=["brand", "document_id"])
            .returning(Mention.id, Mention.brand, Mention.document_id)
        )
        for mention_id, brand, document_id in (await session.execute(statement)).all():
            new[mention_id] = by_pair[(brand, document_id)]
    return dict(sorted(new.items()))


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
        ids.update({key: id_ for key, id_ in result.all()})
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
    return [to_stored(*row) for row in (await session.execute(query)).all()]


async def by_ids(session: AsyncSession, ids: Sequence[int]) -> list[domain.StoredMention]:
    """The mentions with these ids, in the order given."""
    query = listed_query().where(Mention.id.in_(ids))
    found = {row[0].id: to_stored(*row) for row in (await session.execute(query)).all()}
    return [found[i] for i in ids if i in found]
