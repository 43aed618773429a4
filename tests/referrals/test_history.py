"""Follow-through from real referrals: counted per service in one query, wired into the app,
and a provider that declines everything ranks below an equal one that accepts (/api/v1/match)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from catalog.models import Service
from referrals import history, services
from tests.referrals.conftest import NOW, SETTINGS, People


def answer(db: Session, by: Any, referral: Any, to: str, at: dt.datetime, reason: str | None = None) -> None:
    services.transition(db, by, referral.id, to, SETTINGS, reason=reason, note="n", now=at)


def test_counts_sent_accepted_completed_and_the_time_to_answer(
    db: Session, people: People, shelter: Service, refer: Any
) -> None:
    accepted = refer(now=NOW)
    answer(db, people.provider, accepted, "accepted", NOW + dt.timedelta(hours=2))
    done = refer(now=NOW)
    answer(db, people.provider, done, "accepted", NOW + dt.timedelta(hours=4))
    answer(db, people.provider, done, "completed", NOW + dt.timedelta(hours=30), "got-help")
    declined = refer(now=NOW)
    answer(db, people.provider, declined, "rejected", NOW + dt.timedelta(hours=6), "no-capacity")
    # Not held against the provider: withdrawn before an answer, a mistake, still waiting.
    withdrawn = refer(now=NOW)
    answer(db, people.worker, withdrawn, "cancelled", NOW + dt.timedelta(hours=1), "client-declined")
    mistake = refer(now=NOW)
    answer(db, people.worker, mistake, "entered-in-error", NOW + dt.timedelta(hours=1))
    refer(now=NOW + dt.timedelta(hours=40))  # sent 8 h before `at`: within the answer window
    ignored = refer(now=NOW)  # 48 h unanswered: counts as sent, not accepted
    assert ignored.status == "requested"
    at = NOW + dt.timedelta(hours=48)
    counts = history.follow_through(db, [shelter.id], now=at)
    total, took, completed, hours = counts[shelter.id]
    assert (total, took, completed) == (4, 2, 1)
    assert hours is not None
    assert abs(hours - 4.0) < 0.01


def test_one_query_for_any_number_of_services(db: Session, shelter: Service, make_service: Any) -> None:
    others = [make_service(f"Shelter {i}").id for i in range(5)]
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        result = history.follow_through(db, [shelter.id, *others])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert result == {}
    assert len([s for s in statements if "referral" in s]) == 1
    assert history.follow_through(db, []) == {}


def match(client: Any, *service_ids: Any) -> list[dict[str, Any]]:
    body = {"services": [str(s) for s in service_ids], "location": {"lat": 39.9612, "lon": -82.9988}}
    resp = client.post("/api/v1/match", json=body)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["matches"]


def test_a_provider_that_declines_everything_ranks_below_one_that_accepts(
    db: Session, client: Any, people: People, refer: Any, make_service: Any, make_org: Any
) -> None:
    # Two equal shelters at one place; the one that declines is first by name.
    decliner = make_service("Anchor Shelter", organization=people.organization)
    acceptor_org = make_org("Beacon Shelter Inc.")
    acceptor = make_service("Beacon Shelter", organization=acceptor_org)
    db.flush()
    before = {m["service_id"]: m for m in match(client, decliner.id, acceptor.id)}
    assert before[str(decliner.id)]["score"] == before[str(acceptor.id)]["score"]

    for _ in range(6):
        # The decliner answers on Linkage; the acceptor by phone, the worker logging its answer.
        no = refer(service_id=decliner.id, now=NOW)
        answer(db, people.provider, no, "rejected", NOW + dt.timedelta(hours=1), "no-capacity")
        yes = refer(service_id=acceptor.id, mode="logged", now=NOW)
        answer(db, people.worker, yes, "accepted", NOW + dt.timedelta(hours=1))
    db.flush()

    ranked = match(client, decliner.id, acceptor.id)
    assert [m["service_id"] for m in ranked] == [str(acceptor.id), str(decliner.id)]
    assert ranked[0]["components"]["follow_through"] > ranked[1]["components"]["follow_through"]
    assert "accepted 0 of 6 referrals, 0 completed, answered in 1 h on average" in ranked[1]["reasons"]


def test_proposals_read_only_the_team_s_clients_and_audit_the_ones_shown(
    db: Session, people: People, refer: Any
) -> None:
    from sqlalchemy import select

    from accounts.models import AuditEvent
    from referrals import repeat
    from tests.referrals.conftest import client_input

    ours = refer(client=client_input(display_name="John Smith", birth_year=1984)).client
    refer(client=client_input(display_name="Maria Okafor", birth_year=1979))
    theirs = refer(by=people.stranger, client=client_input(display_name="John Smith", birth_year=1984)).client
    db.flush()
    found = history.proposals(db, people.worker, repeat.Person("J. Smith", 1984), now=NOW)
    assert [p.client_id for p in found] == [ours.id]
    assert found[0].describe() == "name 90% alike, same birth year"
    shown = db.scalars(
        select(AuditEvent.record_id).where(AuditEvent.action == "read", AuditEvent.record_type == "client")
    ).all()
    assert shown == [str(ours.id)]
    assert theirs.id not in {
        p.client_id for p in history.proposals(db, people.worker, repeat.Person("John Smith"))
    }
    assert history.proposals(db, people.provider, repeat.Person("John Smith")) == []
