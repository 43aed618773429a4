"""Rebuilding every document from the catalog (`linkage index rebuild`, bulk loads)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from resources.models import Service
from resources.search import documents
from resources.search.index import index_for
from resources.search_models import search_document, search_document_term

BATCH = 2000


def rebuild(session: Session) -> int:
    """Delete and rewrite all documents inside the caller's transaction; returns the count."""
    conn = session.connection()
    conn.execute(delete(search_document_term))
    conn.execute(delete(search_document))
    ids = list(conn.execute(select(Service.__table__.c.id).order_by(Service.__table__.c.id)).scalars())
    terms = documents.Terms(conn)
    count = 0
    for part in documents.chunks(ids, BATCH):
        docs = documents.build(conn, part, terms)
        documents.insert_documents(conn, docs)
        count += len(docs)
    index_for(conn).optimize(conn)
    return count
