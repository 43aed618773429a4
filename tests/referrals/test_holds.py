"""Holds: one unit of capacity taken at once, given back when it expires (decided when read)
or when the referral is cancelled or rejected, the person's place once accepted; what the
service page, search and matching show as free is one rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session

from catalog import capacity, facts
from catalog.models import Service
from kernel.errors import Problem
from referrals import services

from .conftest import NOW, SETTINGS, People

STALE_HOURS = 24.0


def _free(db: Session, svc: Service, now: dt.datetime) -> float:
    figure = svc.capacities[0]
    return capacity.free_now(db, figure, now)


def test_a_hold_takes_one_place_and_expires_by_itself(db: Session, shelter: Service, refer) -> None:
    assert _free(db, shelter, NOW) == 3
    made = refer(hold=True)
    assert made.hold is not None
    assert made.hold.expires_at == NOW + dt.timedelta(minutes=SETTINGS.hold_minutes)
    assert made.hold.state(NOW) == "active"
    assert _free(db, shelter, NOW) == 2
    later = made.hold.expires_at + dt.timedelta(seconds=1)
    assert _free(db, shelter, later) == 3  # no process ran: the read decides
    assert made.hold.state(later) == "expired"


@pytest.mark.parametrize(
    ("by", "to", "reason"),
    [("worker", "cancelled", "client-declined"), ("provider", "rejected", "no-capacity")],
)
def test_cancel_or_reject_gives_the_place_back(db, people: People, shelter, refer, by, to, reason) -> None:
    made = refer(hold=True)
    assert _free(db, shelter, NOW) == 2
    services.transition(db, getattr(people, by), made.id, to, SETTINGS, reason=reason, now=NOW)
    assert _free(db, shelter, NOW) == 3
    assert made.hold is not None
    assert made.hold.state(NOW) == "released"


def test_an_accepted_hold_is_the_persons_place_until_the_next_figure(db, people, shelter, refer) -> None:
    made = refer(hold=True)
    services.transition(db, people.provider, made.id, "accepted", SETTINGS, now=NOW)
    far = NOW + dt.timedelta(days=2)  # long after the hold would have expired
    assert made.hold is not None
    assert made.hold.state(far) == "accepted"
    assert _free(db, shelter, far) == 2
    figure = shelter.capacities[0]
    figure.available, figure.updated = 2, far  # the provider reports again: it counts the person
    db.flush()
    assert _free(db, shelter, far) == 2


def test_no_place_left_is_409_and_changes_nothing(db, shelter, refer) -> None:
    for _ in range(3):
        refer(hold=True)
    assert _free(db, shelter, NOW) == 0
    savepoint = db.begin_nested()
    with pytest.raises(Problem) as full:
        refer(hold=True)
    savepoint.rollback()
    assert full.value.status == 409
    assert full.value.param == "hold"
    assert "No place is left" in full.value.detail
    assert _free(db, shelter, NOW + dt.timedelta(hours=3)) == 3


def test_a_service_without_capacity_cannot_be_held(db, make_service, refer) -> None:
    pantry = make_service("Harbor Pantry")
    with pytest.raises(Problem) as refused:
        refer(service_id=pantry.id, hold=True)
    assert refused.value.status == 422
    assert refused.value.param == "hold"


def test_the_service_page_facts_subtract_holds_through_the_rule(db, shelter, refer) -> None:
    refer(hold=True)
    held = capacity.held_counts(db, [c.id for c in shelter.capacities], NOW)
    shown = facts.capacities(shelter, NOW, STALE_HOURS, held)
    assert [(c.available, c.maximum) for c in shown] == [(2, 20)]
    assert [c.available for c in facts.capacities(shelter, NOW, STALE_HOURS)] == [3]  # the figure alone


def test_the_rule_never_shows_fewer_than_none(db) -> None:
    from catalog import rules

    assert rules.free_places("bed", 1, 5, NOW, NOW, 24, held=3).available == 0
    assert rules.free_places("bed", 4, 5, NOW, NOW, 24, held=1).available == 3
    assert rules.free_places("bed", 4, 5, NOW, NOW, 24).held == 0


def _reported_just_now(db: Session, svc: Service, now: dt.datetime) -> None:
    """The API reads the wall clock: the figure is made an hour old by it, so it is fresh on any day."""
    svc.capacities[0].updated = now - dt.timedelta(hours=1)
    db.flush()


def test_search_and_match_show_the_held_place(app, db, shelter, refer, client: Any) -> None:
    now = dt.datetime.now(dt.UTC)
    _reported_just_now(db, shelter, now)
    refer(hold=True, now=now)
    found = client.get("/api/v1/search", query_string={"q": "Harbor Night Shelter"}).get_json()
    item = next(r for r in found["results"] if r["name"] == "Harbor Night Shelter")
    assert [c["available"] for c in item["capacity"]] == [2]
    matched = client.post(
        "/api/v1/match", json={"services": [str(shelter.id)], "needs": ["shelter"]}
    ).get_json()
    rows = matched.get("matches", []) + matched.get("excluded", [])
    caps = [c for m in rows for c in m["capacity"]]
    assert caps
    assert {c["available"] for c in caps} == {2}


def test_search_for_a_free_place_leaves_out_a_service_whose_places_are_all_held(
    db, shelter, refer, client
) -> None:
    now = dt.datetime.now(dt.UTC)
    _reported_just_now(db, shelter, now)
    query = {"q": "Harbor Night Shelter", "available": "1"}

    def names() -> list[str]:
        return [r["name"] for r in client.get("/api/v1/search", query_string=query).get_json()["results"]]

    assert "Harbor Night Shelter" in names()
    for _ in range(3):
        refer(hold=True, now=now)
    assert "Harbor Night Shelter" not in names()
