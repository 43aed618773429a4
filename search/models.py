"""Tables of the search index that the ORM knows about (Alembic compares them with the migrations).

`search_document` holds one row per service-at-location (or per service without a location):
the text fields the full-text index reads and the facts the filters need. The full-text
indexes themselves (FTS5 on SQLite, a generated tsvector with GIN on PostgreSQL) are created
by migration 0002 in raw SQL and hidden from autogenerate.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base, Timestamp, UUIDPk

_TEXT_FIELDS = (
    "name",
    "organization",
    "description",
    "taxonomy",
    "eligibility",
    "languages",
    "accessibility",
    "areas",
    "keywords",
)
TEXT_FIELDS: tuple[str, ...] = _TEXT_FIELDS

search_document = Table(
    "search_document",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # The service_at_location id, or the service id for a service offered at no location.
    Column("key", Uuid, nullable=False, unique=True),
    Column("service_id", Uuid, nullable=False, index=True),
    Column("location_id", Uuid, index=True),
    Column("organization_id", Uuid),  # not indexed: no query reads documents by it (0028)
    Column("status", Text, nullable=False),
    *(Column(name, Text, nullable=False, default="") for name in _TEXT_FIELDS),
    # Filter facts: " en es spanish " style codes, ages, gender restriction, booleans, point.
    Column("lang_codes", Text, nullable=False, default=""),
    Column("min_age", Float),
    Column("max_age", Float),
    Column("gender", Text, nullable=False, default=""),
    Column("free", Boolean, nullable=False, default=False),
    Column("accessible", Boolean, nullable=False, default=False),
    Column("latitude", Float),
    Column("longitude", Float),
    # Schedule rows in force (JSON, after precedence) and the directly linked term ids.
    Column("hours", Text),
    Column("term_ids", Text, nullable=False, default=""),
    Index("ix_search_document_lat_lon", "latitude", "longitude"),
)

search_document_term = Table(
    "search_document_term",
    Base.metadata,
    Column(
        "doc_key",
        Uuid,
        ForeignKey("search_document.key", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("term_id", Uuid, primary_key=True, index=True),
    # Clustered on its key on SQLite (migration 0028): no automatic index repeating both ids.
    sqlite_with_rowid=False,
)

# Every document's facts, packed (search/facts.py), and the documents changed since: both
# written in the writer's transaction (the log by triggers of migration 0023).
search_facts = Table(
    "search_facts",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

search_changed = Table(
    "search_changed",
    Base.metadata,
    Column("doc_id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
)

# Each term's documents with their BM25 contribution, packed (search/postings.py, migration
# 0026); the row with the empty term holds the corpus figures.
search_postings = Table(
    "search_postings",
    Base.metadata,
    Column("term", Text, primary_key=True),
    Column("docs", LargeBinary, nullable=False),
    Column("impacts", LargeBinary, nullable=False),
)


class Synonym(Base):
    """One equivalence between a lay and a professional phrase ("detox" ~ "withdrawal management")."""

    __tablename__ = "search_synonym"
    __table_args__ = (Index("ix_search_synonym_pair", "term", "synonym", unique=True),)
    id: Mapped[UUIDPk]
    term: Mapped[str] = mapped_column(Text)
    synonym: Mapped[str] = mapped_column(Text)
    created: Mapped[Timestamp]
