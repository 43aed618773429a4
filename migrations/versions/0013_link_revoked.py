"""Signed links: a revoked link is told apart from a used one (revoked_at)

A link withdrawn because its referral was answered elsewhere or changed used to be marked
used, so its page said "already used"; it now says "withdrawn".

Revision ID: 0013_link_revoked
Revises: 0012_referrals
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kernel.db  # noqa: F401  (custom column types)


revision: str = '0013_link_revoked'
down_revision: str | Sequence[str] | None = '0012_referrals'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('signed_link', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_at', kernel.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('signed_link', schema=None) as batch_op:
        batch_op.drop_column('revoked_at')
