"""Documents and mentions: saved in batches, each mention once, whoever finds it first.

Uniqueness is the database's job (documents.key, mentions.(brand, document_id)), so two
replicas or a restart racing on the same post cannot store it twice; INSERT … ON CONFLICT
DO NOTHING makes the loser a no-op rather than an error.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from monitor import domain
from monitor.store import stories, upsert
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
    session: AsyncSession,
    source_id: int,
    found: Sequence[Found],
    *,
    now: datetime,
    near_duplicate: float = 1.0,
) -> dict[int, Found]:
    """Store the documents and their mentions; return the mentions new to the database,
    by id.

    Documents are placed in their stories first (see stories.place): the same item seen
    through another source, at another URL, or as a near-identical copy (similarity at or
    above `near_duplicate`) adds a sighting, not a mention. A mention already stored stays
    as it was.
    """
    if not found:
        return {}
    ids = await stories.place(
        session, source_id, [f.document for f in found], now=now, threshold=near_duplicate
    )
    by_pair = {(item.match.brand, ids[item.document.key]): item for item in found}
    # Mentions stored before are left out before their snippets are cut: re-crawls and
    # sightings of a known story cost a look-up, not an excerpt each.
    for pair in await _stored_pairs(session, sorted({document_id for _, document_id in by_pair})):
        by_pair.pop(pair, None)
    if not by_pair:
        return {}
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
    # One statement, compiled once and sent as multi-row INSERTs by SQLAlchemy (its
    # "insertmanyvalues"), which also brings back the rows that were new.
    statement = (
        upsert.insert(session, Mention)
        .on_conflict_do_nothing(index_elements=["brand", "document_id"])
        .returning(Mention.id, Mention.brand, Mention.document_id)
    )
    new: dict[int, Found] = {}
    for mention_id, brand, document_id in (await session.execute(statement, rows)).all():
        new[mention_id] = by_pair[(brand, document_id)]
    return dict(sorted(new.items()))


async def _stored_pairs(session: AsyncSession, document_ids: list[int]) -> set[tuple[str, int]]:
    """The (brand, document id) pairs already stored for these documents."""
    pairs: set[tuple[str, int]] = set()
    for start in range(0, len(document_ids), BATCH):
        batch = document_ids[start : start + BATCH]
        rows = await session.execute(
            select(Mention.brand, Mention.document_id).where(Mention.document_id.in_(batch))
        )
        pairs.update((brand, document_id) for brand, document_id in rows.all())
    return pairs


async def brands(session: AsyncSession) -> list[str]:
    """Every brand some mention is stored for, in name order."""
    rows = await session.execute(select(Mention.brand).distinct().order_by(Mention.brand))
    return list(rows.scalars())


def listed_query() -> Select[Mention, Document, str]:
    """Mentions joined with what is shown of them; shared by listings and digests."""
    return (
        select(Mention, Document, Source.name)
        .join(Document, Mention.document_id == Document.id)
        .join(Source, Document.source_id == Source.id)
    )


async def with_places(
    session: AsyncSession, rows: Sequence[tuple[Mention, Document, str]]
) -> list[domain.StoredMention]:
    """Stored mentions for joined rows, each with the other places its story was seen."""
    places = await stories.seen_at(session, sorted({document.id for _, document, _ in rows}))
    stored = []
    for mention, document, source in rows:
        first = (source, document.url)
        others = tuple(dict.fromkeys(p for p in places.get(document.id, []) if p != first))
        stored.append(dataclasses.replace(to_stored(mention, document, source), also_seen=others))
    return stored


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
    return await with_places(session, (await session.execute(query)).all())


async def by_ids(session: AsyncSession, ids: Sequence[int]) -> list[domain.StoredMention]:
    """The mentions with these ids, in the order given."""
    query = listed_query().where(Mention.id.in_(ids))
    rows = await with_places(session, (await session.execute(query)).all())
    found = {stored.id: stored for stored in rows}
    return [found[i] for i in ids if i in found]
