"""The change log's and provenance's repeated words in a byte on SQLite (table names and actions
as their place in a fixed list, our ISO dates as a 6-byte integer); content hashes in 8 bytes

Revision ID: 0024_coded_bookkeeping
Revises: 0029_unmet_need_covering

On SQLite `metadata.resource_type`, `metadata.last_action_type` and
`source_record.entity_table` hold the word's place in `catalog.models.RECORD_TABLES` /
`ACTIONS` (kernel.db.CodedText), and `metadata.last_action_date` milliseconds since 1970 for
the ISO forms we write and HSDS dates (kernel.db.IsoText); any other text stays as it is and
everything reads back exactly as written. The columns are declared BLOB (no type affinity, so
SQLite keeps the integers), which needs the two tables copied. PostgreSQL keeps its text.

Provenance's content hashes keep their first 8 bytes (of 16) on both engines, so an unchanged
source still imports as unchanged; going down leaves them at 8 (the importer of before then
takes every row of a source for changed once, compares it field by field and writes 16 again).
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from catalog.models import ACTIONS, RECORD_TABLES
from importers.models import HASH_BYTES
from kernel.db import CodedText, IsoText

revision: str = "0024_coded_bookkeeping"
down_revision: str | Sequence[str] | None = "0029_unmet_need_covering"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000
METADATA = (
    "id", "resource_id", "resource_type", "last_action_date", "last_action_type", "field_name",
    "previous_value", "replacement_value", "updated_by",
)  # fmt: skip
SOURCE = (
    "entity_id", "source", "entity_table", "source_table", "source_id", "content_hash",
    "first_seen", "last_seen", "gone_since",
)  # fmt: skip


def _word(coded: bool) -> sa.types.TypeEngine[Any]:
    return sa.types.BLOB() if coded else sa.Text()


def _metadata(coded: bool) -> None:
    op.create_table(
        "metadata",
        sa.Column("id", sa.LargeBinary(16), nullable=False),
        sa.Column("resource_id", sa.LargeBinary(16), nullable=True),
        sa.Column("resource_type", _word(coded), nullable=True),
        sa.Column("last_action_date", _word(coded), nullable=False),
        sa.Column("last_action_type", _word(coded), nullable=False),
        *(sa.Column(c, sa.Text(), nullable=False) for c in METADATA[5:]),
        sa.PrimaryKeyConstraint("id", name="pk_metadata"),
        sqlite_with_rowid=False,
    )


def _source_record(coded: bool) -> None:
    op.create_table(
        "source_record",
        sa.Column("entity_id", sa.LargeBinary(16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("entity_table", _word(coded), nullable=False),
        sa.Column("source_table", sa.Text(), nullable=True),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.LargeBinary(16), nullable=False),
        sa.Column("first_seen", sa.BigInteger(), nullable=False),
        sa.Column("last_seen", sa.BigInteger(), nullable=False),
        sa.Column("gone_since", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("entity_id", "source", name="pk_source_record"),
        sqlite_with_rowid=False,
    )


def _converters(coded: bool) -> dict[str, Callable[[Any], Any]]:
    """Column -> what its stored value becomes (to codes when `coded`, else back to text)."""
    dialect = op.get_bind().dialect
    tables, actions, dates = CodedText(RECORD_TABLES), CodedText(ACTIONS), IsoText()

    def way(t: Any) -> Callable[[Any], Any]:
        if coded:
            return lambda v: t.process_bind_param(v, dialect)
        return lambda v: t.process_result_value(v, dialect)

    return {
        "resource_type": way(tables),
        "entity_table": way(tables),
        "last_action_type": way(actions),
        "last_action_date": way(dates),
    }


def _copy(table: str, columns: tuple[str, ...], coded: bool, order: str) -> None:
    conn = op.get_bind()
    convert = _converters(coded)
    if coded:
        convert["content_hash"] = lambda v: bytes(v)[:HASH_BYTES]
    todo = [(i, convert[c]) for i, c in enumerate(columns) if c in convert]
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    result = conn.exec_driver_sql(f"SELECT {names} FROM {table}_old ORDER BY {order}")
    while rows := result.fetchmany(BATCH):
        out = []
        for r in rows:
            row = list(r)
            for i, f in todo:
                row[i] = f(row[i])
            out.append(tuple(row))
        conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", out)


def _swap(coded: bool) -> None:
    op.drop_index("ix_metadata_resource", table_name="metadata")
    op.rename_table("metadata", "metadata_old")
    _metadata(coded)
    _copy("metadata", METADATA, coded, "id")
    op.drop_table("metadata_old")
    op.create_index("ix_metadata_resource", "metadata", ["resource_id"], unique=False)
    op.rename_table("source_record", "source_record_old")
    _source_record(coded)
    _copy("source_record", SOURCE, coded, "entity_id, source")
    op.drop_table("source_record_old")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _swap(coded=True)
    else:
        op.execute(f"UPDATE source_record SET content_hash = substring(content_hash from 1 for {HASH_BYTES})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _swap(coded=False)
