"""Dashboard: an index that covers the referral-event scan of a period (at, referral, status, reason)

Revision ID: 0018_dashboard_indexes
Revises: 0017_unmet_need_index
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0018_dashboard_indexes'
down_revision: str | Sequence[str] | None = '0017_unmet_need_index'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_referral_event_at_facts', 'referral_event', ['at', 'referral_id', 'to_status', 'reason'], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_referral_event_at_facts', table_name='referral_event')
