"""The documents' facts a process keeps: the packed copy plus the change log always equal
what search_document holds now, after writes, deletes, rollbacks and a fold of the log."""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select, text

from catalog.models import Language, Location, Organization, Service, ServiceAtLocation
from search import facts
from search.candidates import Candidates
from search.index import index_for
from search.params import parse_params
from search.query import SearchContext, search


def _rows(c: Candidates) -> list[tuple[Any, ...]]:
    """Each document's facts as plain values (codes read through their value lists)."""
    return [
        (
            int(c.ids[i]), c.statuses[c.status[i]], float(c.lat[i]), float(c.lon[i]), float(c.min_age[i]),
            float(c.max_age[i]), bool(c.free[i]), bool(c.accessible[i]), c.genders[c.gender[i]],
            c.lang_values[c.langs[i]], c.hour_values[c.hours[i]], tuple(c.facet_values[c.facet[i]]),
        )
        for i in range(len(c))
    ]  # fmt: skip


def _same(a: Candidates, b: Candidates) -> bool:
    return str(_rows(a)) == str(_rows(b))  # str: nan equals nan


def _add(db: Any, name: str, spanish: bool = False) -> Service:
    org = Organization(id=uuid.uuid4(), name=f"{name} Inc.", description="")
    svc = Service(id=uuid.uuid4(), name=name, organization=org, description="Meals and beds", minimum_age=18)
    loc = Location(id=uuid.uuid4(), name=name, organization=org, latitude=39.96, longitude=-83.0)
    svc.service_at_locations.append(ServiceAtLocation(id=uuid.uuid4(), location=loc))
    db.add(svc)
    if spanish:
        db.add(Language(id=uuid.uuid4(), service=svc, code="es", name="Spanish"))
    db.flush()
    return svc


def _log(db: Any) -> int:
    return int(db.execute(text("SELECT count(*) FROM search_changed")).scalar_one())


def test_the_copy_and_the_log_hold_every_write(db: Any) -> None:
    conn = db.connection()
    store = facts.FactStore()
    first = _add(db, "Wombat Kitchen", spanish=True)
    second = _add(db, "Numbat Pantry")
    assert _log(db) >= 2  # the triggers name each written document
    kept = store.facts(conn)
    assert _same(kept, facts.read_rows(conn))
    assert sorted(kept.lang_values[kept.langs[i]] for i in range(len(kept))).count(" es spanish ") == 1
    second.minimum_age = 65
    db.flush()
    db.delete(first)
    db.flush()
    again = store.facts(conn)
    assert _same(again, facts.read_rows(conn))
    assert 65.0 in again.min_age
    assert _same(facts.FactStore().facts(conn), again)  # a new process reads the same


def test_a_rolled_back_write_leaves_the_kept_facts(db: Any) -> None:
    conn = db.connection()
    store = facts.FactStore()
    _add(db, "Bilby Shelter")
    before = _rows(store.facts(conn))
    savepoint = db.begin_nested()
    _add(db, "Quoll Shelter")
    assert len(store.facts(conn)) == len(before) + 1
    savepoint.rollback()
    assert str(_rows(store.facts(db.connection()))) == str(before)


def test_the_log_is_folded_into_the_copy_past_its_limit(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past `log_limit` a writer rewrites the copy from the old copy and the log, and empties
    the log; what a process reads, and what a search finds, stay the same."""
    conn = db.connection()
    _add(db, "Potoroo House")
    monkeypatch.setattr(facts, "LOG_MIN", 0)
    monkeypatch.setattr(facts, "LOG_SHARE", 10**9)
    version = conn.execute(text("SELECT version FROM search_facts")).scalar_one()
    svc = _add(db, "Bandicoot Refuge", spanish=True)
    assert _log(db) == 0
    assert conn.execute(text("SELECT version FROM search_facts")).scalar_one() != version
    store = facts.FactStore()
    assert _same(store.facts(conn), facts.read_rows(conn))
    assert store.vocabulary.get(index_for(conn).stem("bandicoot"), 0) >= 1  # new words join the vocabulary
    db.delete(svc)
    db.flush()
    assert _same(store.facts(conn), facts.read_rows(conn))
    ctx = SearchContext(timezone="America/New_York")
    body = search(db, parse_params({"q": "potoroo"}), ctx)
    assert [r["name"] for r in body["results"]] == ["Potoroo House"]


def test_packing_keeps_every_value() -> None:
    rows = [
        (3, "active", 39.9, -83.0, None, 24.0, "female", True, False, " es spanish ", '[{"a":1}]', "t1", 0.0),
        (7, "inactive", None, None, 18.0, None, "", False, True, "", None, "", 0.0),
    ]
    store = Candidates.from_rows(rows)
    back, vocabulary = facts.unpack(facts.pack(store, {"shelter": 4}))
    assert _same(back, store)
    assert vocabulary == {"shelter": 4}
    assert np.isnan(back.lat[1])
    assert back.hour_values[back.hours[1]] is None


def test_a_database_without_a_copy_reads_the_documents(db: Any) -> None:
    conn = db.connection()
    _add(db, "Dunnart Center")
    db.execute(text("DELETE FROM search_facts"))
    assert _same(facts.FactStore().facts(conn), facts.read_rows(conn))
    assert db.scalars(select(Service.name).where(Service.name == "Dunnart Center")).one()
