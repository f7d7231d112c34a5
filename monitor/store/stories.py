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

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from monitor import domain
from monitor.identity import fingerprint, neardup
from monitor.store import upsert
from monitor.store.schema import Document, DocumentAlias, DocumentBand, Sighting, Source

BATCH = 500
# Band keys per look-up: well under SQLite's 32,766 parameters.
_KEYS_PER_QUERY = 5000
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
    `threshold` at 1.0 only identical texts are grouped. New documents are placed in
    batches: their stories looked up with one query per kind (content hash, LSH band
    keys), then stored with one INSERT each for documents, bands and aliases; a copy of
    another new document of the same batch joins that one's story.
    """
    # The same post twice in one crawl is one row. Sorted by key: two crawls inserting the
    # same posts then lock them in the same order and cannot deadlock each other.
    unique = {d.key: d for d in sorted(documents, key=lambda d: d.key)}
    placed = await _known(session, list(unique))
    await _update_edited(session, [unique[k] for k in placed if k in unique])
    fresh = [document for key, document in unique.items() if key not in placed]
    for start in range(0, len(fresh), BATCH):
        placed.update(
            await _place_new(session, source_id, fresh[start : start + BATCH],
                             now=now, threshold=threshold)
        )  # fmt: skip
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


async def _update_edited(session: AsyncSession, documents: list[domain.Document]) -> None:
    """An edited post (same key, new text) updates its document; aliases stay as they are."""
    by_key = {document.key: document for document in documents}
    changed = []
    for start in range(0, len(documents), BATCH):
        rows = await session.execute(
            select(Document.id, Document.key, Document.content_hash).where(
                Document.key.in_([d.key for d in documents[start : start + BATCH]])
            )
        )
        for document_id, key, stored_hash in rows.all():  # aliases are not among them
            document = by_key[key]
            content_hash = _hash(document)
            if stored_hash != content_hash:
                changed.append({"id": document_id, "title": document.title,
                                "text": document.text, "content_hash": content_hash})  # fmt: skip
    if changed:
        await session.execute(update(Document), changed)


class _Story:
    """Where a new document goes: a stored document (`stored`) or, for a copy of another
    new one of the same batch, that one's key (`joins`); neither: a story of its own."""

    __slots__ = ("joins", "stored")

    def __init__(self, stored: int | None = None, joins: str | None = None) -> None:
        self.stored, self.joins = stored, joins


async def _place_new(
    session: AsyncSession,
    source_id: int,
    documents: list[domain.Document],
    *,
    now: datetime,
    threshold: float,
) -> dict[str, int]:
    hashes = {d.key: _hash(d) for d in documents}
    # Every long text gets a signature and bands, so copies met later can find it, even
    # when this threshold groups identical texts only.
    signatures = {d.key: neardup.signature(_body(d)) for d in documents if _long_enough(d)}
    bands = {key: neardup.band_keys(signature) for key, signature in signatures.items()}
    by_hash = await _stored_by_hash(session, [hashes[key] for key in signatures])
    near = threshold < 1.0
    candidates = await _stored_candidates(session, bands) if near else {}

    stories: dict[str, _Story] = {}
    batch_hash: dict[str, str] = {}  # content hash -> first new key with it
    batch_bands: dict[tuple[int, int], list[str]] = {}  # (band, key) -> new keys
    for document in documents:
        key = document.key
        if key not in signatures:
            # "Danke!" or "+1" in two threads are two posts, not one story told twice.
            stories[key] = _Story()
            continue
        content_hash = hashes[key]
        story = _Story(stored=by_hash.get(content_hash), joins=batch_hash.get(content_hash))
        if story.stored is None and story.joins is None and near:
            story = _nearest(key, signatures, bands, candidates, batch_bands, threshold)
        stories[key] = story
        batch_hash.setdefault(content_hash, key)
        for pair in enumerate(bands[key]):
            batch_bands.setdefault(pair, []).append(key)

    own = [d for d in documents if stories[d.key].stored is None and stories[d.key].joins is None]
    ids = await _insert(session, source_id, own, hashes, signatures, now=now)
    placed: dict[str, int] = {}
    aliases = []
    for document in documents:
        story = stories[document.key]
        if story.stored is None and story.joins is None:
            placed[document.key] = ids[document.key]
            continue
        target = story.stored if story.stored is not None else ids[_root(stories, document.key)]
        placed[document.key] = target
        aliases.append({"key": document.key, "document_id": target})
    if aliases:
        await session.execute(
            upsert.insert(session, DocumentAlias).on_conflict_do_nothing(index_elements=["key"]),
            aliases,
        )
    return placed


def _root(stories: dict[str, _Story], key: str) -> str:
    """The new document whose story `key` joins, following copies of copies."""
    while (joins := stories[key].joins) is not None:
        key = joins
    return key


def _nearest(
    key: str,
    signatures: dict[str, bytes],
    bands: dict[str, list[int]],
    candidates: dict[tuple[int, int], list[tuple[int, bytes]]],
    batch_bands: dict[tuple[int, int], list[str]],
    threshold: float,
) -> _Story:
    """The most similar stored document or earlier new one at or above `threshold`."""
    signature = signatures[key]
    best: tuple[float, _Story] | None = None
    seen_stored: set[int] = set()
    seen_new: set[str] = set()
    for pair in enumerate(bands[key]):
        for document_id, stored in candidates.get(pair, ()):
            if document_id in seen_stored:
                continue
            seen_stored.add(document_id)
            score = neardup.similarity(signature, stored)
            if score >= threshold and (best is None or score > best[0]):
                best = (score, _Story(stored=document_id))
        for other in batch_bands.get(pair, ()):
            if other in seen_new:
                continue
            seen_new.add(other)
            score = neardup.similarity(signature, signatures[other])
            if score >= threshold and (best is None or score > best[0]):
                best = (score, _Story(joins=other))
    return best[1] if best else _Story()


async def _stored_by_hash(session: AsyncSession, hashes: list[str]) -> dict[str, int]:
    """The first stored document with each content hash."""
    found: dict[str, int] = {}
    unique = sorted(set(hashes))
    for start in range(0, len(unique), BATCH):
        rows = await session.execute(
            select(Document.content_hash, func.min(Document.id))
            .where(Document.content_hash.in_(unique[start : start + BATCH]))
            .group_by(Document.content_hash)
        )
        found.update({content_hash: id_ for content_hash, id_ in rows.all()})
    return found


async def _stored_candidates(
    session: AsyncSession, bands: dict[str, list[int]]
) -> dict[tuple[int, int], list[tuple[int, bytes]]]:
    """Stored documents sharing a (band, key) with any of `bands`, with their signatures."""
    wanted = {(band, key) for keys in bands.values() for band, key in enumerate(keys)}
    values = sorted({key for _, key in wanted})
    shared: dict[tuple[int, int], list[int]] = {}
    for start in range(0, len(values), _KEYS_PER_QUERY):
        rows = await session.execute(
            select(DocumentBand.band, DocumentBand.key, DocumentBand.document_id).where(
                DocumentBand.key.in_(values[start : start + _KEYS_PER_QUERY])
            )
        )
        for band, key, document_id in rows.all():
            if (band, key) in wanted:
                shared.setdefault((band, key), []).append(document_id)
    ids = sorted({i for found in shared.values() for i in found})
    stored: dict[int, bytes] = {}
    for start in range(0, len(ids), BATCH):
        signed = await session.execute(
            select(Document.id, Document.signature).where(
                Document.id.in_(ids[start : start + BATCH])
            )
        )
        stored.update({i: signature for i, signature in signed.all() if signature is not None})
    return {pair: [(i, stored[i]) for i in found if i in stored] for pair, found in shared.items()}


async def _insert(
    session: AsyncSession,
    source_id: int,
    documents: list[domain.Document],
    hashes: dict[str, str],
    signatures: dict[str, bytes],
    *,
    now: datetime,
) -> dict[str, int]:
    """Store `documents` with their bands; their ids by key."""
    if not documents:
        return {}
    rows = [
        {"key": d.key, "source_id": source_id, "url": d.url, "title": d.title, "text": d.text,
         "author": d.author, "published_at": d.published_at, "rating": d.rating,
         "language": d.language, "content_hash": hashes[d.key], "first_seen_at": now,
         "signature": signatures.get(d.key), "full_length": d.full_length}
        for d in documents
    ]  # fmt: skip
    statement = (
        upsert.insert(session, Document)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(Document.key, Document.id)
    )
    ids = {key: id_ for key, id_ in (await session.execute(statement, rows)).all()}
    missing = [d.key for d in documents if d.key not in ids]
    if missing:  # another replica stored them a moment ago: theirs stand
        rows_found = await session.execute(
            select(Document.key, Document.id).where(Document.key.in_(missing))
        )
        ids.update({key: id_ for key, id_ in rows_found.all()})
    band_rows = [
        {"document_id": ids[d.key], "band": band, "key": key}
        for d in documents
        if d.key in signatures and d.key not in missing
        for band, key in enumerate(neardup.band_keys(signatures[d.key]))
    ]
    if band_rows:
        await session.execute(
            upsert.insert(session, DocumentBand).on_conflict_do_nothing(
                index_elements=["document_id", "band"]
            ),
            band_rows,
        )
    return ids


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
    if rows:
        await session.execute(
            upsert.insert(session, Sighting).on_conflict_do_nothing(
                index_elements=["document_id", "source_id", "url"]
            ),
            rows,
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
