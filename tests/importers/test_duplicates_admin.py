"""The administrators' duplicate-review queue (/admin/duplicates): a pair side by side with
its sources and score; keeping one makes the other inactive through the change log; keeping
them apart is remembered, so a re-import does not propose the pair again."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Metadata, Service, ServiceStatus
from importers.models import DuplicateCandidate, DuplicateStatus
from importers.operations import run_import
from tests.accounts.test_login import csrf, sign_in
from tests.catalog.test_capacity_api import _user
from tests.importers.test_import_parts import _pantry


@pytest.fixture
def pair(db: Session, tmp_path: Path) -> tuple[str, str, DuplicateCandidate]:
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    run_import(db, str(_pantry(tmp_path, "county", a, "(614) 555-0100")), source="county")
    run_import(db, str(_pantry(tmp_path, "211", b, "614.555.0100")), source="211")
    cand = db.scalars(select(DuplicateCandidate)).one()
    return a, b, cand


@pytest.fixture
def admin(app: Any, db: Session) -> Any:
    client = app.test_client()
    _user(db, "admin@example.org", "admin")
    assert sign_in(client, "admin@example.org").status_code == 302
    return client


def _post(client: Any, path: str, **data: str) -> Any:
    return client.post(path, data={**data, "csrf_token": csrf(client, "/admin/duplicates")})


def test_the_queue_shows_both_records_with_their_sources_and_score(admin: Any, pair: Any) -> None:
    a, b, cand = pair
    html = admin.get("/admin/duplicates").text
    assert f"Score {cand.score} of 100" in html
    assert "county (" in html
    assert "211 (" in html
    assert "6145550100" in html  # the phone both share
    assert "12 oak st columbus" in html
    assert html.count('name="keep" value="') == 2
    assert f'value="{a}"' in html
    assert f'value="{b}"' in html
    assert "Different services: keep both" in html
    assert "/admin/duplicates" in admin.get("/admin/users").text  # in the admin menu


def test_keeping_one_makes_the_other_inactive_through_the_change_log(
    admin: Any, db: Session, pair: Any
) -> None:
    a, b, cand = pair
    done = _post(admin, f"/admin/duplicates/{cand.id}/merge", keep=b)
    assert done.status_code == 303
    assert "Merged: the other record is now inactive." in admin.get("/admin/duplicates").text
    db.expire_all()
    assert db.get(Service, uuid.UUID(a)).status == ServiceStatus.inactive  # type: ignore[union-attr]
    assert db.get(Service, uuid.UUID(b)).status == ServiceStatus.active  # type: ignore[union-attr]
    decided = db.get(DuplicateCandidate, cand.id)
    assert decided is not None
    assert (decided.status, decided.kept, decided.decided_by) == (
        DuplicateStatus.merged,
        uuid.UUID(b),
        "admin@example.org",
    )
    logged = db.scalars(
        select(Metadata).where(Metadata.resource_id == uuid.UUID(a), Metadata.field_name == "status")
    ).one()
    assert (logged.previous_value, logged.replacement_value, logged.updated_by) == (
        "active",
        "inactive",
        "admin@example.org",
    )
    decision = db.scalars(select(Metadata).where(Metadata.resource_id == cand.id)).one()
    assert decision.replacement_value == "merged"
    # Decided: it leaves the queue, and deciding it again is a conflict that changes nothing.
    assert f"pair-{cand.id}" not in admin.get("/admin/duplicates").text
    again = _post(admin, f"/admin/duplicates/{cand.id}/keep-apart")
    assert again.status_code == 409
    db.expire_all()
    assert db.get(DuplicateCandidate, cand.id).status == DuplicateStatus.merged  # type: ignore[union-attr]


def test_kept_apart_is_remembered_and_not_proposed_again(
    admin: Any, db: Session, pair: Any, tmp_path: Path
) -> None:
    a, b, cand = pair
    assert _post(admin, f"/admin/duplicates/{cand.id}/keep-apart").status_code == 303
    assert "No pair is waiting for a decision." in admin.get("/admin/duplicates").text
    db.expire_all()
    assert db.get(Service, uuid.UUID(a)).status == ServiceStatus.active  # type: ignore[union-attr]
    assert db.get(Service, uuid.UUID(b)).status == ServiceStatus.active  # type: ignore[union-attr]
    report = run_import(db, str(_pantry(tmp_path, "211", b, "614.555.0100")), source="211")
    assert report.duplicates == []
    assert db.scalars(select(DuplicateCandidate)).one().status == DuplicateStatus.kept_apart


def test_a_record_not_of_the_pair_is_refused_and_changes_nothing(
    admin: Any, db: Session, pair: Any, make_service: Any
) -> None:
    a, b, cand = pair
    stranger = make_service("Someone Else")
    answer = _post(admin, f"/admin/duplicates/{cand.id}/merge", keep=str(stranger.id))
    assert answer.status_code == 409
    db.expire_all()
    assert db.get(DuplicateCandidate, cand.id).status == DuplicateStatus.open  # type: ignore[union-attr]
    assert db.get(Service, uuid.UUID(a)).status == ServiceStatus.active  # type: ignore[union-attr]
    assert _post(admin, f"/admin/duplicates/{uuid.uuid4()}/keep-apart").status_code == 404


def test_only_admins_decide_and_only_with_the_csrf_token(
    app: Any, db: Session, admin: Any, pair: Any
) -> None:
    a, b, cand = pair
    coordinator = app.test_client()
    _user(db, "coordinator@example.org", "coordinator")
    assert sign_in(coordinator, "coordinator@example.org").status_code == 302
    assert coordinator.get("/admin/duplicates").status_code == 403
    assert coordinator.post(f"/admin/duplicates/{cand.id}/keep-apart").status_code == 403
    assert admin.post(f"/admin/duplicates/{cand.id}/keep-apart").status_code == 400
    db.expire_all()
    assert db.get(DuplicateCandidate, cand.id).status == DuplicateStatus.open  # type: ignore[union-attr]


def test_the_queue_is_in_spanish(admin: Any, pair: Any) -> None:
    html = admin.get("/admin/duplicates", headers={"Accept-Language": "es"}).text
    assert "Posibles duplicados" in html
