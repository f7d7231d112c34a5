"""reviews without a link of their own are keyed by their rating too

A review's identity without a link was a hash of source, author, date and text; it is now
a hash of source, author, date (in UTC), rating (0-5) and text (`sources.review.review_key`),
so two short reviews that differ only in stars stay two. Reviews stored before are re-keyed
here, with the seen-item row of each, so that the first crawl after the upgrade finds them
known: without this, every stored review would come back as new and alert again.

The key function is copied, not imported: this migration must compute the same keys
whatever the code becomes later.

Revision ID: 0007
Revises: 0006
"""

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key(source: str, author: str | None, published: datetime | None, rating: float | None,
         body: str) -> str:
    stamp = published.replace(tzinfo=UTC).isoformat() if published else ""
    stars = f"{rating:g}" if rating is not None else ""
    fallback = (source, author or "", stamp, stars, body)
    return "hash:" + hashlib.sha256("\x1f".join(fallback).encode()).hexdigest()[:32]


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def upgrade() -> None:
    connection = op.get_bind()
    documents = sa.table(
        'documents', sa.column('id', sa.Integer()), sa.column('key', sa.String()),
        sa.column('source_id', sa.Integer()), sa.column('author', sa.Text()),
        sa.column('published_at', sa.DateTime()), sa.column('rating', sa.Float()),
        sa.column('text', sa.Text()),
    )
    sources = sa.table('sources', sa.column('id', sa.Integer()), sa.column('name', sa.String()),
                       sa.column('type', sa.String()))
    seen = sa.table('seen_items', sa.column('key_hash', sa.String()))
    rows = connection.execute(
        sa.select(documents.c.id, documents.c.key, documents.c.author, documents.c.published_at,
                  documents.c.rating, documents.c.text, sources.c.name)
        .join(sources, sources.c.id == documents.c.source_id)
        .where(sources.c.type == 'reviews', documents.c.key.like('hash:%'))
    ).all()
    for document_id, old, author, published, rating, text, source in rows:
        new = _key(source, author, published, rating, text)
        if new == old:
            continue
        taken = connection.scalar(sa.select(documents.c.id).where(documents.c.key == new))
        if taken is not None:
            continue  # stored under both somehow: keep both rather than lose one
        connection.execute(documents.update().where(documents.c.id == document_id)
                           .values(key=new))
        new_hash = _key_hash(new)
        if connection.scalar(sa.select(seen.c.key_hash).where(seen.c.key_hash == new_hash)):
            continue
        connection.execute(seen.update().where(seen.c.key_hash == _key_hash(old))
                           .values(key_hash=new_hash))


def downgrade() -> None:
    # The old keys cannot be recomputed from what is stored (the date's original offset is
    # gone); after a downgrade those reviews are met as new once.
    pass
