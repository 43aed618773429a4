"""Capacity generation: a value every write to capacity figures, holds or units changes

Search keeps, per process, when each document's service has a place free (search/free.py)
for as long as this value is unchanged, so a bed reported, held or released by any process
is seen by the next search. The same pattern as 0005_search_generation:

SQLite (one writer at a time): triggers set it to a new random value in the writer's own
transaction, so a rolled-back write can never be mistaken for a committed one.

PostgreSQL (concurrent writers): a deferred constraint trigger adds one to it at commit, once
per transaction; a statement trigger marks the writer's own transaction (a transaction-local
setting), so that transaction reads the figures afresh and sees its own writes.

Revision ID: 0030_capacity_generation
Revises: 0028_compact_search_links
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030_capacity_generation"
down_revision: str | Sequence[str] | None = "0028_compact_search_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("service_capacity", "capacity_hold", "unit")
TRIGGERS = [
    (f"capacity_generation_{table}_{short}", table, event)
    for table in TABLES
    for short, event in (("ai", "INSERT"), ("au", "UPDATE"), ("ad", "DELETE"))
]

PG_FUNCTIONS = (
    """
    CREATE FUNCTION linkage_capacity_written() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM set_config('linkage.capacity_written', '1', true);
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION linkage_capacity_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('linkage.capacity_counted', true) IS DISTINCT FROM '1' THEN
            UPDATE capacity_generation SET value = value + 1 WHERE id = 1;
            PERFORM set_config('linkage.capacity_counted', '1', true);
        END IF;
        RETURN NULL;
    END $$
    """,
)


def _postgres_up() -> None:
    op.execute(
        "CREATE TABLE capacity_generation (id INTEGER PRIMARY KEY CHECK (id = 1), value BIGINT NOT NULL)"
    )
    op.execute("INSERT INTO capacity_generation (id, value) VALUES (1, 0)")
    for sql in PG_FUNCTIONS:
        op.execute(sql)
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER capacity_generation_{table}_written AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION linkage_capacity_written()"
        )
        op.execute(
            f"CREATE CONSTRAINT TRIGGER capacity_generation_{table}_commit AFTER INSERT OR UPDATE OR DELETE "
            f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION linkage_capacity_commit()"
        )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgres_up()
        return
    op.execute(
        "CREATE TABLE capacity_generation (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL)"
    )
    op.execute("INSERT INTO capacity_generation (id, value) VALUES (1, random())")
    for name, table, event in TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN "
            "UPDATE capacity_generation SET value = random() WHERE id = 1; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS capacity_generation_{table}_written ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS capacity_generation_{table}_commit ON {table}")
        op.execute("DROP FUNCTION IF EXISTS linkage_capacity_written()")
        op.execute("DROP FUNCTION IF EXISTS linkage_capacity_commit()")
    else:
        for name, _, _ in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS capacity_generation")
