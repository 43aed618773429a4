"""Search generation: a value every write to the documents or the synonyms changes (SQLite)

Each process may keep what a search read (the documents a text matches, corrections,
synonyms) for as long as this value is unchanged. Triggers set it to a new random value in
the writer's own transaction, so a rolled-back write can never be mistaken for a committed
one, and a commit by any process on any host is seen by the next search. PostgreSQL keeps no
such value (a shared counter row would serialise concurrent writers); searches there read
the index every time.

Revision ID: 0005_search_generation
Revises: 0004_geocode_cache
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_search_generation"
down_revision: str | Sequence[str] | None = "0004_geocode_cache"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = [
    (f"search_generation_{table}_{short}", table, event)
    for table in ("search_document", "search_synonym")
    for short, event in (("ai", "INSERT"), ("au", "UPDATE"), ("ad", "DELETE"))
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return
    op.execute("CREATE TABLE search_generation (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL)")
    op.execute("INSERT INTO search_generation (id, value) VALUES (1, random())")
    for name, table, event in TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN "
            "UPDATE search_generation SET value = random() WHERE id = 1; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return
    for name, _, _ in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS search_generation")

