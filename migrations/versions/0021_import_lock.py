"""Imports: one row says which source is being imported, since when and by which process

Revision ID: 0021_import_lock
Revises: 0018_dashboard_indexes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kernel.db

revision: str = "0021_import_lock"
down_revision: str | Sequence[str] | None = "0018_dashboard_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_lock",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("started_at", kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("host", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_import_lock")),
    )


def downgrade() -> None:
    op.drop_table("import_lock")
