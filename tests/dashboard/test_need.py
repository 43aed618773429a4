"""Unmet need: what a search or match that found nothing records, and the gap report."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import logging

import pytest
from sqlalchemy import select, text

from dashboard.need import unmet_need
from dashboard.period import Period
from dashboard.referrals import Scope
from referrals import services
from search import unmet
from search.unmet import UnmetNeed, UnmetNeedReason
from tests.accounts.test_login import sign_in
from tests.referrals.conftest import SETTINGS, client_input

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
    # The hour is truncated (no minute to narrow a person down); it and the id are not
    # client values, and the clock's own digits must not be read as the client's age.
    assert (row.hour.minute, row.hour.second, row.hour.microsecond) == (0, 0, 0)
    kept = [str(getattr(row, c)) for c in sorted(columns - {"id", "hour"})]
    kept += [f"{c} {n}" for c, n in reasons(db, row).items()]
    text = " ".join(kept).lower()
    for client_value in ("17", "female", "youth", "unaccompanied", " es"):
        assert client_value not in text


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


# ------------------------------------------------------------------ the gap report


def at(day: str, hour: int = 9, minute: int = 30) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=dt.UTC)


@pytest.fixture
def gaps(db, fates, people, refer):
    """Five searches and matches that found nothing in October-November 2026 and two outside
    it, recorded as the views record them; by hand (period 2026-10-01 to 2026-11-30):
    - by need: dental clinic 3 (3 searches), emergency shelter 2 (2 matches);
    - by area: 43215 3 (2 searches, 1 match), 43004 1 (a search), no place 1 (a match);
    - by month: 2026-10 1 (a search), 2026-11 4 (2 searches, 2 matches);
    - by reason: capacity excluded 3 services in 2 matches, age 1 in 1, open 1 in 1.
    The referrals' fixture adds Team A's referral declined for no capacity (Food Pantry,
    11-05); here Team B's fails for no capacity (11-14)."""
    record = unmet.record
    record(db, kind="search", channel="page", need="dental clinic", area="43215", now=at("2026-11-02"))
    record(db, kind="search", channel="api", need="dental clinic", area="43215", now=at("2026-11-03"))
    record(db, kind="search", channel="api", need="dental clinic", area="43004", now=at("2026-10-15"))
    record(db, kind="match", channel="api", need="emergency shelter", area="43215", now=at("2026-11-05"),
           reasons={"age": 1, "capacity": 2}, candidates=3)  # fmt: skip
    record(db, kind="match", channel="page", need="emergency shelter", area=None, now=at("2026-11-20"),
           reasons={"capacity": 1, "open": 1}, candidates=2)  # fmt: skip
    record(db, kind="search", channel="api", need="legal aid", area="43215", now=at("2026-12-01", 0, 5))
    record(db, kind="search", channel="api", need="legal aid", area="43215", now=at("2026-09-30", 23, 59))
    theirs = refer(
        by=people.stranger, client=client_input(display_name="N. C."), need="Detox", now=at("2026-11-13")
    )
    services.transition(db, people.provider, theirs.id, "accepted", SETTINGS, now=at("2026-11-13", 11))
    services.transition(
        db, people.provider, theirs.id, "failed", SETTINGS, reason="no-capacity", now=at("2026-11-14")
    )
    db.flush()


PERIOD = Period.from_strings("2026-10-01", "2026-11-30")


def test_the_gap_report_gives_the_hand_counted_figures(db, gaps):
    report = unmet_need(db, PERIOD, Scope(None, everyone=True))
    assert (report.total, report.searches, report.matches) == (5, 3, 2)
    assert [(g.key, g.total, g.searches, g.matches) for g in report.by_need] == [
        ("dental clinic", 3, 3, 0), ("emergency shelter", 2, 0, 2),
    ]  # fmt: skip
    assert [(g.key, g.total, g.searches, g.matches) for g in report.by_area] == [
        ("43215", 3, 2, 1), ("43004", 1, 1, 0), (None, 1, 0, 1),
    ]  # fmt: skip
    assert [(g.key, g.total, g.searches, g.matches) for g in report.by_month] == [
        ("2026-10", 1, 1, 0), ("2026-11", 4, 2, 2),
    ]  # fmt: skip
    assert report.by_need_area == [
        ("dental clinic", "43215", 2), ("dental clinic", "43004", 1),
        ("emergency shelter", "43215", 1), ("emergency shelter", None, 1),
    ]  # fmt: skip
    assert [(r.code, r.services, r.matches) for r in report.by_reason] == [
        ("capacity", 3, 2), ("age", 1, 1), ("open", 1, 1),
    ]  # fmt: skip
    assert report.no_capacity == (1, 1)
    assert [(d.key, d.rejected, d.failed) for d in report.no_capacity_by_need] == [
        ("Detox", 0, 1), ("Food Pantry", 1, 0),
    ]  # fmt: skip


def test_a_team_sees_its_own_referrals_declined_for_no_capacity_only(db, gaps, people):
    team_a = unmet_need(db, PERIOD, Scope(people.coordinator.team_id))
    assert team_a.no_capacity == (1, 0)
    assert team_a.total == 5  # the searches and matches are nobody's: every coordinator sees them
    assert unmet_need(db, PERIOD, Scope(None)).no_capacity == (0, 0)


@pytest.fixture
def coordinator(client, gaps):
    assert sign_in(client, "coordinator@a.example.org").status_code == 302
    return client


QUERY = "?from=2026-10-01&to=2026-11-30"


def test_the_json_answer_has_the_same_figures(coordinator):
    resp = coordinator.get("/api/v1/metrics/unmet-need" + QUERY)
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["from"], body["to"], body["total"], body["searches"], body["matches"]) == (
        "2026-10-01", "2026-11-30", 5, 3, 2,
    )  # fmt: skip
    assert body["by_need"][0] == {"need": "dental clinic", "total": 3, "searches": 3, "matches": 0}
    assert body["by_area"][2] == {"area": None, "total": 1, "searches": 0, "matches": 1}
    assert body["by_reason"][0] == {"code": "capacity", "matches": 2, "services": 3}
    assert body["no_capacity"]["total"] == 1  # Team A's only


@pytest.mark.parametrize(("query", "param"), [("?from=2026-13-01", "from"), ("?to=soon", "to")])
def test_a_date_that_cannot_be_used_is_a_422_naming_it(coordinator, query, param):
    resp = coordinator.get("/api/v1/metrics/unmet-need" + query)
    assert resp.status_code == 422
    assert resp.get_json()["param"] == param


def test_the_page_shows_the_charts_and_tables_and_the_csv_the_same_rows(coordinator):
    page = html.unescape(coordinator.get("/dashboard/need" + QUERY).get_data(as_text=True))
    assert page.count("<svg") >= 4
    assert "dental clinic" in page
    assert "43004" in page
    assert "no capacity" in page
    resp = coordinator.get("/dashboard/need.csv" + QUERY + "&part=by_area")
    assert resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows == [["Area (ZIP)", "Found nothing", "Searches", "Matches"], ["43215", "3", "2", "1"],
                    ["43004", "1", "1", "0"], ["no place given", "1", "0", "1"]]  # fmt: skip


def test_the_page_keeps_a_wrong_date_and_says_what_is_wrong(coordinator):
    resp = coordinator.get("/dashboard/need?from=2026-13-01&to=2026-11-30")
    page = html.unescape(resp.get_data(as_text=True))
    assert 'value="2026-13-01"' in page
    assert 'aria-describedby="from-error"' in page


def test_the_page_is_in_spanish(coordinator):
    coordinator.get("/language/es")
    page = html.unescape(coordinator.get("/dashboard/need" + QUERY).get_data(as_text=True))
    assert "Necesidades no cubiertas" in page
    assert "sin plazas" in page


def test_a_search_that_found_nothing_shows_in_todays_report(client, db, shelters, people):
    client.get("/api/v1/search", query_string={"q": "dental clinic", "near": "43215"})
    assert sign_in(client, "coordinator@a.example.org").status_code == 302
    body = client.get("/api/v1/metrics/unmet-need").get_json()
    assert {"need": "dental clinic", "total": 1, "searches": 1, "matches": 0} in body["by_need"]
    assert {"area": "43215", "total": 1, "searches": 1, "matches": 0} in body["by_area"]
