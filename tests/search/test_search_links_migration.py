"""Migration 0028 (the documents' taxonomy links clustered on their key on SQLite, the unread
index by organization dropped): the links survive down and up on both engines, a search by
taxonomy term finds the same documents, and deleting a document still takes its links."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import delete, func, insert, select

from app.commands import alembic_config
from kernel.db import make_engine
from search.models import search_document as D
from search.models import search_document_term as DT
from tests.conftest import _reset_postgres, pg_url_with_schema

BEFORE = "0024_coded_bookkeeping"


@pytest.fixture
def scratch_url(tmp_path) -> Iterator[str]:
    """A database of its own (this test moves its schema down and up)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'links.db'}"
        return
    schema = f"linkage_links_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    eng = make_engine(base)
    _reset_postgres(eng, schema)
    yield pg_url_with_schema(base, schema)
    with eng.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    eng.dispose()


def _by_term(conn: sa.Connection, term: uuid.UUID) -> set[uuid.UUID]:
    """Documents linked to a term, as the search's taxonomy filter asks (search.query)."""
    stmt = select(D.c.key).where(D.c.key.in_(select(DT.c.doc_key).where(DT.c.term_id == term)))
    return set(conn.execute(stmt).scalars())


def test_links_survive_down_and_up_and_follow_their_document(scratch_url: str) -> None:
    cfg = alembic_config(scratch_url)
    command.upgrade(cfg, BEFORE)
    engine = make_engine(scratch_url)
    terms = [uuid.uuid4() for _ in range(3)]
    docs = [uuid.uuid4() for _ in range(30)]
    links = [{"doc_key": k, "term_id": terms[i % 3]} for i, k in enumerate(docs)]
    links += [{"doc_key": k, "term_id": terms[0]} for k in docs[1::3]]
    with engine.begin() as conn:
        conn.execute(
            insert(D),
            [
                {"key": k, "service_id": uuid.uuid4(), "organization_id": uuid.uuid4(), "status": "active"}
                for k in docs
            ],
        )
        conn.execute(insert(DT), links)
    with engine.connect() as conn:
        before = {t: _by_term(conn, t) for t in terms}
    assert before[terms[0]] == set(docs[0::3]) | set(docs[1::3])
    for step in (lambda: command.upgrade(cfg, "head"), lambda: command.downgrade(cfg, BEFORE)):
        step()
        with engine.connect() as conn:
            assert {t: _by_term(conn, t) for t in terms} == before
            assert conn.scalar(select(func.count()).select_from(DT)) == len(links)
    command.upgrade(cfg, "head")
    engine.dispose()
    with engine.begin() as conn:
        conn.execute(delete(D).where(D.c.key == docs[1]))
        assert conn.scalar(select(func.count()).select_from(DT).where(DT.c.doc_key == docs[1])) == 0
        with pytest.raises(sa.exc.IntegrityError):  # still one link per (document, term)
            conn.execute(insert(DT), [{"doc_key": docs[0], "term_id": terms[0]}])
    engine.dispose()
