"""Unmet need: one covering index (hour, kind, need, area) for the gap report instead of three

A separate index on need or on area led SQLite to walk it and fetch each row for the hour
range; the covering index answers the range and every grouping from the index alone.

Revision ID: 0017_unmet_need_index
Revises: 0016_unmet_need
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0017_unmet_need_index'
down_revision: str | Sequence[str] | None = '0016_unmet_need'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('unmet_need', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unmet_need_need'))
        batch_op.drop_index(batch_op.f('ix_unmet_need_hour'))
        batch_op.drop_index(batch_op.f('ix_unmet_need_area'))
        batch_op.create_index('ix_unmet_need_hour_kind_need_area', ['hour', 'kind', 'need', 'area'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('unmet_need', schema=None) as batch_op:
        batch_op.drop_index('ix_unmet_need_hour_kind_need_area')
        batch_op.create_index(batch_op.f('ix_unmet_need_area'), ['area'], unique=False)
        batch_op.create_index(batch_op.f('ix_unmet_need_hour'), ['hour'], unique=False)
        batch_op.create_index(batch_op.f('ix_unmet_need_need'), ['need'], unique=False)
