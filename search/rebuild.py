"""Rebuilding every document from the catalog (`linkage index rebuild`, bulk loads).

On SQLite the per-row triggers that keep FTS5 in step, and the secondary indexes, cost more
than building the documents; a full rebuild therefore drops them inside its transaction,
writes the documents plainly, rebuilds FTS5 from its content table in one statement and makes
the same triggers and indexes again (SQLite DDL is transactional: a failure leaves the old
index, triggers and indexes in place).
PostgreSQL's tsvector is a generated column: nothing to switch.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from catalog.models import Service
from search import documents, facts, postings
from search.index import MIN_DF, index_for
from search.models import search_document, search_document_term
from search.text import words_of

BATCH = 5000
# What build_all reads (PostgreSQL plans its joins from their statistics).
CATALOG_TABLES = (
    "service", "organization", "program", "service_at_location", "location", "address", "language",
    "accessibility", "service_area", "attribute", "cost_option", "schedule", "taxonomy_term",
)  # fmt: skip


def rebuild(session: Session, copy: Callable[[Connection], set[str]] | None = None) -> int:
    """Delete and rewrite all documents inside the caller's transaction; returns the count.
    `copy` (an import on SQLite) writes documents built beforehand and returns their services
    (ids as stored); only the other services' documents are built here."""
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    # Statements that make the dropped triggers and secondary indexes again, after the load.
    remake = _drop(conn, "trigger") + _drop(conn, "index") if sqlite else []
    if sqlite:
        conn.execute(text("INSERT INTO search_fts(search_fts) VALUES ('delete-all')"))
    else:  # statistics first: a bulk load leaves none, and the joins of build_all need them
        conn.execute(text(f"ANALYZE {', '.join(CATALOG_TABLES)}"))
    conn.execute(delete(search_document_term))
    conn.execute(delete(search_document))
    copied = copy(conn) if copy is not None else None
    if copied is None:
        docs = documents.build_all(conn)
    else:
        rest = [i for i in conn.scalars(select(Service.__table__.c.id)) if i.hex not in copied]
        docs = documents.build(conn, rest)
    for part in documents.chunks(docs, BATCH):
        documents.insert_documents(conn, list(part))
    if sqlite:
        conn.execute(text("INSERT INTO search_fts(search_fts) VALUES ('rebuild')"))
        for sql in remake:
            conn.exec_driver_sql(sql)
        conn.execute(text("UPDATE search_generation SET value = random() WHERE id = 1"))
    index = index_for(conn)
    index.optimize(conn)
    facts.write(conn, index.terms(conn, MIN_DF))
    postings.write(conn, index, words_of)
    if copied is None:
        return len(docs)
    return int(conn.exec_driver_sql("SELECT count(*) FROM search_document").scalar_one())


def _drop(conn: Connection, kind: str) -> list[str]:
    """Drop the triggers or the secondary indexes on search_document (not the unique key, which
    has no SQL of its own); returns the statements that make them again."""
    rows = conn.execute(
        text(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = :kind AND tbl_name = 'search_document' AND sql IS NOT NULL"
        ),
        {"kind": kind},
    ).all()
    for name, _ in rows:
        conn.execute(text(f'DROP {kind.upper()} "{name}"'))
    return [sql for _, sql in rows]
