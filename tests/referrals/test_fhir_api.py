"""GET /api/v1/referrals/{id}/fhir with real tokens: the Bundle validates, the read is audited,
the Patient carries only the consented fields, and only the referral's team and receiving
provider may read it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import audit, tokens
from accounts.models import AuditEvent
from catalog.models import Service
from referrals import fhir_snapshot, services
from referrals.models import Referral
from tests.referrals.conftest import NOW, SETTINGS, People, consent_input


def bearer(db: Session, email: str, *scopes: str) -> dict[str, str]:
    made = tokens.create(db, email, list(scopes or ["referrals:read"]), audit.command_line())
    db.flush()
    return {"Authorization": f"Bearer {made.secret}"}


def get_bundle(client: Any, referral: Referral, headers: dict[str, str]) -> Any:
    return client.get(f"/api/v1/referrals/{referral.id}/fhir", headers=headers)


def by_type(body: dict[str, Any], kind: str) -> dict[str, Any]:
    (res,) = [e["resource"] for e in body["entry"] if e["resource"]["resourceType"] == kind]
    return res


def test_the_team_reads_a_valid_bundle_and_the_read_is_audited(
    db: Session, client: Any, people: People, refer: Any, shelter: Service
) -> None:
    referral = refer()
    resp = get_bundle(client, referral, bearer(db, people.worker.label))
    assert resp.status_code == 200, resp.get_json()
    assert resp.mimetype == "application/fhir+json"
    body = json.loads(resp.data)
    Bundle.model_validate(body)
    task = by_type(body, "Task")
    assert task["status"] == "requested"
    assert task["owner"]["display"] == shelter.organization.name
    assert task["requester"]["display"] == people.worker.label
    assert by_type(body, "HealthcareService")["name"] == shelter.name
    assert by_type(body, "Consent")["sourceAttachment"]["title"].startswith(
        f"Verbal consent, recorded in Linkage by {people.worker.label}"
    )
    patient = by_type(body, "Patient")
    assert patient["name"] == [{"text": "J. D."}]
    assert patient["birthDate"] == "1984"
    reads = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "read", AuditEvent.record_id == str(referral.id))
    ).all()
    assert [r.actor for r in reads] == [people.worker.label]


def test_a_field_the_consent_leaves_out_is_absent(
    db: Session, client: Any, people: People, refer: Any
) -> None:
    referral = refer(consent=consent_input(data=("display_name",)))
    body = json.loads(get_bundle(client, referral, bearer(db, people.worker.label)).data)
    patient = by_type(body, "Patient")
    assert set(patient) == {"resourceType", "id", "identifier", "name"}
    assert "1984" not in json.dumps(body)


def test_the_receiving_provider_reads_it_while_open(
    db: Session, client: Any, people: People, refer: Any
) -> None:
    referral = refer()
    headers = bearer(db, people.provider.label)
    body = json.loads(get_bundle(client, referral, headers).data)
    assert by_type(body, "Patient")["name"] == [{"text": "J. D."}]
    services.transition(db, people.provider, referral.id, "rejected", SETTINGS, reason="no-capacity", now=NOW)
    db.flush()
    closed = json.loads(get_bundle(client, referral, headers).data)
    task = by_type(closed, "Task")
    assert task["status"] == "rejected"
    assert task["statusReason"] == {
        "coding": [{"code": "no-capacity", "display": "no capacity"}],
        "text": "no capacity",
    }
    # A closed referral shows the provider no client data any more.
    assert set(by_type(closed, "Patient")) == {"resourceType", "id", "identifier"}


def test_another_team_or_provider_gets_404_and_a_token_without_the_scope_403(
    db: Session, client: Any, people: People, refer: Any
) -> None:
    referral = refer()
    assert get_bundle(client, referral, bearer(db, people.stranger.label)).status_code == 404
    assert get_bundle(client, referral, bearer(db, people.other_provider.label)).status_code == 404
    refused = get_bundle(client, referral, bearer(db, people.worker.label, "catalog:read"))
    assert refused.status_code == 403
    assert refused.get_json()["required_scope"] == "referrals:read"
    assert (
        client.get("/api/v1/referrals/not-an-id/fhir", headers=bearer(db, people.worker.label)).status_code
        == 404
    )
    assert get_bundle(client, referral, {}).status_code == 401


def test_other_reason_carries_its_words(db: Session, people: People, refer: Any) -> None:
    referral = refer()
    services.transition(
        db, people.worker, referral.id, "cancelled", SETTINGS, reason="other", note="moved to family", now=NOW
    )
    snap = fhir_snapshot.snapshot(db, referral, people.worker, now=NOW + dt.timedelta(minutes=1))
    assert snap.reason is not None
    assert (snap.reason.code, snap.reason.text) == ("other", "moved to family")
    assert snap.consent is not None
    assert not snap.consent.part_2


def test_do_not_contact_reaches_the_request_even_unshared(db: Session, people: People, refer: Any) -> None:
    from tests.referrals.conftest import client_input

    referral = refer(
        client=client_input(contact_preference="do_not_contact"),
        consent=consent_input(data=("display_name",)),
    )
    snap = fhir_snapshot.snapshot(db, referral, people.provider, now=NOW)
    assert snap.client.contact_preference == "do_not_contact"
    assert snap.client.birth_year is None  # the provider may not read it
