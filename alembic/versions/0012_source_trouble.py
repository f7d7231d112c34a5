"""a source remembers what its last failed crawl ran into (trouble, status, URL), so
`monitor sources` says it in the user's language

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trouble', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('trouble_status', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('trouble_url', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_column('trouble_url')
        batch_op.drop_column('trouble_status')
        batch_op.drop_column('trouble')
