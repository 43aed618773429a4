"""Unmet need: searches and matches that found no eligible provider (need, ZIP, hour, rule counts)

Revision ID: 0016_unmet_need
Revises: 0015_change_requests
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kernel.db  # noqa: F401  (custom column types)


revision: str = '0016_unmet_need'
down_revision: str | Sequence[str] | None = '0015_change_requests'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('unmet_need',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('hour', kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('need', sa.Text(), nullable=False),
    sa.Column('area', sa.String(length=5), nullable=True),
    sa.Column('candidates', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unmet_need'))
    )
    with op.batch_alter_table('unmet_need', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unmet_need_area'), ['area'], unique=False)
        batch_op.create_index(batch_op.f('ix_unmet_need_hour'), ['hour'], unique=False)
        batch_op.create_index(batch_op.f('ix_unmet_need_need'), ['need'], unique=False)

    op.create_table('unmet_need_reason',
    sa.Column('unmet_need_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('services', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unmet_need_id'], ['unmet_need.id'], name=op.f('fk_unmet_need_reason_unmet_need_id_unmet_need'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('unmet_need_id', 'code', name=op.f('pk_unmet_need_reason'))
    )


def downgrade() -> None:
    op.drop_table('unmet_need_reason')
    with op.batch_alter_table('unmet_need', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unmet_need_need'))
        batch_op.drop_index(batch_op.f('ix_unmet_need_hour'))
        batch_op.drop_index(batch_op.f('ix_unmet_need_area'))

    op.drop_table('unmet_need')
