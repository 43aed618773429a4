"""Matching: candidates gathered in SQL from a covering index of the search documents' points

The nearby service locations that fit a need are read from search_document at each match
(no in-process index to build or refresh). On SQLite one index holds, in the order of its
0.1-degree latitude band and then longitude, everything that choice reads (point, key,
term ids, name, description, term names), so a bounding box is a few range scans of
adjacent index pages instead of a lookup of each document's row. PostgreSQL reads the rows
through its bitmap scan of the (latitude, longitude) index, which is fast there; its btree
could not hold descriptions anyway (a row of an index is limited to about 2.7 kB).

Revision ID: 0025_match_points
Revises: 0027_dashboard_covering
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025_match_points"
down_revision: str | Sequence[str] | None = "0027_dashboard_covering"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The band expression must be written exactly so in queries (matching.queries.BAND_SQL).
INDEX = (
    "CREATE INDEX ix_search_document_match ON search_document "
    "(CAST(latitude * 10 AS INTEGER), longitude, latitude, key, term_ids, name, description, taxonomy)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP INDEX IF EXISTS ix_search_document_match")
