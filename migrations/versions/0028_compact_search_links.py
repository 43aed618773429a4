"""The search documents' taxonomy links clustered on their key on SQLite (no second copy of
it), and the index of the documents by organization, which no query reads, dropped

Revision ID: 0028_compact_search_links
Revises: 0024_coded_bookkeeping

`search_document_term` (document key, term id) becomes `WITHOUT ROWID` on SQLite: the table
is then its primary key's B-tree, where before the rows and an automatic unique index each
held both ids; its index by term then holds the key instead of a rowid. PostgreSQL keeps its
layout there. `ix_search_document_organization_id` goes on both engines: a service's
organization is looked up in `service` (search.hooks.affected_services), never here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028_compact_search_links"
down_revision: str | Sequence[str] | None = "0024_coded_bookkeeping"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _links(clustered: bool) -> None:
    op.drop_index("ix_search_document_term_term_id", table_name="search_document_term")
    op.rename_table("search_document_term", "search_document_term_old")
    op.create_table(
        "search_document_term",
        sa.Column("doc_key", sa.Uuid(), nullable=False),
        sa.Column("term_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["doc_key"],
            ["search_document.key"],
            name="fk_search_document_term_doc_key_search_document",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("doc_key", "term_id", name="pk_search_document_term"),
        sqlite_with_rowid=not clustered,
    )
    op.execute(
        "INSERT INTO search_document_term (doc_key, term_id)"
        " SELECT doc_key, term_id FROM search_document_term_old ORDER BY doc_key, term_id"
    )
    op.drop_table("search_document_term_old")
    op.create_index("ix_search_document_term_term_id", "search_document_term", ["term_id"], unique=False)


def upgrade() -> None:
    op.drop_index("ix_search_document_organization_id", table_name="search_document")
    if op.get_bind().dialect.name == "sqlite":
        _links(clustered=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _links(clustered=False)
    op.create_index("ix_search_document_organization_id", "search_document", ["organization_id"], unique=False)
