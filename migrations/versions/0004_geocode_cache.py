"""Geocode cache: one online geocoding answer per address

Revision ID: 0004_geocode_cache
Revises: 0003_import
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kernel.db  # noqa: F401  (custom column types)

revision: str = "0004_geocode_cache"
down_revision: str | Sequence[str] | None = "0003_import"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "geocode_cache",
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("precision", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("postcode", sa.Text(), nullable=True),
        sa.Column("created", kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("query", name=op.f("pk_geocode_cache")),
    )


def downgrade() -> None:
    op.drop_table("geocode_cache")
