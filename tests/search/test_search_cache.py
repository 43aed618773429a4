"""What a process keeps between searches: never stale after a write or a rollback.

On SQLite the memory is keyed by a generation that every write changes in the writer's
transaction; on PostgreSQL there is none and every run reads afresh. The comparison of kept
and fresh answers over the demo county is in test_search_cache_demo.py.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from catalog.models import Location, Organization, Service, ServiceAtLocation, ServiceCapacity, Unit
from kernel.db import CatalogSession
from search import query, synonyms
from search.index import index_for
from search.params import parse_params
from search.query import SearchContext, search
from tests.conftest import migrate, pg_url_with_schema
from tests.search.test_search_processes import _databases

NOW = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)  # a Friday, 10:30 in Columbus


def _run(db: Any, params: dict[str, str], cache: bool, catalog_after: int = 0) -> dict[str, Any]:
    ctx = SearchContext(timezone="America/New_York", now=NOW, cache=cache, catalog_after=catalog_after)
    return search(db, parse_params(params, timezone="America/New_York"), ctx)


def _add(db: Any, name: str, beds: float | None = None) -> Service:
    org = Organization(id=uuid.uuid4(), name=f"{name} Inc.", description="")
    svc = Service(id=uuid.uuid4(), name=name, organization=org, description="Beds for the night")
    loc = Location(id=uuid.uuid4(), name=name, organization=org, latitude=39.96, longitude=-83.0)
    svc.service_at_locations.append(ServiceAtLocation(id=uuid.uuid4(), location=loc))
    db.add(svc)
    if beds is not None:
        unit = Unit(id=uuid.uuid4(), name="bed", scheme="linkage")
        db.add(ServiceCapacity(id=uuid.uuid4(), service=svc, unit=unit, available=beds, maximum=10))
    db.flush()
    return svc


def _names(db: Any, **params: str) -> list[str]:
    return [r["name"] for r in _run(db, params, cache=True)["results"]]


def test_a_rolled_back_write_is_never_served_from_memory(db: Any) -> None:
    assert _names(db, q="zebra") == []
    savepoint = db.begin_nested()
    _add(db, "Zebra House")
    assert _names(db, q="zebra") == ["Zebra House"]
    savepoint.rollback()
    assert _names(db, q="zebra") == []
    _add(db, "Zebra Lodge")
    assert _names(db, q="zebra") == ["Zebra Lodge"]


def test_every_write_to_documents_or_synonyms_changes_the_generation(db: Any) -> None:
    """Inside the writing transaction: SQLite gives every write a new value; PostgreSQL gives
    none (that transaction reads afresh, so it sees its own writes)."""
    index = index_for(db)
    sqlite = db.get_bind().dialect.name == "sqlite"
    seen = [index.generation(db.connection())]
    assert seen[0] is not None
    svc = _add(db, "Quokka Shelter")
    seen.append(index.generation(db.connection()))
    svc.name = "Quokka Refuge"
    db.flush()
    seen.append(index.generation(db.connection()))
    synonyms.add_synonym(db, "marsupial", "quokka")
    seen.append(index.generation(db.connection()))
    db.execute(text("DELETE FROM search_document"))
    seen.append(index.generation(db.connection()))
    if sqlite:
        assert len(set(seen)) == len(seen)
    else:
        assert seen[1:] == [None] * 4


@pytest.mark.parametrize("kind", _databases())
def test_a_commit_changes_the_generation_once(tmp_path: Path, kind: str) -> None:
    """Seen from other sessions: unchanged until the writer commits, changed after, however
    many rows the transaction wrote; a rollback leaves it as it was."""
    schema = None
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'generation.db'}"
    else:
        schema = f"linkage_gen_{uuid.uuid4().hex[:8]}"
        url = pg_url_with_schema(os.environ["TEST_DATABASE_URL"], schema)
    engine = migrate(url)
    try:

        def generation() -> int | None:
            with CatalogSession(engine) as reader:
                return index_for(reader).generation(reader.connection())

        before = generation()
        with CatalogSession(engine) as writer:
            _add(writer, "Numbat House")
            _add(writer, "Numbat Lodge")
            if kind == "postgresql":  # SQLite would wait for the writer's lock instead
                assert generation() == before
            writer.rollback()
        assert generation() == before
        with CatalogSession(engine) as writer:
            _add(writer, "Numbat House")
            _add(writer, "Numbat Lodge")
            writer.commit()
        after = generation()
        assert after is not None
        assert after != before
        if kind == "postgresql":
            assert after == before + 1  # type: ignore[operator]
        with CatalogSession(engine) as session:
            assert sorted(_names(session, q="numbat")) == ["Numbat House", "Numbat Lodge"]
    finally:
        if schema is not None:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def test_edits_are_seen_by_the_next_search(db: Any) -> None:
    svc = _add(db, "Quokka Shelter")
    assert _names(db, q="quokka") == ["Quokka Shelter"]
    svc.name = "Quokka Refuge"
    db.flush()
    assert _names(db, q="quokka") == ["Quokka Refuge"]
    assert _names(db, q="marsupial") == []
    synonyms.add_synonym(db, "marsupial", "quokka")
    assert _names(db, q="marsupial") == ["Quokka Refuge"]
    db.delete(svc)
    db.flush()
    assert _names(db, q="quokka") == []


def test_capacity_is_live_though_the_documents_are_kept(db: Any) -> None:
    svc = _add(db, "Wombat Shelter", beds=0)
    assert _names(db, q="wombat", available="true") == []
    cap = svc.capacities[0] if hasattr(svc, "capacities") else db.query(ServiceCapacity).one()
    cap.available = 3
    db.flush()
    body = _run(db, {"q": "wombat", "available": "true"}, cache=True)
    assert [r["name"] for r in body["results"]] == ["Wombat Shelter"]
    assert body["results"][0]["capacity"][0]["available"] == 3


def test_a_word_of_a_new_document_is_offered_after_a_rolled_back_one(db: Any) -> None:
    """A rolled-back insert and the next one leave the same count and highest id; the words
    offered as corrections must still be the ones of the documents there now."""
    savepoint = db.begin_nested()
    _add(db, "Harbor Night Shelter")
    assert _run(db, {"q": "pantyr"}, cache=True)["query"]["corrections"] == {}
    savepoint.rollback()
    _add(db, "Eastside Food Pantry")
    body = _run(db, {"q": "pantyr"}, cache=True)
    assert body["query"]["corrections"] == {"pantyr": "pantry"}
    assert [r["name"] for r in body["results"]] == ["Eastside Food Pantry"]


@pytest.mark.parametrize("by_id", [900, 1], ids=["looked-up-by-id", "free-services-read-once"])
def test_places_free_now_filters_a_large_match_set_the_same(db: Any, monkeypatch: Any, by_id: int) -> None:
    """More matches than one lookup names: the free services' documents are read once."""
    monkeypatch.setattr(query, "_BY_ID", by_id)
    _add(db, "Wombat Shelter Full", beds=0)
    _add(db, "Wombat Shelter Open", beds=2)
    _add(db, "Wombat Shelter Other", beds=1)
    assert sorted(_names(db, q="wombat", available="true")) == ["Wombat Shelter Open", "Wombat Shelter Other"]
