"""Twenty workers racing for the last bed: exactly one gets it, nineteen get 409, on a real
SQLite file (WAL, busy timeout) and on PostgreSQL, each thread with its own connection and
all released at once by a barrier."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from accounts.models import User
from catalog import capacity
from catalog.models import Organization, Service, ServiceCapacity, Unit
from kernel.db import begin_write, catalog_sessions, make_engine
from kernel.errors import Problem
from referrals import services
from referrals.access import Actor
from referrals.models import Referral
from tests.conftest import migrate, pg_url_with_schema

from .conftest import NOW, SETTINGS, client_input, consent_input, make_people

WORKERS = 20


def _database(kind: str, tmp_path: Path) -> Iterator[Engine]:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'race.db'}"
        migrate(url).dispose()
        engine = make_engine(url, pool_size=WORKERS + 5)
        yield engine
        engine.dispose()
        return
    base = os.environ.get("TEST_DATABASE_URL")
    if not base or not base.startswith("postgresql"):
        pytest.skip("PostgreSQL leg: set TEST_DATABASE_URL")
    schema = f"linkage_race_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = pg_url_with_schema(base, schema)
    migrate(url).dispose()
    engine = make_engine(url, pool_size=WORKERS + 5)
    try:
        yield engine
    finally:
        engine.dispose()
        root = make_engine(base)
        with root.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        root.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def race_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from _database(request.param, tmp_path)


def _last_bed(engine: Engine) -> tuple[uuid.UUID, uuid.UUID, Actor]:
    """A shelter with one bed and a worker, committed."""
    with catalog_sessions(engine)() as session:
        session.info["actor"] = "test"
        org = Organization(id=uuid.uuid4(), name="Harbor Shelter Inc.", description="")
        other = Organization(id=uuid.uuid4(), name="Elsewhere", description="")
        svc = Service(id=uuid.uuid4(), name="Harbor Night Shelter", organization=org)
        figure = ServiceCapacity(
            id=uuid.uuid4(), unit=Unit(id=uuid.uuid4(), name="bed"), available=1, updated=NOW
        )
        svc.capacities.append(figure)
        session.add_all([org, other, svc])
        session.flush()
        people = make_people(session, org, other)
        session.commit()
        return svc.id, figure.id, people.worker


def test_twenty_workers_race_for_the_last_bed_and_one_gets_it(race_engine: Engine) -> None:
    service_id, figure_id, worker = _last_bed(race_engine)
    sessions = catalog_sessions(race_engine)
    barrier = threading.Barrier(WORKERS)
    outcomes: list[object] = []
    lock = threading.Lock()

    def attempt() -> None:
        session = sessions()
        try:
            assert session.get(User, worker.user_id) is not None  # a request reads its user first
            barrier.wait(timeout=30)
            begin_write(session)
            data = services.ReferralInput(
                service_id=service_id, client=client_input(), consent=consent_input(), hold=True
            )
            try:
                made = services.create_referral(session, worker, data, SETTINGS, NOW)
                session.commit()
                result: object = made.id
            except Problem as refused:
                session.rollback()
                result = refused.status
        except Exception as exc:  # noqa: BLE001 - any other failure is the test's answer
            result = exc
        finally:
            session.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(outcomes) == WORKERS
    won = [o for o in outcomes if isinstance(o, uuid.UUID)]
    assert len(won) == 1, outcomes
    assert sorted(o for o in outcomes if not isinstance(o, uuid.UUID)) == [409] * (WORKERS - 1), outcomes
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Referral)) == 1
        assert session.scalar(select(func.count()).select_from(capacity.Hold)) == 1
        figure = session.get_one(ServiceCapacity, figure_id)
        assert capacity.free_now(session, figure, NOW) == 0
