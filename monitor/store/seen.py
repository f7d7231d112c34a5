"""Every document key ever met, matched or not, so a crawl can tell old items from new.

Keys are stored hashed (they can be long URLs) with the hash of the item's text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from monitor import domain, fingerprint
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


async def record(
    session: AsyncSession, source_id: int, documents: Sequence[domain.Document], *, now: datetime
) -> None:
    rows = {
        key_hash(d.key): {
            "key_hash": key_hash(d.key),
            "source_id": source_id,
            "content_hash": fingerprint.content_hash(f"{d.title}\n{d.text}"),
            "first_seen_at": now,
        }
        for d in documents
    }
    values = list(rows.values())
    for start in range(0, len(values), BATCH):
        statement = upsert.insert(session, SeenItem).values(values[start : start + BATCH])
        await session.execute(statement.on_conflict_do_nothing(index_elements=["key_hash"]))
