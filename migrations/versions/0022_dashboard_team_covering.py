"""Dashboard: a coordinator's interactions read from covering indexes by referral (the team's
referrals' handoff contacts and moves, without a visit of either table)

Revision ID: 0022_dashboard_team_covering
Revises: 0026_search_postings

For one team, SQLite reads a period's contacts and moves through the team's referral ids
(the index by referral) and fetched each row from its table for its time, kind or actor.
Each new index starts with the columns of the one it replaces, so what used those still can.
"""

from collections.abc import Sequence

from alembic import op


revision: str = "0022_dashboard_team_covering"
down_revision: str | Sequence[str] | None = "0026_search_postings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_referral_event_referral_moves",
        "referral_event",
        ["referral_id", "to_status", "at", "reason", "actor_user_id"],
        unique=False,
    )
    op.drop_index("ix_referral_event_referral_facts", table_name="referral_event")
    op.create_index(
        "ix_referral_contact_referral_at", "referral_contact", ["referral_id", "at", "kind"], unique=False
    )
    op.drop_index("ix_referral_contact_referral_id", table_name="referral_contact")


def downgrade() -> None:
    op.create_index("ix_referral_contact_referral_id", "referral_contact", ["referral_id"], unique=False)
    op.drop_index("ix_referral_contact_referral_at", table_name="referral_contact")
    op.create_index(
        "ix_referral_event_referral_facts",
        "referral_event",
        ["referral_id", "to_status", "at", "reason"],
        unique=False,
    )
    op.drop_index("ix_referral_event_referral_moves", table_name="referral_event")
