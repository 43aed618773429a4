"""Every catalog change is written to the HSDS metadata log, and capacity keeps its history."""

from __future__ import annotations

from sqlalchemy import select

from catalog.models import CapacityHistory, Metadata


def test_edit_is_logged_with_previous_and_new_value(db, make_service):
    svc = make_service("Eastside Pantry")
    db.info["actor"] = "coordinator@example.org"
    svc.name = "Eastside Community Pantry"
    db.flush()
    rows = db.scalars(
        select(Metadata).where(Metadata.resource_id == svc.id, Metadata.last_action_type == "update")
    ).all()
    assert [(r.field_name, r.previous_value, r.replacement_value, r.updated_by) for r in rows] == [
        ("name", "Eastside Pantry", "Eastside Community Pantry", "coordinator@example.org")
    ]
    assert rows[0].last_action_date.endswith("Z")


def test_create_and_delete_are_logged(db, make_service):
    svc = make_service("Temporary Warming Center")
    sid = svc.id
    created = db.scalars(select(Metadata).where(Metadata.resource_id == sid)).all()
    assert [r.last_action_type for r in created] == ["create"]
    db.delete(svc)
    db.flush()
    actions = {r.last_action_type for r in db.scalars(select(Metadata).where(Metadata.resource_id == sid))}
    assert actions == {"create", "delete"}


def test_every_capacity_change_writes_history(db, make_service):
    svc = make_service("Harbor Night Shelter", beds=3, beds_max=40)
    cap = svc.capacities[0]
    db.info["channel"] = "provider-page"
    cap.available = 1
    db.flush()
    cap.available = 0
    db.flush()
    hist = db.scalars(
        select(CapacityHistory)
        .where(CapacityHistory.capacity_id == cap.id)
        .order_by(CapacityHistory.changed_at)
    ).all()
    assert [(h.previous_available, h.available) for h in hist] == [(None, 3), (3, 1), (1, 0)]
    assert hist[-1].channel == "provider-page"


def test_unchanged_assignment_is_not_logged(db, make_service):
    svc = make_service("Quiet Service")
    svc.name = "Quiet Service"
    db.flush()
    assert not db.scalars(
        select(Metadata).where(Metadata.resource_id == svc.id, Metadata.last_action_type == "update")
    ).all()
