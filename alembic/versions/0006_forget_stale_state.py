"""when adapter memory was written, to forget what no crawl meets any more

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import monitor.store.schema

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('source_memory', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', monitor.store.schema.UTCDateTime(), nullable=True))
    # What is there now counts as written now: it is kept for the full period from here.
    memory = sa.table('source_memory', sa.column('updated_at', sa.DateTime()))
    op.execute(memory.update().values(updated_at=datetime.now(UTC).replace(tzinfo=None)))
    with op.batch_alter_table('source_memory', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=monitor.store.schema.UTCDateTime(), nullable=False)
        batch_op.create_index(batch_op.f('ix_source_memory_updated_at'), ['updated_at'], unique=False)
    with op.batch_alter_table('http_cache', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_http_cache_checked_at'), ['checked_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('http_cache', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_http_cache_checked_at'))
    with op.batch_alter_table('source_memory', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_memory_updated_at'))
        batch_op.drop_column('updated_at')
