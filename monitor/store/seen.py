"""Every document key ever met, matched or not, so a crawl can tell old items from new.

Keys are stored hashed (they can be long URLs) with the hash of the item's text as it was
first met (what its author wrote: not the title, which a thread rename or a new way of
titling reviews changes for every post), so a crawl can also tell an edited item from one
that is only matched differently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from monitor import domain
from monitor.identity import fingerprint
from monitor.store import upsert
from monitor.store.schema import SeenItem

BATCH = 500


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def known(session: AsyncSession, keys: Iterable[str]) -> set[str]:
    """The subset of `keys` met on an earlier crawl (of any source)."""
    by_hash = {key_hash(key): key for key in keys}
    found: set[str] = set()
    hashes = list(by_hash)
    for start in range(0, len(hashes), BATCH):
        rows = await session.scalars(
            select(SeenItem.key_hash).where(SeenItem.key_hash.in_(hashes[start : start + BATCH]))
        )
        found.update(by_hash[h] for h in rows)
    return found


async def unchanged(session: AsyncSession, documents: Iterable[domain.Document]) -> set[str]:
    """The keys of `documents` met on an earlier crawl with the same text as now."""
    by_hash = {key_hash(d.key): d for d in documents}
    found: set[str] = set()
    hashes = list(by_hash)
    for start in range(0, len(hashes), BATCH):
        rows = await session.execute(
            select(SeenItem.key_hash, SeenItem.content_hash).where(
                SeenItem.key_hash.in_(hashes[start : start + BATCH])
            )
        )
        for hashed, content in rows.all():
            document = by_hash[hashed]
            # Rows written before only the text was hashed hold title and text.
            if content in (_text_hash(document), _old_text_hash(document)):
                found.add(document.key)
    return found


def _text_hash(document: domain.Document) -> str:
    return fingerprint.content_hash(document.text)


def _old_text_hash(document: domain.Document) -> str:
    return fingerprint.content_hash(f"{document.title}\n{document.text}")


async def record(
    session: AsyncSession, source_id: int, documents: Sequence[domain.Document], *, now: datetime
) -> None:
    rows = {
        key_hash(d.key): {
            "key_hash": key_hash(d.key),
            "source_id": source_id,
            "content_hash": _text_hash(d),
            "first_seen_at": now,
        }
        for d in documents
    }
    if rows:
        # One statement for all, compiled once (sent as multi-row INSERTs by SQLAlchemy).
        statement = upsert.insert(session, SeenItem).on_conflict_do_nothing(
            index_elements=["key_hash"]
        )
        await session.execute(statement, list(rows.values()))
