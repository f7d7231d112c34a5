"""One story, one document: the same item met at several URLs or through several sources.

A document's key is its canonical URL, so the utm-tagged link from a blog's own feed, the
wrapped link from a Google Alerts feed and the plain one from a search feed are already
one document. `place` goes further: a new key whose text is the same as a stored
document's (by content hash), or nearly (MinHash similarity at or above the threshold,
found through LSH band keys), is recorded as an alias of that document instead of a new
one. Every source and URL it was met at is kept as a sighting, for "also seen at" links.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from monitor import domain
from monitor.identity import fingerprint, neardup
from monitor.store import upsert
from monitor.store.schema import Document, DocumentAlias, DocumentBand, Sighting, Source

BATCH = 500
# Shorter texts say too little to tell a copy from a coincidence: only their keys count.
MIN_WORDS_FOR_NEAR = 12


async def place(
    session: AsyncSession,
    source_id: int,
    documents: Sequence[domain.Document],
    *,
    now: datetime,
    threshold: float,
) -> dict[str, int]:
    """The id of the stored document that stands for each key's story, storing what is new.

    A key stored before keeps its document (an edited text is updated in place). With
    `threshold` at 1.0 only identical texts are grouped.
    """
    # The same post twice in one crawl is one row. Sorted by key: two crawls inserting the
    # same posts then lock them in the same order and cannot deadlock each other.
    unique = {d.key: d for d in sorted(documents, key=lambda d: d.key)}
    placed = await _known(session, list(unique))
    await _update_edited(session, [unique[k] for k in placed if k in unique], placed)
    for key, document in unique.items():
        if key in placed:
            continue
        story = await _same_story(session, document, threshold)
        if story is not None:
            await session.execute(
                upsert.insert(session, DocumentAlias)
                .values(key=key, document_id=story)
                .on_conflict_do_nothing(index_elements=["key"])
            )
            placed[key] = story
        else:
            placed[key] = await _insert(session, source_id, document, now=now)
    await _sightings(session, source_id, unique.values(), placed, now=now)
    return placed


async def _known(session: AsyncSession, keys: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(keys), BATCH):
        batch = keys[start : start + BATCH]
        rows = await session.execute(
            select(Document.key, Document.id).where(Document.key.in_(batch))
        )
        found.update({key: id_ for key, id_ in rows.all()})
        rows = await session.execute(
            select(DocumentAlias.key, DocumentAlias.document_id).where(DocumentAlias.key.in_(batch))
        )
        found.update({key: id_ for key, id_ in rows.all()})
    return found


async def _update_edited(
    session: AsyncSession, documents: list[domain.Document], placed: dict[str, int]
) -> None:
    """An edited post (same key, new text) updates its document; aliases stay as they are."""
    for document in documents:
        row = await session.scalar(select(Document).where(Document.key == document.key))
        if row is None:
            continue  # an alias: the story's own document keeps its text
        content_hash = _hash(document)
        if row.content_hash != content_hash:
            row.title, row.text, row.content_hash = document.title, document.text, content_hash


async def _same_story(
    session: AsyncSession, document: domain.Document, threshold: float
) -> int | None:
    if not _long_enough(document):
        # "Danke!" or "+1" in two threads are two posts, not one story told twice.
        return None
    exact = await session.scalar(
        select(Document.id).where(Document.content_hash == _hash(document)).limit(1)
    )
    if exact is not None or threshold >= 1.0:
        return exact
    signature = neardup.signature(_body(document))
    pairs = list(enumerate(neardup.band_keys(signature)))
    candidates = await session.execute(
        select(Document.id, Document.signature)
        .join(DocumentBand, DocumentBand.document_id == Document.id)
        .where(or_(*(and_(DocumentBand.band == b, DocumentBand.key == k) for b, k in pairs)))
        .distinct()
    )
    best: tuple[float, int] | None = None
    for document_id, stored in candidates.all():
        if stored is None:
            continue
        score = neardup.similarity(signature, stored)
        if score >= threshold and (best is None or score > best[0]):
            best = (score, document_id)
    return best[1] if best else None


async def _insert(
    session: AsyncSession, source_id: int, document: domain.Document, *, now: datetime
) -> int:
    signature = neardup.signature(_body(document)) if _long_enough(document) else None
    statement = (
        upsert.insert(session, Document)
        .values(
            key=document.key,
            source_id=source_id,
            url=document.url,
            title=document.title,
            text=document.text,
            author=document.author,
            published_at=document.published_at,
            rating=document.rating,
            language=document.language,
            content_hash=_hash(document),
            first_seen_at=now,
            signature=signature,
            full_length=document.full_length,
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(Document.id)
    )
    document_id: int | None = await session.scalar(statement)
    if document_id is None:  # another replica stored it a moment ago
        stored = await session.scalar(select(Document.id).where(Document.key == document.key))
        assert stored is not None
        return stored
    if signature is not None:
        await session.execute(
            upsert.insert(session, DocumentBand)
            .values(
                [
                    {"document_id": document_id, "band": band, "key": key}
                    for band, key in enumerate(neardup.band_keys(signature))
                ]
            )
            .on_conflict_do_nothing(index_elements=["document_id", "band"])
        )
    return document_id


async def _sightings(
    session: AsyncSession,
    source_id: int,
    documents: Iterable[domain.Document],
    placed: dict[str, int],
    *,
    now: datetime,
) -> None:
    rows = [
        {"document_id": placed[d.key], "source_id": source_id, "url": d.url, "seen_at": now}
        for d in documents
    ]
    for start in range(0, len(rows), BATCH):
        await session.execute(
            upsert.insert(session, Sighting)
            .values(rows[start : start + BATCH])
            .on_conflict_do_nothing(index_elements=["document_id", "source_id", "url"])
        )


async def seen_at(
    session: AsyncSession, document_ids: Sequence[int]
) -> dict[int, list[tuple[str, str]]]:
    """(source name, url) of every place each document was seen, oldest first."""
    places: dict[int, list[tuple[str, str]]] = {}
    for start in range(0, len(document_ids), BATCH):
        rows = await session.execute(
            select(Sighting.document_id, Source.name, Sighting.url)
            .join(Source, Source.id == Sighting.source_id)
            .where(Sighting.document_id.in_(document_ids[start : start + BATCH]))
            .order_by(Sighting.seen_at, Sighting.id)
        )
        for document_id, source, url in rows.all():
            places.setdefault(document_id, []).append((source, url))
    return places


def _hash(document: domain.Document) -> str:
    return fingerprint.content_hash(_body(document))


def _body(document: domain.Document) -> str:
    return f"{document.title}\n{document.text}"


def _long_enough(document: domain.Document) -> bool:
    return len(document.text.split()) >= MIN_WORDS_FOR_NEAR
