"""What the importers remember between runs: where each record came from, and duplicate reviews.

`SourceRecord` is the provenance of one catalog record in one source. It is what makes an
import idempotent (the same source id maps to the same record, an unchanged content hash
means nothing to write), what finds records that disappeared from a full re-import, and what
keeps the provenance of both sides when a person merges two duplicates.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import JSON, Enum, Float, Index, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base, Timestamp, UTCDateTime, UUIDPk


class SourceRecord(Base):
    __tablename__ = "source_record"
    __table_args__ = (
        UniqueConstraint("source", "source_table", "source_id", name="uq_source_record_key"),
        Index("ix_source_record_entity", "entity_table", "entity_id"),
    )
    id: Mapped[UUIDPk]
    source: Mapped[str] = mapped_column(Text)
    source_table: Mapped[str] = mapped_column(Text)
    source_id: Mapped[str] = mapped_column(Text)
    entity_table: Mapped[str] = mapped_column(Text)
    entity_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    content_hash: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[Timestamp]
    last_seen: Mapped[Timestamp]
    # Set when the record is no longer in the source (a full re-import did not see it).
    gone_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


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
