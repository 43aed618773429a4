"""Twenty API requests race for the last bed through `POST /api/v1/referrals`: one 201 and
nineteen 409, on a real SQLite file and on PostgreSQL, each request in its own thread with
the app's own sessions (no test transaction around them), released at once by a barrier."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from accounts import audit, tokens
from app import create_app
from catalog import capacity
from kernel.db import catalog_sessions
from referrals.models import Client, Referral
from tests.referrals.test_race import WORKERS, _last_bed, race_engine

__all__ = ["race_engine"]  # the fixture, parametrized over both databases


def test_twenty_api_requests_race_for_the_last_bed_and_one_gets_it(
    race_engine: Engine, tmp_path: Any
) -> None:
    service_id, _figure_id, worker = _last_bed(race_engine)
    sessions = catalog_sessions(race_engine)
    with sessions() as session:
        secret = tokens.create(
            session, worker.label, ["referrals:read", "referrals:write"], audit.command_line()
        ).secret
        session.commit()
    url = race_engine.url.render_as_string(hide_password=False)
    app = create_app({"DATA_DIR": str(tmp_path / "d"), "DATABASE_URL": url, "SECRET_KEY": "race"})
    body = {
        "client": {"display_name": "J. D."},
        "consent": {"given": True, "method": "verbal"},
        "service_id": str(service_id),
        "hold": True,
    }
    barrier = threading.Barrier(WORKERS)
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt() -> None:
        web = app.test_client()
        barrier.wait(timeout=30)
        resp = web.post("/api/v1/referrals", json=body, headers={"Authorization": f"Bearer {secret}"})
        with lock:
            statuses.append(resp.status_code)

    threads = [threading.Thread(target=attempt) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    try:
        assert sorted(statuses) == [201] + [409] * (WORKERS - 1), statuses
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(Referral)) == 1
            assert session.scalar(select(func.count()).select_from(Client)) == 1  # the 409s wrote nothing
            assert session.scalar(select(func.count()).select_from(capacity.Hold)) == 1
    finally:
        app.extensions["linkage_db"].engine.dispose()
