"""The change log (HSDS metadata) in fewer bytes: 16-byte ids on SQLite, clustered on its id
(WITHOUT ROWID), one index by record instead of (record, date)

Revision ID: 0020_compact_change_log
Revises: 0025_match_points

Every row is kept as it was; on SQLite its two ids go from 32 hex characters to 16 bytes. On
PostgreSQL the ids are `uuid` already, so only the index changes there.
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_compact_change_log"
down_revision: str | Sequence[str] | None = "0025_match_points"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000
TEXT = (
    'resource_type', 'last_action_date', 'last_action_type', 'field_name', 'previous_value',
    'replacement_value', 'updated_by',
)  # fmt: skip
COLUMNS = ", ".join(("id", "resource_id", *TEXT))


def _create(name: str, ids: sa.types.TypeEngine, compact: bool) -> None:
    op.create_table(
        name,
        sa.Column("id", ids, nullable=False),
        sa.Column("resource_id", ids, nullable=True),
        sa.Column("resource_type", sa.Text(), nullable=True),
        *(sa.Column(c, sa.Text(), nullable=False) for c in TEXT[1:]),
        sa.PrimaryKeyConstraint("id", name="pk_metadata"),
        sqlite_with_rowid=not compact,
    )


def _copy(convert: bool, to_bytes: bool) -> None:
    conn = op.get_bind()
    if not convert:
        op.execute(f"INSERT INTO metadata ({COLUMNS}) SELECT {COLUMNS} FROM metadata_old")
        return

    def key(value: object) -> object:
        if value is None:
            return None
        return uuid.UUID(hex=str(value)).bytes if to_bytes else uuid.UUID(bytes=bytes(value)).hex  # type: ignore[arg-type]

    result = conn.exec_driver_sql(f"SELECT {COLUMNS} FROM metadata_old ORDER BY id")
    marks = ", ".join("?" for _ in range(2 + len(TEXT)))
    while rows := result.fetchmany(BATCH):
        out = [(key(r[0]), key(r[1]), *r[2:]) for r in rows]
        conn.exec_driver_sql(f"INSERT INTO metadata ({COLUMNS}) VALUES ({marks})", out)


def _swap(compact: bool) -> None:
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    op.drop_index("ix_metadata_resource", table_name="metadata")
    op.rename_table("metadata", "metadata_old")
    if not sqlite:
        op.execute("ALTER TABLE metadata_old RENAME CONSTRAINT pk_metadata TO pk_metadata_old")
    ids = sa.LargeBinary(16) if compact else sa.Uuid()
    _create("metadata", sa.Uuid() if not sqlite else ids, compact)
    _copy(convert=sqlite, to_bytes=compact)
    op.drop_table("metadata_old")
    columns = ["resource_id"] if compact else ["resource_id", "last_action_date"]
    op.create_index("ix_metadata_resource", "metadata", columns, unique=False)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":  # uuid already: only the index changes
        op.drop_index("ix_metadata_resource", table_name="metadata")
        op.create_index("ix_metadata_resource", "metadata", ["resource_id"], unique=False)
        return
    _swap(compact=True)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        op.drop_index("ix_metadata_resource", table_name="metadata")
        op.create_index("ix_metadata_resource", "metadata", ["resource_id", "last_action_date"], unique=False)
        return
    _swap(compact=False)
