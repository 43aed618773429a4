"""Provenance in a fraction of the bytes: keyed by (record, source), 16-byte id and hash, the
source's table and id only where they differ from the record's, whole-second times on SQLite

Revision ID: 0019_compact_provenance
Revises: 0021_import_lock

Existing rows are converted: the id becomes the (entity_id, source) key (two rows of one source
for one record cannot happen through the importer; if a database holds them, the one seen last
is kept), the 40-character SHA-1 text becomes its first 16 bytes (so the next import of an
unchanged source still writes nothing), and on SQLite the times become seconds since 1970.
"""

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import kernel.db

revision: str = '0019_compact_provenance'
down_revision: str | Sequence[str] | None = '0021_import_lock'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000
UUID16 = sa.LargeBinary(16).with_variant(postgresql.UUID(), 'postgresql')
SECONDS = sa.BigInteger().with_variant(postgresql.TIMESTAMP(timezone=True), 'postgresql')
COLUMNS = 'entity_id, source, entity_table, source_table, source_id, content_hash, first_seen, last_seen, gone_since'


def _new_table() -> None:
    op.create_table(
        'source_record',
        sa.Column('entity_id', UUID16, nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('entity_table', sa.Text(), nullable=False),
        sa.Column('source_table', sa.Text(), nullable=True),
        sa.Column('source_id', sa.Text(), nullable=True),
        sa.Column('content_hash', sa.LargeBinary(16), nullable=False),
        sa.Column('first_seen', SECONDS, nullable=False),
        sa.Column('last_seen', SECONDS, nullable=False),
        sa.Column('gone_since', SECONDS, nullable=True),
        sa.PrimaryKeyConstraint('entity_id', 'source', name=op.f('pk_source_record')),
        sqlite_with_rowid=False,
    )


def _old_table() -> None:
    op.create_table(
        'source_record',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('source_table', sa.Text(), nullable=False),
        sa.Column('source_id', sa.Text(), nullable=False),
        sa.Column('entity_table', sa.Text(), nullable=False),
        sa.Column('entity_id', sa.Uuid(), nullable=False),
        sa.Column('content_hash', sa.Text(), nullable=False),
        sa.Column('first_seen', kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_seen', kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('gone_since', kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_source_record')),
        sa.UniqueConstraint('source', 'source_table', 'source_id', name='uq_source_record_key'),
    )
    op.create_index('ix_source_record_entity', 'source_record', ['entity_table', 'entity_id'], unique=False)


def _seconds(text: Any) -> int | None:
    """SQLite's stored date-time text as whole seconds since 1970 (UTC)."""
    if text is None:
        return None
    when = dt.datetime.fromisoformat(str(text))
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return int(when.timestamp())


def _text_time(seconds: Any) -> str | None:
    if seconds is None:
        return None
    return dt.datetime.fromtimestamp(int(seconds), dt.UTC).replace(tzinfo=None).isoformat(sep=' ', timespec='microseconds')


def _chunks(conn: Any, sql: str) -> Iterator[list[Any]]:
    result = conn.exec_driver_sql(sql)
    while rows := result.fetchmany(BATCH):
        yield rows


def upgrade() -> None:
    conn = op.get_bind()
    postgres = conn.dialect.name == 'postgresql'
    op.drop_index('ix_source_record_entity', table_name='source_record')
    op.rename_table('source_record', 'source_record_old')
    if postgres:
        op.execute('ALTER TABLE source_record_old RENAME CONSTRAINT pk_source_record TO pk_source_record_old')
    _new_table()
    if postgres:
        op.execute(
            f'INSERT INTO source_record ({COLUMNS})'
            ' SELECT DISTINCT ON (entity_id, source) entity_id, source, entity_table,'
            ' NULLIF(source_table, entity_table), NULLIF(source_id, entity_id::text),'
            " decode(substr(content_hash, 1, 32), 'hex'), date_trunc('second', first_seen),"
            " date_trunc('second', last_seen), date_trunc('second', gone_since)"
            ' FROM source_record_old ORDER BY entity_id, source, last_seen DESC'
        )
    else:
        done: set[tuple[bytes, str]] = set()
        sql = (
            'SELECT entity_id, source, entity_table, source_table, source_id, content_hash,'
            ' first_seen, last_seen, gone_since FROM source_record_old ORDER BY last_seen DESC'
        )
        for rows in _chunks(conn, sql):
            out = []
            for eid, source, etable, stable, sid, chash, first, last, gone in rows:
                key = uuid.UUID(hex=str(eid))
                if (key.bytes, source) in done:
                    continue
                done.add((key.bytes, source))
                out.append(
                    (
                        key.bytes,
                        source,
                        etable,
                        None if stable == etable else stable,
                        None if sid == str(key) else sid,
                        bytes.fromhex(str(chash)[:32]),
                        _seconds(first),
                        _seconds(last),
                        _seconds(gone),
                    )
                )
            if out:
                conn.exec_driver_sql(f'INSERT INTO source_record ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', out)
    op.drop_table('source_record_old')


def downgrade() -> None:
    conn = op.get_bind()
    postgres = conn.dialect.name == 'postgresql'
    op.rename_table('source_record', 'source_record_new')
    if postgres:
        op.execute('ALTER TABLE source_record_new RENAME CONSTRAINT pk_source_record TO pk_source_record_new')
    _old_table()
    old = 'id, source, source_table, source_id, entity_table, entity_id, content_hash, first_seen, last_seen, gone_since'
    if postgres:
        op.execute(
            f'INSERT INTO source_record ({old})'
            ' SELECT gen_random_uuid(), source, COALESCE(source_table, entity_table),'
            " COALESCE(source_id, entity_id::text), entity_table, entity_id, encode(content_hash, 'hex'),"
            ' first_seen, last_seen, gone_since FROM source_record_new'
        )
    else:
        for rows in _chunks(conn, f'SELECT {COLUMNS} FROM source_record_new'):
            out = []
            for eid, source, etable, stable, sid, chash, first, last, gone in rows:
                key = uuid.UUID(bytes=bytes(eid))
                out.append(
                    (
                        uuid.uuid4().hex,
                        source,
                        stable or etable,
                        str(key) if sid is None else sid,
                        etable,
                        key.hex,
                        bytes(chash).hex(),
                        _text_time(first),
                        _text_time(last),
                        _text_time(gone),
                    )
                )
            conn.exec_driver_sql(f'INSERT INTO source_record ({old}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', out)
    op.drop_table('source_record_new')
