"""Stale capacity figures: a maximum age per kind of unit, one sentence, and what they count for.

A figure older than its unit's maximum age (12 h for beds, 7 days for a waitlist, 24 h for
other units by default) reads "last known 3 of 10 beds free, 14 h ago" on the service page,
in search results and in matches; it never passes "places free now" and counts less in the
search ranking and in matching's score.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

import phrases
from app import create_app
from catalog import rules
from catalog.models import ServiceCapacity, Unit
from matching import rank
from tests.matching.match_factories import NOW, cand, person
from tests.search.conftest import names

HOURS = dt.timedelta(hours=1)


@pytest.fixture
def api(client: Any) -> Any:
    def call(**params: Any) -> dict[str, Any]:
        resp = client.get("/api/v1/search", query_string=params)
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()

    return call


ES = {"Accept-Language": "es"}


def _ago(hours: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - hours * HOURS


# ---------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("bed", "bed"),
        ("Women's beds", "bed"),
        ("family rooms", "bed"),
        ("cots", "bed"),
        ("waitlist", "waitlist"),
        ("Waiting list for beds", "waitlist"),
        ("wait_list", "waitlist"),
        ("appointment", "slot"),
        ("intake slots", "slot"),
        ("vouchers", "other"),
        (None, "other"),
    ],
)
def test_the_kind_of_a_unit_is_read_from_its_name(name: str | None, kind: str) -> None:
    assert rules.unit_kind(name) == kind


def test_beds_go_stale_after_12_hours_a_waitlist_after_7_days_others_after_24() -> None:
    now = dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC)
    ages = rules.MaxAges()

    def stale(unit: str, hours: float) -> bool:
        return rules.free_places(unit, 3, 10, now - hours * HOURS, now, ages).stale

    assert not stale("bed", 11.9)
    assert stale("bed", 12.1)
    assert not stale("waitlist", 24 * 6.9)
    assert stale("waitlist", 24 * 7.1)
    assert not stale("appointment", 23)
    assert stale("appointment", 25)


def test_the_maximum_ages_are_deployment_settings(tmp_path: Any, database_url: str) -> None:
    app = create_app(
        {
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": database_url,
            "TESTING": True,
            "SECRET_KEY": "x",
            "CAPACITY_STALE_HOURS_BEDS": 2.0,
            "CAPACITY_STALE_HOURS_WAITLIST": 48.0,
            "CAPACITY_STALE_HOURS": 6.0,
        }
    )
    assert rules.MaxAges.from_config(app.config) == rules.MaxAges(bed=2, waitlist=48, other=6)
    defaults = create_app({"DATA_DIR": str(tmp_path), "DATABASE_URL": database_url, "SECRET_KEY": "x"})
    assert rules.MaxAges.from_config(defaults.config) == rules.MaxAges(bed=12, waitlist=168, other=24)


def test_one_sentence_says_a_figure_and_its_age_fresh_or_stale() -> None:
    now = dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC)
    stale = phrases.figure(3, 10, "bed", now - 14 * HOURS, now, True)
    assert stale == "last known 3 of 10 beds free, 14 h ago"
    assert phrases.figure(3, None, "bed", now - dt.timedelta(minutes=20), now, False) == (
        "3 beds free, updated 20 min ago"
    )
    assert phrases.figure(14, None, "waitlist", now - 9 * 24 * HOURS, now, True, "waitlist") == (
        "last known 14 waiting, 9 days ago"
    )


def test_the_sentence_in_spanish(app: Any) -> None:
    now = dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC)
    with app.test_request_context("/", headers=ES):
        text = phrases.figure(3, 10, "bed", now - 14 * HOURS, now, True)
        assert text == "último dato: 3 de 10 camas libres, hace 14 h"
        assert phrases.figure(2, None, "waitlist", now, now, False, "waitlist").startswith("2 en espera")
    assert phrases.figure(3, 10, "bed", now - 14 * HOURS, now, True).startswith("last known")


# ---------------------------------------------------------------- search


def _figure(db: Any, service: Any, unit_name: str, available: float, updated: dt.datetime) -> None:
    unit = Unit(id=uuid.uuid4(), name=unit_name)
    service.capacities.append(
        ServiceCapacity(id=uuid.uuid4(), unit=unit, available=available, maximum=None, updated=updated)
    )
    db.flush()


def test_a_stale_figure_never_passes_the_places_free_filter(api: Any, make_service: Any, db: Any) -> None:
    make_service("Fresh Shelter", beds=3, beds_max=10, beds_updated=_ago(10))
    make_service("Stale Shelter", beds=3, beds_max=10, beds_updated=_ago(14))
    slots = make_service("Slots Shelter")
    _figure(db, slots, "appointment", 2, _ago(14))  # 14 h is fresh for appointments (24 h)
    waiting = make_service("Waiting Shelter")
    _figure(db, waiting, "waitlist", 9, _ago(1))  # people waiting are not places free
    assert sorted(names(api(q="shelter", available="true"))) == ["Fresh Shelter", "Slots Shelter"]
    # the same read afresh, where SQL narrows the read (no kept match sets)
    assert sorted(names(api(q="shelter", available="true", page=1))) == ["Fresh Shelter", "Slots Shelter"]


def test_search_results_say_last_known_with_the_age(api: Any, make_service: Any) -> None:
    make_service("Stale Shelter", beds=3, beds_max=10, beds_updated=_ago(14))
    cap = api(q="shelter")["results"][0]["capacity"][0]
    assert cap["stale"] is True
    assert (cap["kind"], cap["max_age_hours"]) == ("bed", 12.0)
    assert cap["sentence"] == "last known 3 of 10 beds free, 14 h ago"


def test_the_search_page_shows_the_stale_sentence_in_both_languages(client: Any, make_service: Any) -> None:
    make_service("Stale Shelter", beds=3, beds_max=10, beds_updated=_ago(14))
    assert "last known 3 of 10 beds free, 14 h ago" in client.get("/search?q=shelter").text
    assert "último dato: 3 de 10 camas libres, hace 14 h" in client.get("/search?q=shelter", headers=ES).text


def test_a_stale_figure_counts_less_in_the_search_ranking(api: Any, make_service: Any) -> None:
    # Three shelters the text scores alike, made in this order (the tie-break without capacity).
    make_service("Alpha Shelter", beds=3, beds_updated=_ago(14))  # places free, but stale
    make_service("Bravo Shelter")  # no figure
    make_service("Delta Shelter", beds=3, beds_updated=_ago(1))  # places free, fresh
    make_service("Gamma Shelter", beds=0, beds_updated=_ago(1))  # fresh and full
    order = names(api(q="shelter"))
    assert order.index("Delta Shelter") < order.index("Alpha Shelter") < order.index("Bravo Shelter")
    assert order.index("Alpha Shelter") < order.index("Gamma Shelter")
    assert order[0] == "Delta Shelter"


# ---------------------------------------------------------------- the service page


def test_the_service_page_says_last_known(client: Any, make_service: Any) -> None:
    stale = make_service("Stale Shelter", beds=3, beds_max=10, beds_updated=_ago(14))
    fresh = make_service("Fresh Shelter", beds=3, beds_max=10, beds_updated=_ago(0.5))
    html = client.get(f"/services/{stale.id}").text
    assert "<strong>last known 3 of 10 beds free, 14 h ago</strong>" in html
    assert 'data-stale="true" data-kind="bed"' in html
    assert "Not recent: call to check" in html
    fresh_html = client.get(f"/services/{fresh.id}").text
    assert "<strong>3 of 10 beds free, updated 30 min ago</strong>" in fresh_html
    spanish = client.get(f"/services/{stale.id}", headers=ES).text
    assert "último dato: 3 de 10 camas libres, hace 14 h" in spanish


# ---------------------------------------------------------------- matching


def test_a_stale_figure_counts_less_in_matching() -> None:
    fresh = cand("fresh", beds=3, updated=NOW - 1 * HOURS)
    stale = cand("stale", beds=3, updated=NOW - 14 * HOURS)
    untracked = cand("untracked")
    result = rank(person(), [stale, untracked, fresh], NOW)
    score = {m.service_id: m.components["capacity"] for m in result.matches}
    assert score["fresh"] > score["stale"] == score["untracked"]
    stale_match = next(m for m in result.matches if m.service_id == "stale")
    assert "last known 3 of 40 beds free, 14 h ago" in stale_match.reasons
    assert stale_match.facts.capacity[0]["stale"] is True


def test_a_stale_count_decides_nothing_in_matching_but_a_fresh_one_does() -> None:
    # 11 h old beds are fresh (12 h), and full: excluded. 13 h old: stale, kept and flagged.
    result = rank(
        person(urgency="tonight"),
        [
            cand("full-fresh", beds=0, updated=NOW - 11 * HOURS),
            cand("full-stale", beds=0, updated=NOW - 13 * HOURS),
        ],
        NOW,
    )
    assert [m.service_id for m in result.matches] == ["full-stale"]
    assert [e.service_id for e in result.excluded] == ["full-fresh"]


def test_the_match_api_states_the_stale_figure(client: Any, make_service: Any) -> None:
    svc = make_service("Stale Shelter", beds=3, beds_max=10, beds_updated=_ago(14))
    body = {"services": [str(svc.id)], "location": {"lat": 39.9612, "lon": -82.9988}}
    resp = client.post("/api/v1/match", json=body)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    match = resp.get_json()["matches"][0]
    assert match["capacity"][0]["stale"] is True
    assert "last known 3 of 10 beds free, 14 h ago" in match["reasons"]
    page = client.post("/match", data={"needs": "shelter", "location": "39.9612, -82.9988"}, headers=ES).text
    assert "último dato: 3 de 10 camas libres, hace 14 h" in page
