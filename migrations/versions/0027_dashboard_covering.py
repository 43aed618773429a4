"""Dashboard: covering indexes for one grouped scan of the referral events, a period's moves and its handoff contacts

Revision ID: 0027_dashboard_covering
Revises: 0023_search_facts
"""

from collections.abc import Sequence

from alembic import op


revision: str = "0027_dashboard_covering"
down_revision: str | Sequence[str] | None = "0023_search_facts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_referral_event_at_facts", table_name="referral_event")
    # The covering index below starts with referral_id: the one-column index is redundant.
    op.drop_index("ix_referral_event_referral_id", table_name="referral_event")
    op.create_index(
        "ix_referral_event_referral_facts",
        "referral_event",
        ["referral_id", "to_status", "at", "reason"],
        unique=False,
    )
    op.create_index(
        "ix_referral_event_at_moves",
        "referral_event",
        ["at", "to_status", "reason", "actor_user_id", "referral_id"],
        unique=False,
    )
    op.create_index(
        "ix_referral_contact_at_kind", "referral_contact", ["at", "kind", "referral_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_referral_contact_at_kind", table_name="referral_contact")
    op.drop_index("ix_referral_event_at_moves", table_name="referral_event")
    op.drop_index("ix_referral_event_referral_facts", table_name="referral_event")
    op.create_index("ix_referral_event_referral_id", "referral_event", ["referral_id"], unique=False)
    op.create_index(
        "ix_referral_event_at_facts",
        "referral_event",
        ["at", "referral_id", "to_status", "reason"],
        unique=False,
    )
