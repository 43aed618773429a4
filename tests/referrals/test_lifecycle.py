"""The lifecycle table: every move, who may make it, the reasons it needs, and the event log
that is the truth (the status always equals the last event's `to`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from accounts.models import AuditEvent
from kernel.errors import Problem
from referrals import lifecycle, services
from referrals.models import Referral, ReferralEvent

from .conftest import NOW, SETTINGS, People


def _actors(people: People) -> dict[str, Any]:
    return {
        "worker": people.worker,
        "officer": people.officer,
        "coordinator": people.coordinator,
        "provider": people.provider,
        "stranger": people.stranger,
        "other_provider": people.other_provider,
        "admin": people.admin,
    }


def _expected(status: str, mode: str, who: str) -> set[str]:
    """What the table promises: the team (any role of it) its moves, and on a logged referral
    the provider's too; the receiving provider its moves on a live one once sent; nobody else."""
    moves = lifecycle.TRANSITIONS[status]
    if who in ("worker", "officer", "coordinator"):
        sides = {lifecycle.TEAM, lifecycle.PROVIDER} if mode == "logged" else {lifecycle.TEAM}
        return {to for to, side in moves.items() if side in sides}
    if who == "provider" and mode == "live" and status != "draft":
        return {to for to, side in moves.items() if side == lifecycle.PROVIDER}
    return set()


def _reason_for(to: str) -> str | None:
    if to == "completed":
        return "enrolled"
    return "no-capacity" if to in lifecycle.NEEDS_REASON else None


@pytest.mark.parametrize("mode", ["live", "logged"])
@pytest.mark.parametrize("status", lifecycle.STATUSES)
def test_every_move_from_every_status_by_every_actor(
    db: Session, people: People, bring, status, mode
) -> None:
    referral = bring(status, mode)
    for who, actor in _actors(people).items():
        expected = _expected(status, mode, who)
        for to in lifecycle.STATUSES:
            savepoint = db.begin_nested()
            allowed: set[str] | None = None
            try:
                services.transition(db, actor, referral.id, to, SETTINGS, reason=_reason_for(to), now=NOW)
                got: str | int = "moved"
            except Problem as refused:
                got = refused.status
                allowed = set(refused.extra.get("allowed", ()))
            finally:
                savepoint.rollback()
            db.expire_all()
            sees = who in ("worker", "officer", "coordinator") or (who == "provider" and status != "draft")
            want = "moved" if to in expected else (409 if sees else 404)
            assert got == want, f"{mode} {status} -> {to} by {who}: {got}, the table says {want}"
            if got == 409:
                assert allowed == expected, (who, status, to)


def test_the_status_always_equals_the_last_event(db: Session, people: People, refer) -> None:
    referral = refer()
    steps = [
        (people.provider, "on-hold", "other", "Need her ID number"),
        (people.provider, "accepted", None, None),
        (people.provider, "in-progress", None, None),
        (people.provider, "completed", "got help", None),
        (people.worker, "entered-in-error", None, "wrong client"),
    ]
    for actor, to, reason, note in steps:
        services.transition(db, actor, referral.id, to, SETTINGS, reason=reason, note=note, now=NOW)
        db.expire_all()
        fresh = db.get(Referral, referral.id)
        last = db.scalars(
            select(ReferralEvent)
            .where(ReferralEvent.referral_id == referral.id)
            .order_by(ReferralEvent.id.desc())
        ).first()
        assert fresh is not None
        assert last is not None
        assert fresh.status == last.to_status == to
    events = db.scalars(
        select(ReferralEvent).where(ReferralEvent.referral_id == referral.id).order_by(ReferralEvent.id)
    ).all()
    assert [(e.from_status, e.to_status) for e in events] == [
        (None, "requested"),
        ("requested", "on-hold"),
        ("on-hold", "accepted"),
        ("accepted", "in-progress"),
        ("in-progress", "completed"),
        ("completed", "entered-in-error"),
    ]
    assert events[1].reason == "other"
    assert events[1].note == "Need her ID number"
    assert events[4].reason == "got-help"  # the label was given; the code is kept
    assert {e.channel for e in events} == {"api"}
    assert events[1].actor == "intake@shelter.example.org"
    assert events[0].actor == "worker@a.example.org"


def test_the_event_log_refuses_update_and_delete(db: Session, refer) -> None:
    referral = refer()
    for sql in ("UPDATE referral_event SET to_status = 'completed'", "DELETE FROM referral_event"):
        savepoint = db.begin_nested()
        with pytest.raises(DatabaseError, match="append-only"):
            db.execute(
                text(sql + " WHERE referral_id = :id"),
                {"id": referral.id.hex if _sqlite(db) else referral.id},
            )
        savepoint.rollback()


def _sqlite(db: Session) -> bool:
    return db.get_bind().dialect.name == "sqlite"


@pytest.mark.parametrize("to", sorted(lifecycle.NEEDS_REASON))
def test_a_reason_is_required_for_rejected_cancelled_on_hold_and_failed(db, people, bring, to) -> None:
    start = "requested" if to in ("rejected", "cancelled", "on-hold") else "accepted"
    referral = bring(start)
    actor = people.worker if to == "cancelled" else people.provider
    with pytest.raises(Problem) as missing:
        services.transition(db, actor, referral.id, to, SETTINGS, now=NOW)
    assert missing.value.status == 422
    assert missing.value.param == "reason"
    assert "no-capacity (no capacity)" in missing.value.detail
    assert referral.status == start
    with pytest.raises(Problem) as unknown:
        services.transition(db, actor, referral.id, to, SETTINGS, reason="bad weather", now=NOW)
    assert unknown.value.status == 422
    assert unknown.value.param == "reason"
    services.transition(db, actor, referral.id, to, SETTINGS, reason="Client Declined", now=NOW)
    assert referral.status == to
    assert referral.events[-1].reason == "client-declined"


def test_other_needs_words_and_completed_needs_an_outcome(db, people, bring) -> None:
    referral = bring("accepted")
    with pytest.raises(Problem) as bare:
        services.transition(db, people.provider, referral.id, "failed", SETTINGS, reason="other", now=NOW)
    assert bare.value.param == "note"
    with pytest.raises(Problem) as no_outcome:
        services.transition(db, people.provider, referral.id, "completed", SETTINGS, now=NOW)
    assert no_outcome.value.param == "reason"
    assert "got-help (got help)" in no_outcome.value.detail
    with pytest.raises(Problem) as a_reason:  # a reason is not an outcome
        services.transition(db, people.provider, referral.id, "completed", SETTINGS, reason="no-capacity")
    assert a_reason.value.param == "reason"
    services.transition(db, people.provider, referral.id, "completed", SETTINGS, reason="waitlisted", now=NOW)
    assert referral.status == "completed"


def test_vocabularies_are_the_deployments(db, people, bring) -> None:
    settings = services.Settings.from_config(
        {"REFERRAL_REASONS": {"full": "no beds tonight"}, "REFERRAL_OUTCOMES": {"housed": "housed"}}
    )
    referral = bring("requested")
    with pytest.raises(Problem):
        services.transition(db, people.provider, referral.id, "rejected", settings, reason="no-capacity")
    services.transition(db, people.provider, referral.id, "rejected", settings, reason="No beds tonight")
    assert referral.events[-1].reason == "full"
    with pytest.raises(ValueError, match="no referral status"):
        services.Settings.from_config({"FOLLOW_UP_HOURS": {"asked": 3}})


def test_an_unknown_status_is_422_naming_to(db, people, refer) -> None:
    referral = refer()
    with pytest.raises(Problem) as refused:
        services.transition(db, people.provider, referral.id, "done", SETTINGS)
    assert refused.value.status == 422
    assert refused.value.param == "to"


def test_due_times_follow_the_status(db, people, refer) -> None:
    referral = refer()
    assert referral.due_at == NOW + dt.timedelta(hours=24)
    later = NOW + dt.timedelta(hours=2)
    services.transition(db, people.provider, referral.id, "accepted", SETTINGS, now=later)
    assert referral.due_at == later + dt.timedelta(hours=72)
    services.transition(db, people.provider, referral.id, "completed", SETTINGS, reason="enrolled", now=later)
    assert referral.due_at is None
    hours = services.Settings.from_config({"FOLLOW_UP_HOURS": {"requested": 2}})
    assert lifecycle.due_at("requested", NOW, hours.follow_up_hours) == NOW + dt.timedelta(hours=2)
    assert hours.follow_up_hours["accepted"] == 72


def test_every_move_is_audited(db, people, refer) -> None:
    referral = refer()
    services.transition(db, people.provider, referral.id, "accepted", SETTINGS, now=NOW)
    rows = db.scalars(
        select(AuditEvent.action).where(AuditEvent.record_id == str(referral.id)).order_by(AuditEvent.id)
    ).all()
    assert rows == ["referral_create", "referral_transition"]
