"""The ranking of our own (search/postings.py) answers as the engine does: the same matches,
and on SQLite the same bm25 scores; writes since the postings are searchable at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from catalog.models import Service
from demo import generate, load
from search import postings, synonyms
from search.index import index_for
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
