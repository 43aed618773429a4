"""Open now / open at: the schedule cases at fixed times, through the search API.

Times without an offset are read in the deployment's zone (America/New_York in tests).
2026-05-01 is a Friday; 2026-12-25 a Friday too.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from catalog.models import Schedule
from tests.search.conftest import names

CHRISTMAS = dt.date(2026, 12, 25)


def _rows(svc, *rows, on="service"):
    target = (
        svc
        if on == "service"
        else svc.service_at_locations[0]
        if on == "sal"
        else svc.service_at_locations[0].location
    )
    for r in rows:
        target.schedules.append(Schedule(id=uuid.uuid4(), freq="WEEKLY", **r))


@pytest.fixture
def hours(make_service, db):
    """Five services with the classic schedule shapes."""
    overnight = make_service("Overnight Shelter")
    _rows(overnight, {"byday": "MO,TU,WE,TH,FR,SA,SU", "opens_at": "22:00", "closes_at": "07:00"})
    office = make_service("Office Shelter")
    _rows(
        office,
        {"byday": "MO,TU,WE,TH,FR", "opens_at": "09:00", "closes_at": "12:00"},
        {"byday": "MO,TU,WE,TH,FR", "opens_at": "13:00", "closes_at": "17:00"},
        {
            "valid_from": dt.date(2026, 12, 25),
            "valid_to": dt.date(2026, 12, 25),
            "description": "Closed for Christmas",
        },
    )
    always = make_service("Always Shelter")
    _rows(always, {"byday": "MO,TU,WE,TH,FR,SA,SU", "opens_at": "00:00", "closes_at": "23:59"})
    make_service("Unknown Shelter")
    db.flush()
    return db


@pytest.mark.parametrize(
    ("at", "open_ones"),
    [
        ("2026-05-01T23:30", ["Always Shelter", "Overnight Shelter"]),  # Friday 23:30, overnight window
        ("2026-05-02T02:00", ["Always Shelter", "Overnight Shelter"]),  # after midnight, Friday's window
        ("2026-05-03T06:00", ["Always Shelter", "Overnight Shelter"]),  # Sunday 06:00
        ("2026-05-01T21:00", ["Always Shelter"]),  # Friday evening, before the night opens
        ("2026-05-01T11:00", ["Always Shelter", "Office Shelter"]),  # morning window
        ("2026-05-01T12:30", ["Always Shelter"]),  # lunch break
        ("2026-05-01T14:00", ["Always Shelter", "Office Shelter"]),  # afternoon window
        ("2026-05-01T17:00", ["Always Shelter"]),  # closing time is closed
        ("2026-12-24T10:00", ["Always Shelter", "Office Shelter"]),  # the day before the holiday
        ("2026-12-25T10:00", ["Always Shelter"]),  # the holiday exception closes a Friday
        ("2026-05-02T03:30:00Z", ["Always Shelter", "Overnight Shelter"]),  # an explicit UTC instant
    ],
)
def test_open_at(api, hours, at, open_ones):
    assert sorted(names(api(q="shelter", at=at))) == open_ones


def test_open_now_field_is_null_when_hours_are_unknown(api, hours):
    body = api(q="shelter", per_page=10)
    by_name = {r["name"]: r for r in body["results"]}
    assert by_name["Unknown Shelter"]["open_now"] is None
    assert by_name["Always Shelter"]["open_now"] is True
    assert by_name["Always Shelter"]["hours_label"] == "Open 24 hours"
    assert "Unknown Shelter" not in names(api(q="shelter", open_now="true"))


def test_open_now_uses_the_current_time(api, hours):
    got = names(api(q="shelter", open_now="true"))
    assert "Always Shelter" in got
    assert "Unknown Shelter" not in got


def test_service_at_location_rows_override_service_rows(api, make_service, db):
    svc = make_service("Layered Clinic")
    _rows(svc, {"byday": "MO,TU,WE,TH,FR", "opens_at": "09:00", "closes_at": "17:00"})
    _rows(svc, {"byday": "MO,TU,WE,TH,FR", "opens_at": "18:00", "closes_at": "20:00"}, on="sal")
    db.flush()
    assert names(api(q="clinic", at="2026-05-01T19:00")) == ["Layered Clinic"]
    assert names(api(q="clinic", at="2026-05-01T10:00")) == []


def test_service_rows_override_location_rows(api, make_service, db):
    svc = make_service("Layered Pantry")
    _rows(svc, {"byday": "MO,TU,WE,TH,FR", "opens_at": "09:00", "closes_at": "17:00"}, on="location")
    db.flush()
    assert names(api(q="pantry", at="2026-05-01T10:00")) == ["Layered Pantry"]
    _rows(svc, {"byday": "SA", "opens_at": "09:00", "closes_at": "17:00"})
    db.flush()
    assert names(api(q="pantry", at="2026-05-01T10:00")) == []
    assert names(api(q="pantry", at="2026-05-02T10:00")) == ["Layered Pantry"]


def test_a_service_in_another_time_zone_keeps_its_own_offset(api, make_service, db):
    svc = make_service("Pacific Hotline")
    _rows(svc, {"byday": "MO,TU,WE,TH,FR", "opens_at": "09:00", "closes_at": "17:00", "timezone": -7})
    db.flush()
    # 18:00 in New York (UTC-4 in May) is 15:00 at UTC-7: open there.
    assert names(api(q="hotline", at="2026-05-01T18:00")) == ["Pacific Hotline"]
    assert names(api(q="hotline", at="2026-05-01T10:00")) == []


def test_a_row_whose_offset_matches_the_deployment_is_read_in_its_zone(api, make_service, db):
    svc = make_service("Local Hotline")
    _rows(svc, {"byday": "MO,TU,WE,TH,FR", "opens_at": "09:00", "closes_at": "17:00", "timezone": -4})
    db.flush()
    assert names(api(q="hotline", at="2026-05-01T10:00")) == ["Local Hotline"]
