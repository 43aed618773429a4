"""Search postings: each term's documents with their BM25 contribution, packed

`search_postings` holds, for every term the engine indexed, its documents (int32 ids) and each
one's BM25 contribution (float32), built from the engine's own tokens, so a search sums the
contributions of its words with numpy instead of the engine scoring every match
(search/postings.py). The row with the empty term holds the corpus figures. The postings of
the documents already indexed are written here.

Revision ID: 0026_search_postings
Revises: 0020_compact_change_log
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026_search_postings"
down_revision: str | Sequence[str] | None = "0020_compact_change_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_postings",
        sa.Column("term", sa.Text(), nullable=False),
        sa.Column("docs", sa.LargeBinary(), nullable=False),
        sa.Column("impacts", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_search_postings")),
    )
    from search import postings, text
    from search.index import index_for

    conn = op.get_bind()
    postings.write(conn, index_for(conn), text.words_of)


def downgrade() -> None:
    op.drop_table("search_postings")
