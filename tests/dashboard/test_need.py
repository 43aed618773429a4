"""Unmet need: what a search or match that found nothing records, and the gap report."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select, text

from search import unmet
from search.unmet import UnmetNeed, UnmetNeedReason

COLUMBUS = {"lat": 39.9612, "lon": -82.9988}
SHELTER = ("1135", "Emergency Shelter", "service_type")


@pytest.fixture
def shelters(make_service):
    now = dt.datetime.now(dt.UTC)
    adults = make_service("Harbor Adult Shelter", minimum_age=18, terms=(SHELTER,))
    full = make_service("Full House", beds=0, beds_updated=now, terms=(SHELTER,))
    vets = make_service("Liberty Veterans House", terms=(SHELTER, ("20010", "Veterans", "eligibility")))
    return {"adults": adults, "full": full, "vets": vets}


def rows(db):
    return list(db.scalars(select(UnmetNeed).order_by(UnmetNeed.hour, UnmetNeed.id)))


def reasons(db, row):
    stmt = select(UnmetNeedReason.code, UnmetNeedReason.services)
    stmt = stmt.where(UnmetNeedReason.unmet_need_id == row.id)
    return dict(db.execute(stmt).all())


def test_search_that_found_nothing_is_recorded_with_need_zip_and_hour(client, db, shelters):
    resp = client.get("/api/v1/search", query_string={"q": "dental clinic", "near": "43215"})
    assert resp.status_code == 200
    assert resp.get_json()["total"] == 0
    [row] = rows(db)
    assert (row.kind, row.channel, row.need, row.area) == ("search", "api", "dental clinic", "43215")
    assert row.hour.minute == row.hour.second == row.hour.microsecond == 0
    assert row.hour <= dt.datetime.now(dt.UTC) < row.hour + dt.timedelta(hours=1)


def test_search_page_is_recorded_with_the_page_channel_and_a_point_becomes_its_zip(client, db, shelters):
    resp = client.get("/search", query_string={"q": "dentist", **COLUMBUS})
    assert resp.status_code == 200
    [row] = rows(db)
    assert (row.kind, row.channel, row.need) == ("search", "page", "dentist")
    assert row.area is not None
    assert len(row.area) == 5
    assert row.area.isdigit()


def test_search_that_found_something_records_nothing(client, db, shelters):
    assert client.get("/api/v1/search", query_string={"q": "shelter"}).get_json()["total"] > 0
    assert rows(db) == []


def test_words_with_digits_are_never_kept(client, db, shelters):
    client.get("/api/v1/search", query_string={"q": "dentist 614-555-0199 born 1990"})
    [row] = rows(db)
    assert "614" not in row.need
    assert "1990" not in row.need
    assert "dentist" in row.need


def test_match_with_exclusions_records_how_many_services_each_rule_excluded(client, db, shelters):
    body = {"needs": ["Emergency Shelter"], "client": {"age": 17}, "location": "43215", "urgency": "tonight"}
    resp = client.post("/api/v1/match", json=body)
    assert resp.status_code == 200
    assert resp.get_json()["matches"] == []
    [row] = rows(db)
    assert (row.kind, row.channel, row.need, row.area, row.candidates) == (
        "match", "api", "emergency shelter", "43215", 3,
    )  # fmt: skip
    assert reasons(db, row) == {"age": 1, "capacity": 1, "situations:20007": 1}


def test_match_page_records_with_the_page_channel(client, db, shelters):
    form = {"needs": "Emergency Shelter", "age": "17", "location": "43215"}
    assert client.post("/match", data=form).status_code == 200
    [row] = rows(db)
    assert (row.kind, row.channel) == ("match", "page")


def test_nothing_of_the_client_is_stored(client, db, shelters):
    body = {"needs": ["Emergency Shelter"], "client": {"age": 17, "gender": "female",
            "household": "unaccompanied_youth", "languages": ["es"]}, "location": "43215"}  # fmt: skip
    client.post("/api/v1/match", json=body)
    [row] = rows(db)
    columns = set(UnmetNeed.__table__.columns.keys())
    assert columns == {"id", "hour", "kind", "channel", "need", "area", "candidates"}
    assert set(UnmetNeedReason.__table__.columns.keys()) == {"unmet_need_id", "code", "services"}
    kept = [str(getattr(row, c)) for c in sorted(columns)]
    kept += [f"{c} {n}" for c, n in reasons(db, row).items()]
    text = " ".join(kept).lower()
    for client_value in ("17", "female", "youth", "unaccompanied", " es"):
        assert client_value not in text.replace(str(row.id), "")


def test_a_failed_insert_is_logged_and_the_search_still_answers(client, db, shelters, caplog):
    db.execute(text("DROP TABLE unmet_need_reason"))
    db.execute(text("DROP TABLE unmet_need"))  # rolled back with the test's transaction
    with caplog.at_level(logging.WARNING, logger="search.unmet"):
        resp = client.get("/api/v1/search", query_string={"q": "dental clinic"})
    assert resp.status_code == 200
    assert resp.get_json()["total"] == 0
    assert "unmet need not recorded" in caplog.text
    assert "dental" not in caplog.text


def test_need_text_and_area_rules():
    assert unmet.need_text(["Food Pantry", "call 555 1234"]) == "food pantry call"
    assert unmet.need_text(["a b c d e f g h"]) == "a b c d e f"
    assert unmet.coarse_area("43215-1234", None) == "43215"
    assert unmet.coarse_area("Columbus, OH", None) is None
