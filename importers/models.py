"""What the importers remember between runs: where each record came from, and duplicate reviews.

`SourceRecord` is the provenance of one catalog record in one source. It is what makes an
import idempotent (the same source id maps to the same record, an unchanged content hash
means nothing to write), what finds records that disappeared from a full re-import, and what
keeps the provenance of both sides when a person merges two duplicates.

It is written once per catalog row, so it is kept small: the key is the record's id and the
source (a clustered key on SQLite, `WITHOUT ROWID`, so no second copy of it in an index); the
id is 16 bytes and the hash 16 bytes; the source's table and id are stored only when they
differ from the record's table and id (an HSDS 3 source keeps its UUIDs, so usually they do
not); times are whole seconds since 1970 on SQLite. At 100,000 services of about nine rows
this is under 1 KB per service where the first shape took 3.5 KB.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import JSON, BigInteger, Enum, Float, LargeBinary, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from catalog.models import RECORD_TABLES
from kernel.db import Base, CodedText, Timestamp, UTCDateTime, UUIDBytes, UUIDPk

# Bytes of the content hash kept (the first 8 of its SHA-1, migration 0024; 16 before): a
# changed row passes for unchanged by chance one in 2**64, a hash written longer is compared
# by its first 8 bytes.
HASH_BYTES = 8


class EpochSeconds(TypeDecorator[dt.datetime]):
    """An aware UTC time kept as whole seconds since 1970 on SQLite (a 4-byte integer where
    the text form takes 26 bytes), `timestamptz` on PostgreSQL (8 bytes either way)."""

    impl = BigInteger
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(UTCDateTime())
        return dialect.type_descriptor(BigInteger())

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        if dialect.name == "postgresql":
            return value.astimezone(dt.UTC).replace(microsecond=0)
        return int(value.timestamp())

    def process_result_value(self, value: Any, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return dt.datetime.fromtimestamp(int(value), dt.UTC)


def content_hash(digest: bytes) -> bytes:
    """What is kept of a row's SHA-1 digest."""
    return digest[:HASH_BYTES]


class SourceRecord(Base):
    __tablename__ = "source_record"
    __table_args__ = ({"sqlite_with_rowid": False},)
    entity_id: Mapped[uuid.UUID] = mapped_column(UUIDBytes, primary_key=True)
    source: Mapped[str] = mapped_column(Text, primary_key=True)
    entity_table: Mapped[str] = mapped_column(CodedText(RECORD_TABLES))  # a byte on SQLite
    # NULL when the same as entity_table / the record's id (see table_in_source, id_in_source).
    source_table: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[bytes] = mapped_column(LargeBinary(HASH_BYTES))
    first_seen: Mapped[dt.datetime] = mapped_column(EpochSeconds)
    last_seen: Mapped[dt.datetime] = mapped_column(EpochSeconds)
    # Set when the record is no longer in the source (a full re-import did not see it).
    gone_since: Mapped[dt.datetime | None] = mapped_column(EpochSeconds)

    @property
    def table_in_source(self) -> str:
        """The source's name of the table the record was read from."""
        return self.source_table or self.entity_table

    @property
    def id_in_source(self) -> str:
        """The record's id as the source gave it."""
        return str(self.entity_id) if self.source_id is None else self.source_id

    @staticmethod
    def stored(
        entity_table: str, entity_id: uuid.UUID, table: str, sid: str
    ) -> tuple[str | None, str | None]:
        """The (source_table, source_id) columns for a record read as `table`/`sid`: what the
        row holds already is not written twice."""
        return (None if table == entity_table else table, None if sid == str(entity_id) else sid)


class DuplicateStatus(enum.StrEnum):
    open = "open"
    merged = "merged"
    kept_apart = "kept_apart"


class DuplicateCandidate(Base):
    """Two records that may be one; a person decides (merge or keep apart)."""

    __tablename__ = "duplicate_candidate"
    __table_args__ = (UniqueConstraint("entity_table", "record_a", "record_b", name="uq_duplicate_pair"),)
    id: Mapped[UUIDPk]
    entity_table: Mapped[str] = mapped_column(Text)
    record_a: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    record_b: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    source_a: Mapped[str] = mapped_column(Text)
    source_b: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[DuplicateStatus] = mapped_column(
        Enum(
            DuplicateStatus,
            name="duplicate_status",
            native_enum=False,
            create_constraint=True,
            values_callable=lambda e: [m.value for m in e],
            length=16,
        ),
        default=DuplicateStatus.open,
        index=True,
    )
    # After a merge: the record kept. The other one stays (inactive) with its provenance.
    kept: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    decided_by: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    found_at: Mapped[Timestamp]
