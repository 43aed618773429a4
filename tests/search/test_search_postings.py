"""The ranking of our own (search/postings.py) answers as the engine does: the same matches,
and on SQLite the same bm25 scores; writes since the postings are searchable at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from sqlalchemy import event, select

from catalog.models import Service
from demo import generate, load
from search import postings, synonyms
from search.index import index_for
from search.models import search_document
from search.rebuild import rebuild
from search.text import parse
from tests.search.conftest import names

TEXTS = (
    "shelter", "food pantry", "detox", "behind on rent", "place to stay", "youth spanish", "legal aid",
    "mental health counseling", "bed cold", "dentist", "zzzqx",
)  # fmt: skip


@pytest.fixture
def county(db: Any) -> Any:
    db.info["changelog"] = False
    load(db, generate(2026, now=dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)))
    rebuild(db)
    return db


@pytest.mark.parametrize("any_group", [False, True], ids=["all", "any"])
def test_postings_match_and_score_as_the_engine(county: Any, any_group: bool) -> None:
    conn = county.connection()
    index = index_for(conn)
    table = synonyms.load_table(county)
    sqlite = conn.dialect.name == "sqlite"
    found_some = 0
    for q in TEXTS:
        query = parse(conn, index, q, table).query
        assert query is not None
        query.any_group = any_group
        ours = postings.match_scores(conn, index, query)
        assert ours is not None, q  # built by the rebuild: the engine is not asked to score
        ids, score = index.match_scores(conn, query)
        order = np.argsort(ids)
        assert ours[0].tolist() == ids[order].tolist(), q
        if sqlite:  # FTS5's own bm25, per term and per phrase (float32 kept)
            np.testing.assert_allclose(ours[1], score[order], rtol=1e-5, atol=1e-9)
        found_some += bool(len(ids))
    assert found_some >= len(TEXTS) // 2


def test_a_write_after_the_postings_is_searchable_and_the_old_text_is_gone(county: Any, api: Any) -> None:
    svc = county.scalars(select(Service).order_by(Service.name)).first()
    old = svc.name
    svc.name = "Zanzibar Outreach"
    county.flush()
    assert names(api(q="zanzibar")) == ["Zanzibar Outreach"]
    conn = county.connection()
    index = index_for(conn)
    query = parse(conn, index, old, synonyms.load_table(county)).query
    ours = postings.match_scores(conn, index, query)
    ids, _ = index.match_scores(conn, query)
    assert ours is not None
    assert ours[0].tolist() == sorted(ids.tolist())


def test_without_postings_the_engine_answers(county: Any) -> None:
    conn = county.connection()
    conn.exec_driver_sql("DELETE FROM search_postings")
    index = index_for(conn)
    query = parse(conn, index, "shelter", synonyms.load_table(county)).query
    assert postings.match_scores(conn, index, query) is None


def _statements(conn: Any, work: Any) -> list[str]:
    seen: list[str] = []

    def on_execute(_conn: Any, _cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(conn.engine, "before_cursor_execute", on_execute)
    try:
        work()
    finally:
        event.remove(conn.engine, "before_cursor_execute", on_execute)
    return seen


def test_postings_and_the_change_log_come_in_one_statement(county: Any) -> None:
    """A search after a write reads the postings and the documents written since in one round
    trip; on PostgreSQL the words' stems are asked of the server once per process."""
    svc = county.scalars(select(Service).order_by(Service.name)).first()
    svc.name = "Zanzibar Shelter"
    county.flush()
    conn = county.connection()
    index = index_for(conn)
    query = parse(conn, index, "shelter", synonyms.load_table(county)).query
    found: list[Any] = []
    seen = _statements(conn, lambda: found.append(postings.match_scores(conn, index, query)))
    assert found[0] is not None
    ids, _ = index.match_scores(conn, query)
    assert found[0][0].tolist() == sorted(ids.tolist())
    assert svc_doc(conn, svc.id) in found[0][0].tolist()  # the renamed one, from the change log
    reads = [s for s in seen if "search_postings" in s or "search_changed" in s]
    assert len(reads) == 1, reads
    assert "search_changed" in reads[0]
    again = _statements(conn, lambda: postings.match_scores(conn, index, query))
    assert len([s for s in again if "search_postings" in s or "search_changed" in s]) == 1, again
    assert not [s for s in again if "FROM unnest(CAST(" in s], again  # the stems: asked once


def svc_doc(conn: Any, service_id: Any) -> int:
    return int(
        conn.execute(select(search_document.c.id).where(search_document.c.service_id == service_id))
        .scalars()
        .first()
    )
