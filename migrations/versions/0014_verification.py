"""Verification: who confirmed a record current, as a role (the HSDS fields hold the date and address)

Revision ID: 0014_verification
Revises: 0013_link_revoked
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kernel.db  # noqa: F401  (custom column types)


revision: str = '0014_verification'
down_revision: str | Sequence[str] | None = '0013_link_revoked'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('service_verification',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('service_id', sa.Uuid(), nullable=False),
    sa.Column('assured_date', sa.Date(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('at', kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_service_verification_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_verification'))
    )
    with op.batch_alter_table('service_verification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_verification_service_id'), ['service_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('service_verification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_verification_service_id'))

    op.drop_table('service_verification')
