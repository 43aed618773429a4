"""Rebuilding every document from the catalog (`linkage index rebuild`, bulk loads)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from resources.search import documents
from resources.search.index import index_for
from resources.search_models import search_document, search_document_term

BATCH = 5000


def rebuild(session: Session) -> int:
    """Delete and rewrite all documents inside the caller's transaction; returns the count."""
    conn = session.connection()
    conn.execute(delete(search_document_term))
    conn.execute(delete(search_document))
    docs = documents.build_all(conn)
    for part in documents.chunks(docs, BATCH):
        documents.insert_documents(conn, list(part))
    count = len(docs)
    index_for(conn).optimize(conn)
    return count
