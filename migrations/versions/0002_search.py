"""Search index: documents, FTS5 + R*Tree (SQLite) or weighted tsvector + GIN (PostgreSQL), synonyms

Revision ID: 0002_search
Revises: 0001_catalog
"""

from collections.abc import Sequence
import datetime as dt
import uuid

import sqlalchemy as sa
from alembic import op

import kernel.db  # noqa: F401  (custom column types)

revision: str = "0002_search"
down_revision: str | Sequence[str] | None = "0001_catalog"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = ("name", "organization", "description", "taxonomy", "eligibility", "languages",
        "accessibility", "areas", "keywords")
# bm25 column weights, in TEXT order: the name counts most, then taxonomy and organization.
WEIGHTS = "10.0, 4.0, 1.0, 5.0, 1.0, 1.0, 1.0, 1.0, 3.0"

# A frozen copy of the seed at the time of this migration (later edits go through the CLI).
SEED_VERSION = 1


def _sqlite_up() -> None:
    cols = ", ".join(TEXT)
    new = ", ".join(f"new.{c}" for c in TEXT)
    old = ", ".join(f"old.{c}" for c in TEXT)
    op.execute(
        f"CREATE VIRTUAL TABLE search_fts USING fts5({cols}, content='search_document', "
        "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
    )
    op.execute(f"INSERT INTO search_fts(search_fts, rank) VALUES ('rank', 'bm25({WEIGHTS})')")
    op.execute("CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_fts, 'row')")
    op.execute("CREATE VIRTUAL TABLE search_geo USING rtree(id, min_lat, max_lat, min_lon, max_lon)")
    geo_in = (
        "INSERT INTO search_geo(id, min_lat, max_lat, min_lon, max_lon) "
        "SELECT new.id, new.latitude, new.latitude, new.longitude, new.longitude "
        "WHERE new.latitude IS NOT NULL AND new.longitude IS NOT NULL;"
    )
    op.execute(
        f"CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
        f"INSERT INTO search_fts(rowid, {cols}) VALUES (new.id, {new}); {geo_in} END"
    )
    op.execute(
        f"CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
        f"INSERT INTO search_fts(search_fts, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"DELETE FROM search_geo WHERE id = old.id; END"
    )
    op.execute(
        f"CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN "
        f"INSERT INTO search_fts(search_fts, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO search_fts(rowid, {cols}) VALUES (new.id, {new}); "
        f"DELETE FROM search_geo WHERE id = old.id; {geo_in} END"
    )


def _postgres_up() -> None:
    def part(cols: tuple[str, ...], weight: str) -> str:
        inner = " || ' ' || ".join(f"coalesce({c}, '')" for c in cols)
        return f"setweight(to_tsvector('english'::regconfig, {inner}), '{weight}')"

    expr = " || ".join(
        [
            part(("name",), "A"),
            part(("taxonomy", "keywords"), "B"),
            part(("organization", "eligibility", "areas"), "C"),
            part(("description", "languages", "accessibility"), "D"),
        ]
    )
    op.execute(f"ALTER TABLE search_document ADD COLUMN tsv tsvector GENERATED ALWAYS AS ({expr}) STORED")
    op.execute("CREATE INDEX ix_search_document_tsv ON search_document USING gin (tsv)")


def upgrade() -> None:
    op.create_table(
        "search_document",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        *(sa.Column(c, sa.Text(), nullable=False) for c in TEXT),
        sa.Column("lang_codes", sa.Text(), nullable=False),
        sa.Column("min_age", sa.Float(), nullable=True),
        sa.Column("max_age", sa.Float(), nullable=True),
        sa.Column("gender", sa.Text(), nullable=False),
        sa.Column("free", sa.Boolean(), nullable=False),
        sa.Column("accessible", sa.Boolean(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("hours", sa.Text(), nullable=True),
        sa.Column("term_ids", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_document")),
        sa.UniqueConstraint("key", name=op.f("uq_search_document_key")),
    )
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.create_index("ix_search_document_lat_lon", ["latitude", "longitude"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_document_location_id"), ["location_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_search_document_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_search_document_service_id"), ["service_id"], unique=False)
    op.create_table(
        "search_document_term",
        sa.Column("doc_key", sa.Uuid(), nullable=False),
        sa.Column("term_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["doc_key"],
            ["search_document.key"],
            name=op.f("fk_search_document_term_doc_key_search_document"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("doc_key", "term_id", name=op.f("pk_search_document_term")),
    )
    with op.batch_alter_table("search_document_term", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_document_term_term_id"), ["term_id"], unique=False)
    synonym = op.create_table(
        "search_synonym",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("term", sa.Text(), nullable=False),
        sa.Column("synonym", sa.Text(), nullable=False),
        sa.Column("created", kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_synonym")),
    )
    with op.batch_alter_table("search_synonym", schema=None) as batch_op:
        batch_op.create_index("ix_search_synonym_pair", ["term", "synonym"], unique=True)

    if op.get_bind().dialect.name == "postgresql":
        _postgres_up()
    else:
        _sqlite_up()

    # Alembic loads every revision for any command (history, heads); the app's seed list
    # is needed only when this one runs, and must not load the search package before.
    from search.synonyms import SEED

    now = dt.datetime.now(dt.UTC)
    op.bulk_insert(
        synonym,
        [{"id": uuid.uuid5(uuid.NAMESPACE_URL, f"linkage:synonym:{a}:{b}"), "term": a, "synonym": b,
          "created": now} for a, b in SEED],
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for name in ("search_document_au", "search_document_ad", "search_document_ai"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for name in ("search_vocab", "search_fts", "search_geo"):
            op.execute(f"DROP TABLE IF EXISTS {name}")
    op.drop_table("search_synonym")
    op.drop_table("search_document_term")
    op.drop_table("search_document")
