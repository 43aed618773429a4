"""Search facts kept packed, and a log of the documents changed since

`search_facts` holds every document's facts (point, ages, gender, languages, hours, facet keys)
as packed arrays with the typo vocabulary, so a new process reads them in milliseconds
instead of row by row; `search_changed` names each document inserted, updated or deleted
since, with a random value per change, written by triggers in the writer's transaction. A
process applies only the changed documents after a write (search/facts.py). The copy of
the documents already indexed is written here.

Revision ID: 0023_search_facts
Revises: 0019_compact_provenance
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_search_facts"
down_revision: str | Sequence[str] | None = "0019_compact_provenance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_TRIGGERS = {
    "search_changed_ai": "AFTER INSERT ON search_document BEGIN "
    "INSERT OR REPLACE INTO search_changed (doc_id, seq) VALUES (new.id, random()); END",
    "search_changed_ad": "AFTER DELETE ON search_document BEGIN "
    "INSERT OR REPLACE INTO search_changed (doc_id, seq) VALUES (old.id, random()); END",
    "search_changed_au": "AFTER UPDATE ON search_document BEGIN "
    "INSERT OR REPLACE INTO search_changed (doc_id, seq) VALUES (old.id, random()); "
    "INSERT OR REPLACE INTO search_changed (doc_id, seq) VALUES (new.id, random()); END",
}
PG_FUNCTION = """
CREATE FUNCTION linkage_search_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    value BIGINT := (random() * 4611686018427387903)::bigint;
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO search_changed (doc_id, seq) VALUES (OLD.id, value)
        ON CONFLICT (doc_id) DO UPDATE SET seq = EXCLUDED.seq;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO search_changed (doc_id, seq) VALUES (NEW.id, value)
        ON CONFLICT (doc_id) DO UPDATE SET seq = EXCLUDED.seq;
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "search_facts",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_facts")),
    )
    op.create_table(
        "search_changed",
        sa.Column("doc_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("doc_id", name=op.f("pk_search_changed")),
    )
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER search_changed_row AFTER INSERT OR UPDATE OR DELETE ON search_document "
            "FOR EACH ROW EXECUTE FUNCTION linkage_search_changed()"
        )
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    # The copy of what is indexed now; loaded here, when this revision runs, like 0002's seed.
    from search import facts
    from search.index import MIN_DF, index_for

    facts.write(conn, index_for(conn).terms(conn, MIN_DF))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS search_changed_row ON search_document")
        op.execute("DROP FUNCTION IF EXISTS linkage_search_changed()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("search_changed")
    op.drop_table("search_facts")
