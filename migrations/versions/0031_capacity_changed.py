"""Capacity changed: which figures a write to figures, holds or units touched, in write order

With 0030 alone, any bed reported, held or released made every process's next "places free"
search read every figure again (about a second at 1,000,000 services). This log names the
figures each write touched, so a process reads again only those (search/free.py):
`capacity_changed` holds one row per figure ever touched, with the position of its latest
write; a process asks for the rows past the position it has read. The log never shrinks
below one row per figure (deleted figures keep theirs, which cost about 40 bytes each).

SQLite (one writer at a time): triggers give the row the log's largest position plus one in
the writer's own transaction, so positions follow commits and a rolled-back write leaves none.

PostgreSQL (concurrent writers): positions must follow commit order, which sequences do not.
The deferred commit trigger of 0030, which already takes the capacity generation's row lock
at commit (so writers commit one after another), now also writes the figure's row with the
generation's new value as its position: a reader that sees generation G sees every row up to
G, and one statement reads both.

A write to a unit touches every figure counted in it (its name decides its kind and age).

Revision ID: 0031_capacity_changed
Revises: 0030_capacity_generation
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0031_capacity_changed"
down_revision: str | Sequence[str] | None = "0030_capacity_generation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEXT = "(SELECT coalesce(max(seq), 0) + 1 FROM capacity_changed)"
_PUT = f"INSERT OR REPLACE INTO capacity_changed (capacity_id, seq) SELECT {{id}}, {_NEXT}"
_OF_UNIT = (
    f"INSERT OR REPLACE INTO capacity_changed (capacity_id, seq) SELECT c.id, {_NEXT} "
    "FROM service_capacity c WHERE c.unit_id = {unit}"
)
SQLITE_TRIGGERS = {
    "capacity_changed_service_capacity_ai": ("AFTER INSERT ON service_capacity", [_PUT.format(id="new.id")]),
    "capacity_changed_service_capacity_au": (
        "AFTER UPDATE ON service_capacity",
        [_PUT.format(id="old.id"), _PUT.format(id="new.id")],
    ),
    "capacity_changed_service_capacity_ad": ("AFTER DELETE ON service_capacity", [_PUT.format(id="old.id")]),
    "capacity_changed_capacity_hold_ai": (
        "AFTER INSERT ON capacity_hold",
        [_PUT.format(id="new.capacity_id")],
    ),
    "capacity_changed_capacity_hold_au": (
        "AFTER UPDATE ON capacity_hold",
        [_PUT.format(id="old.capacity_id"), _PUT.format(id="new.capacity_id")],
    ),
    "capacity_changed_capacity_hold_ad": (
        "AFTER DELETE ON capacity_hold",
        [_PUT.format(id="old.capacity_id")],
    ),
    "capacity_changed_unit_au": (
        "AFTER UPDATE ON unit",
        [_OF_UNIT.format(unit="old.id"), _OF_UNIT.format(unit="new.id")],
    ),
    "capacity_changed_unit_ad": ("AFTER DELETE ON unit", [_OF_UNIT.format(unit="old.id")]),
}

PG_COMMIT = """
CREATE OR REPLACE FUNCTION linkage_capacity_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    g bigint;
BEGIN
    IF current_setting('linkage.capacity_counted', true) IS DISTINCT FROM '1' THEN
        UPDATE capacity_generation SET value = value + 1 WHERE id = 1 RETURNING value INTO g;
        PERFORM set_config('linkage.capacity_counted', '1', true);
        PERFORM set_config('linkage.capacity_seq', g::text, true);
    ELSE
        g := current_setting('linkage.capacity_seq')::bigint;
    END IF;
    IF TG_TABLE_NAME = 'service_capacity' THEN
        INSERT INTO capacity_changed (capacity_id, seq)
        SELECT DISTINCT x, g FROM unnest(ARRAY[
            CASE WHEN TG_OP <> 'INSERT' THEN OLD.id END, CASE WHEN TG_OP <> 'DELETE' THEN NEW.id END
        ]) AS x WHERE x IS NOT NULL
        ON CONFLICT (capacity_id) DO UPDATE SET seq = EXCLUDED.seq;
    ELSIF TG_TABLE_NAME = 'capacity_hold' THEN
        INSERT INTO capacity_changed (capacity_id, seq)
        SELECT DISTINCT x, g FROM unnest(ARRAY[
            CASE WHEN TG_OP <> 'INSERT' THEN OLD.capacity_id END,
            CASE WHEN TG_OP <> 'DELETE' THEN NEW.capacity_id END
        ]) AS x WHERE x IS NOT NULL
        ON CONFLICT (capacity_id) DO UPDATE SET seq = EXCLUDED.seq;
    ELSIF TG_OP <> 'INSERT' THEN  -- a unit: every figure counted in it
        INSERT INTO capacity_changed (capacity_id, seq)
        SELECT c.id, g FROM service_capacity c WHERE c.unit_id = OLD.id
        ON CONFLICT (capacity_id) DO UPDATE SET seq = EXCLUDED.seq;
    END IF;
    RETURN NULL;
END $$
"""

PG_COMMIT_BEFORE = """
CREATE OR REPLACE FUNCTION linkage_capacity_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('linkage.capacity_counted', true) IS DISTINCT FROM '1' THEN
        UPDATE capacity_generation SET value = value + 1 WHERE id = 1;
        PERFORM set_config('linkage.capacity_counted', '1', true);
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TABLE capacity_changed (capacity_id uuid PRIMARY KEY, seq BIGINT NOT NULL)")
        op.execute("CREATE INDEX ix_capacity_changed_seq ON capacity_changed (seq)")
        op.execute(PG_COMMIT)
        return
    # The figures' ids as the catalog stores them on SQLite: 16 bytes.
    op.execute("CREATE TABLE capacity_changed (capacity_id BLOB PRIMARY KEY, seq INTEGER NOT NULL)")
    op.execute("CREATE INDEX ix_capacity_changed_seq ON capacity_changed (seq)")
    for name, (when, statements) in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN {'; '.join(statements)}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_COMMIT_BEFORE)
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS capacity_changed")
