"""The kept stretches of "places free now" (search/free.py) against the one rule in SQL
(`catalog.capacity.free_services`), at many moments, on committed data of both engines:
holds running out, holds accepted before and after the figure, released ones, stale and
fresh figures of each kind of unit, waitlists, and fractional figures."""

from __future__ import annotations

import datetime as dt
import os
import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from catalog import capacity, rules
from catalog.capacity import Hold
from catalog.models import Location, Organization, Service, ServiceAtLocation, ServiceCapacity, Unit
from kernel.db import CatalogSession
from search import free
from search.index import index_for
from search.models import search_document as D
from search.params import parse_params
from search.query import SearchContext, search
from tests.conftest import migrate, pg_url_with_schema
from tests.search.test_search_processes import _databases

AGES = rules.MaxAges(bed=12.0, waitlist=168.0, other=24.0)
UNITS = ("bed", "Women's beds", "appointment slot", "Waiting list", "meal")


@pytest.fixture(params=_databases())
def engine(request: Any, tmp_path: Path) -> Iterator[Engine]:
    """A database of its own: what is kept is keyed by committed generations."""
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'free.db'}"
    else:
        schema = f"linkage_free_{uuid.uuid4().hex[:8]}"
        url = pg_url_with_schema(os.environ["TEST_DATABASE_URL"], schema)
    made = migrate(url)
    try:
        yield made
    finally:
        if schema:
            with made.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        made.dispose()


# Figures at the edge, beside the random ones: (available, [(minutes to expiry, state)]),
# a bed figure given ten minutes ago. An accepted hold counts until the next figure even after
# it runs out; one accepted before the figure was given is in the figure already.
EDGES = [
    (1, [(-30, "accepted after")]),  # never free
    (1, [(-30, "accepted before")]),  # free
    (2, [(-30, "accepted after"), (60, "active")]),  # free in an hour
    (2, [(90, "active"), (60, "active")]),  # free in an hour
    (2, [(90, "active"), (60, "active"), (30, "released")]),  # free in an hour
    (1.5, [(45, "active"), (20, "active")]),  # free in 20 minutes (1.5 - 1 > 0)
    (3, [(90, "active"), (60, "active")]),  # free now
]


def _catalog(engine: Engine, now: dt.datetime, seed: int = 7) -> list[dt.datetime]:
    """Services with figures and holds of every kind; returns the moments where the answer
    may change (each expiry and each end of freshness)."""
    rnd = random.Random(seed)
    turns: list[dt.datetime] = []
    with CatalogSession(engine) as session:
        session.info["actor"] = "test"
        units = [Unit(id=uuid.uuid4(), name=name, scheme="linkage") for name in UNITS]
        given = now - dt.timedelta(minutes=10)
        for n, (available, holds) in enumerate(EDGES):
            org = Organization(id=uuid.uuid4(), name=f"Edge {n}", description="")
            svc = Service(id=uuid.uuid4(), name=f"Edge {n}", organization=org, description="Beds")
            loc = Location(
                id=uuid.uuid4(), name=f"Edge {n}", organization=org, latitude=40.0, longitude=-83.0
            )
            svc.service_at_locations.append(ServiceAtLocation(id=uuid.uuid4(), location=loc))
            cap = ServiceCapacity(
                id=uuid.uuid4(), service=svc, unit=units[0], available=available, maximum=9, updated=given
            )
            session.add_all([svc, cap])
            session.flush()
            for minutes, state in holds:
                expires = now + dt.timedelta(minutes=minutes)
                hold = Hold(id=uuid.uuid4(), capacity_id=cap.id, created=given, expires_at=expires)
                hold.released_at = now if state == "released" else None
                if state.startswith("accepted"):
                    hold.accepted_at = given + dt.timedelta(minutes=5 if state == "accepted after" else -5)
                session.add(hold)
                turns.append(expires)
        for i in range(60):
            org = Organization(id=uuid.uuid4(), name=f"Org {i}", description="")
            svc = Service(id=uuid.uuid4(), name=f"Shelter {i}", organization=org, description="Beds")
            for j in range(1 + i % 2):  # some services have two places: two documents
                loc = Location(
                    id=uuid.uuid4(), name=f"Place {i}-{j}", organization=org, latitude=40.0, longitude=-83.0
                )
                svc.service_at_locations.append(ServiceAtLocation(id=uuid.uuid4(), location=loc))
            session.add(svc)
            for _ in range(1 + (i % 3 == 0)):
                unit = rnd.choice(units)
                updated = now - dt.timedelta(minutes=rnd.randrange(-60, 30 * 60))
                available = rnd.choice([0, 1, 1, 2, 3, 2.5, 0.5, 5])
                cap = ServiceCapacity(
                    id=uuid.uuid4(), service=svc, unit=unit, available=available, maximum=10, updated=updated
                )
                session.add(cap)
                session.flush()  # the holds name the figure by id
                turns.append(updated + dt.timedelta(hours=AGES.hours(unit.name)))
                for _ in range(rnd.randrange(0, 5)):
                    expires = now + dt.timedelta(
                        minutes=rnd.randrange(-200, 600), microseconds=rnd.randrange(10**6)
                    )
                    hold = Hold(id=uuid.uuid4(), capacity_id=cap.id, created=now, expires_at=expires)
                    kind = rnd.random()
                    if kind < 0.15:
                        hold.released_at = now
                    elif kind < 0.35:  # accepted before or after the figure was given
                        hold.accepted_at = updated + dt.timedelta(minutes=rnd.choice([-30, 30]))
                    session.add(hold)
                    turns.append(expires)
        session.commit()
    return turns


def _rule(conn: Any, at: dt.datetime) -> set[int]:
    free_ids = capacity.free_services(conn, at, AGES)
    return set(conn.execute(select(D.c.id).where(D.c.service_id.in_(free_ids))).scalars())


def test_the_stretches_agree_with_the_rule_at_every_moment(engine: Engine) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    turns = _catalog(engine, now)
    moments = [now + dt.timedelta(minutes=m) for m in range(-120, 32 * 60, 23)]
    moments += [t + dt.timedelta(microseconds=d) for t in turns for d in (-1, 0, 1)]
    moments = [t for t in moments if t >= now - dt.timedelta(hours=20)]
    with engine.connect() as conn:
        index = index_for(conn)
        generation = index.generation(conn)
        kept = free.stretches(conn, index, generation, AGES, now)
        assert kept is not None
        changes = 0
        before: set[int] | None = None
        for at in moments:
            expected = _rule(conn, at)
            assert set(kept.free_documents(at).tolist()) == expected, at
            changes += before is not None and expected != before
            before = expected
        assert changes > 20  # the moments cross many holds running out and figures going stale
        edges = {
            name: doc for doc, name in conn.execute(select(D.c.id, D.c.name).where(D.c.name.like("Edge %")))
        }
        soon = {n for n in edges if edges[n] in _rule(conn, now)}
        later = {n for n in edges if edges[n] in _rule(conn, now + dt.timedelta(minutes=61))}
        assert soon == {"Edge 1", "Edge 6"}
        assert later == {"Edge 1", "Edge 2", "Edge 3", "Edge 4", "Edge 5", "Edge 6"}
        assert 0 < len(_rule(conn, now)) < conn.execute(select(D.c.id)).all().__len__()


def test_a_write_by_another_connection_is_seen_by_the_next_search(engine: Engine) -> None:
    now = dt.datetime.now(dt.UTC)
    with CatalogSession(engine) as session:
        session.info["actor"] = "test"
        org = Organization(id=uuid.uuid4(), name="Harbor", description="")
        svc = Service(id=uuid.uuid4(), name="Numbat Shelter", organization=org, description="Beds")
        loc = Location(id=uuid.uuid4(), name="Main", organization=org, latitude=40.0, longitude=-83.0)
        svc.service_at_locations.append(ServiceAtLocation(id=uuid.uuid4(), location=loc))
        unit = Unit(id=uuid.uuid4(), name="bed", scheme="linkage")
        cap = ServiceCapacity(id=uuid.uuid4(), service=svc, unit=unit, available=1, maximum=4, updated=now)
        session.add_all([svc, cap])
        session.commit()  # (then the hold below names the figure by id)
        cap_id = cap.id

    def names() -> list[str]:
        with CatalogSession(engine) as session:
            ctx = SearchContext(now=dt.datetime.now(dt.UTC), cache=True, max_ages=AGES)
            body = search(session, parse_params({"q": "numbat", "available": "true"}), ctx)
            return [r["name"] for r in body["results"]]

    assert names() == ["Numbat Shelter"]
    with CatalogSession(engine) as session:  # the last bed held
        session.add(
            Hold(id=uuid.uuid4(), capacity_id=cap_id, created=now, expires_at=now + dt.timedelta(hours=2))
        )
        session.commit()
    assert names() == []
    with CatalogSession(engine) as session:  # the provider reports two beds
        session.get_one(ServiceCapacity, cap_id).available = 2
        session.commit()
    assert names() == ["Numbat Shelter"]
    with CatalogSession(engine) as session:  # a waitlist is never places free
        session.get_one(ServiceCapacity, cap_id).unit.name = "Waiting list"
        session.commit()
    assert names() == []


def test_after_writes_only_the_figures_written_are_read_again(engine: Engine) -> None:
    """A hold, a new figure, a figure changed, one deleted and a unit renamed: the next
    stretches come from the log of changed figures (no statement reads every figure) and
    still agree with the SQL rule at every moment."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    _catalog(engine, now, seed=11)
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    def kept_now() -> free.Stretches:
        with engine.connect() as conn:
            index = index_for(conn)
            kept = free.stretches(conn, index, index.generation(conn), AGES, now)
            assert kept is not None
            return kept

    def agrees(kept: free.Stretches) -> None:
        with engine.connect() as conn:
            for minutes in range(0, 30 * 60, 37):
                at = now + dt.timedelta(minutes=minutes)
                assert set(kept.free_documents(at).tolist()) == _rule(conn, at), at

    agrees(kept_now())
    with CatalogSession(engine) as session:
        session.info["actor"] = "test"
        figures = session.scalars(select(ServiceCapacity).order_by(ServiceCapacity.id)).all()
        session.add(Hold(id=uuid.uuid4(), capacity_id=figures[0].id, created=now,
                         expires_at=now + dt.timedelta(minutes=90)))  # fmt: skip
        figures[1].available = 7
        figures[1].updated = now
        session.delete(figures[2])
        # (by the service's id: appended to the service's list, it would mark the service
        # written, and its search documents with it, which reads every figure again)
        session.add(
            ServiceCapacity(
                id=uuid.uuid4(),
                service_id=figures[3].service_id,
                unit_id=figures[3].unit_id,
                available=4,
                maximum=9,
                updated=now,
            )
        )
        unit = session.scalars(select(Unit).where(Unit.name == "meal")).one()
        unit.name = "bed"  # a kind of its own no more: its figures age as beds
        session.commit()
    sqlalchemy_event.listen(engine, "before_cursor_execute", seen)
    try:
        after = kept_now()
    finally:
        sqlalchemy_event.remove(engine, "before_cursor_execute", seen)
    whole = [s for s in statements if s.startswith(free._FIGURES) and "IN (" not in s]
    assert whole == [], "every figure was read again"
    assert any(s.startswith(free._FIGURES) for s in statements)
    agrees(after)
