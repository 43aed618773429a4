"""Search generation: a value every write to the documents or the synonyms changes

Each process may keep what a search read (the documents' facts, the ids a text matches,
corrections, synonyms) for as long as this value is unchanged, so a commit by any process on
any host is seen by the next search.

SQLite (one writer at a time): triggers set it to a new random value in the writer's own
transaction, so a rolled-back write can never be mistaken for a committed one.

PostgreSQL (concurrent writers): a deferred constraint trigger adds one to it at commit, once
per transaction, so the row is locked only while a writer commits, never for the length of
its transaction; a statement trigger marks the writer's own transaction as having changed the
index (a transaction-local setting), so that transaction reads afresh and sees its own writes.

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


PG_FUNCTIONS = (
    """
    CREATE FUNCTION linkage_search_written() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM set_config('linkage.search_written', '1', true);
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION linkage_search_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('linkage.search_counted', true) IS DISTINCT FROM '1' THEN
            UPDATE search_generation SET value = value + 1 WHERE id = 1;
            PERFORM set_config('linkage.search_counted', '1', true);
        END IF;
        RETURN NULL;
    END $$
    """,
)


def _postgres_up() -> None:
    op.execute("CREATE TABLE search_generation (id INTEGER PRIMARY KEY CHECK (id = 1), value BIGINT NOT NULL)")
    op.execute("INSERT INTO search_generation (id, value) VALUES (1, 0)")
    for sql in PG_FUNCTIONS:
        op.execute(sql)
    for table in ("search_document", "search_synonym"):
        op.execute(
            f"CREATE TRIGGER search_generation_{table}_written AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION linkage_search_written()"
        )
        op.execute(
            f"CREATE CONSTRAINT TRIGGER search_generation_{table}_commit AFTER INSERT OR UPDATE OR DELETE "
            f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION linkage_search_commit()"
        )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgres_up()
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
        for table in ("search_document", "search_synonym"):
            op.execute(f"DROP TRIGGER IF EXISTS search_generation_{table}_written ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS search_generation_{table}_commit ON {table}")
        op.execute("DROP FUNCTION IF EXISTS linkage_search_written()")
        op.execute("DROP FUNCTION IF EXISTS linkage_search_commit()")
    else:
        for name, _, _ in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS search_generation")
