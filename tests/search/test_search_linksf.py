"""Open-now answers of the search API on real San Francisco hours (Link-SF seed data).

The hours are loaded into the catalog by a small loader (HHMM integers -> HH:MM, one
weekly row per weekday entry, 2359 read as the end of the day) and each answer is checked
against an independent computation done here on the raw integers.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from catalog.models import Location, Organization, Schedule, Service, ServiceAtLocation
from tests.conftest import shared_path

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CODES = dict(zip(DAYS, ("MO", "TU", "WE", "TH", "FR", "SA", "SU"), strict=True))
TIMES = [
    "2026-05-01T10:00",  # Friday morning
    "2026-05-01T12:30",
    "2026-05-01T17:45",
    "2026-05-01T23:30",
    "2026-05-02T14:00",  # Saturday
    "2026-05-03T06:00",  # Sunday early
    "2026-05-03T11:15",
]


def _hhmm(value: int) -> str:
    return f"{value // 100:02d}:{value % 100:02d}"


@pytest.fixture
def linksf(db) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Load every Link-SF service with its hours; returns raw schedules by service id."""
    data = json.loads(shared_path("data", "linksf-sf", "linksf", "locations.json").read_text())
    raw: dict[uuid.UUID, list[dict[str, Any]]] = {}
    db.info["changelog"] = False
    for key, item in data.items():
        org = Organization(id=uuid.uuid4(), name=item.get("name") or key, description="")
        loc = Location(
            id=uuid.uuid4(), name=item.get("name"), latitude=item["latitude"], longitude=item["longitude"]
        )
        for skey, s in (item.get("services") or {}).items():
            svc = Service(id=uuid.uuid4(), name=s.get("name") or skey, description=s.get("description"))
            svc.organization = org
            svc.service_at_locations.append(ServiceAtLocation(id=uuid.uuid4(), location=loc))
            for r in s.get("schedules") or []:
                svc.schedules.append(
                    Schedule(
                        id=uuid.uuid4(), freq="WEEKLY", byday=CODES[r["weekday"]],
                        opens_at=_hhmm(r["opens_at"]), closes_at=_hhmm(r["closes_at"]),
                    )
                )  # fmt: skip
            raw[svc.id] = s.get("schedules") or []
            db.add(svc)
    db.flush()
    return raw


def expected_open(schedules: list[dict[str, Any]], at: dt.datetime) -> bool | None:
    """Independent answer on the raw integers: None without hours."""
    if not schedules:
        return None
    day, now = DAYS[at.weekday()], at.hour * 100 + at.minute
    for r in schedules:
        closes = 2400 if r["closes_at"] == 2359 else r["closes_at"]
        if r["weekday"] == day and r["opens_at"] <= now < closes:
            return True
    return False


def _all(client, **params: Any) -> list[dict[str, Any]]:
    out, page = [], 1
    while True:
        body = client.get("/api/v1/search", query_string={**params, "per_page": 100, "page": page}).get_json()
        out.extend(body["results"])
        if page * 100 >= body["total"]:
            return out
        page += 1


@pytest.mark.slow
def test_open_now_matches_the_link_sf_hours(app, client, linksf):
    app.config["TIMEZONE"] = "America/Los_Angeles"
    zone = ZoneInfo("America/Los_Angeles")
    assert len(linksf) > 200
    for at in TIMES:
        local = dt.datetime.fromisoformat(at).replace(tzinfo=zone)
        expected = {sid: expected_open(rows, local) for sid, rows in linksf.items()}
        every = {uuid.UUID(r["service_id"]): r["open_now"] for r in _all(client, at=at, status="any") if r}
        # `at` filters: only services open then come back, each marked open.
        assert set(every) == {sid for sid, v in expected.items() if v}, at
        assert all(v is True for v in every.values())
    # Without a time filter every service is listed, with open_now as computed independently.
    now = dt.datetime.now(zone)
    listed = {uuid.UUID(r["service_id"]): r["open_now"] for r in _all(client)}
    assert set(listed) == set(linksf)
    mismatched = {
        sid for sid, v in listed.items() if v != expected_open(linksf[sid], now) and now.minute not in (0, 59)
    }
    assert not mismatched
