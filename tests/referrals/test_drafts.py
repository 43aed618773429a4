"""Completing a draft (/referrals/<id>/complete): an officer saves a referral as a draft at the
scene, from a field result's or a match's "Refer" link; a social worker of the same team
finds it among the team's drafts, records the client's consent and sends it (the event, the
audit row and the provider's e-mail in the outbox, as for a new referral); another team
neither sees nor completes it; consent missing keeps what was typed with the sentence on its
field and writes nothing."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from accounts.models import AuditEvent
from catalog.models import Service
from kernel.db import utcnow
from kernel.outbox import OutboxMessage
from referrals.models import Consent, Referral
from tests.accounts.test_login import csrf, sign_in

from .test_link_pages import mail_on
from .test_referral_form import SHELTER_TERM, fill, made


@pytest.fixture
def shelter(make_service: Any, make_org: Any) -> Service:
    """An emergency shelter with free beds and an intake address (the provider's e-mail)."""
    found = make_service(
        "Harbor Night Shelter",
        organization=make_org("Harbor Shelter Inc."),
        beds=3,
        beds_max=20,
        beds_updated=utcnow() - dt.timedelta(hours=1),
        terms=(SHELTER_TERM,),
    )
    found.email = "intake@harbor.example.org"
    return found


def officer_draft(client, shelter: Service, db, **kw: Any) -> Referral:
    """The officer at the scene: the client's initials, no consent yet, saved as a draft."""
    assert sign_in(client, "officer@a.example.org").status_code == 302
    data = fill(client, shelter, action="draft", consent_given="no", consent_method=None, **kw)
    resp = client.post("/referrals/new", data=data)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    [referral] = made(db)
    assert referral.status == "draft"
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    return referral


def completion(client, referral: Referral, **kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "csrf_token": csrf(client, f"/referrals/{referral.id}/complete"),
        "consent_given": "yes",
        "consent_method": "written",
        "consent_data": ["display_name", "birth_year"],
        "need": "Emergency Shelter",
        "mode": "live",
        "note": "Checked with the client by phone.",
    }
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def test_an_officer_draft_from_a_field_result_is_completed_by_a_social_worker(
    app, client, people, shelter, db
) -> None:
    mail_on(app)  # the provider's e-mail goes into the outbox, as for a new referral
    assert sign_in(client, "officer@a.example.org").status_code == 302
    page = client.get("/field?need=shelter&lat=39.9612&lon=-82.9988").get_data(as_text=True)
    assert "/referrals/new?" in page  # the field result's Refer link opens the form
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    referral = officer_draft(client, shelter, db)

    assert sign_in(client, "worker@a.example.org").status_code == 302
    drafts = client.get("/referrals?status=draft").get_data(as_text=True)
    assert f"/referrals/{referral.id}" in drafts
    assert "Drafts to complete and send" in drafts
    detail = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert f'href="/referrals/{referral.id}/complete"' in detail
    form = client.get(f"/referrals/{referral.id}/complete")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert "Rosa M." in page  # the client the officer wrote down
    assert 'value="Arrives by bus around 9 pm."' in page or "Arrives by bus around 9 pm." in page
    assert 'value="no" checked' in page  # the draft's refusal is shown, to be changed

    resp = client.post(f"/referrals/{referral.id}/complete", data=completion(client, referral))
    assert resp.status_code == 303, resp.get_data(as_text=True)
    assert resp.headers["Location"].endswith(f"/referrals/{referral.id}")
    db.expire_all()
    referral = db.get_one(Referral, referral.id)
    assert referral.status == "requested"
    assert referral.due_at is not None
    assert referral.note == "Checked with the client by phone."
    assert [e.to_status for e in referral.events] == ["draft", "requested"]
    assert referral.events[-1].actor == "worker@a.example.org"
    given = db.get_one(Consent, referral.consent_id)
    assert (given.given, given.method, given.fields) == (True, "written", ("display_name", "birth_year"))
    assert given.recorded_by == people.worker.user_id
    assert given.organization_id == shelter.organization_id
    actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.record_id == str(referral.id))))
    assert {"referral_complete", "referral_transition"} <= actions
    queued = db.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == f"referral:{referral.id}:sent")
    )
    assert len(list(queued)) == 1
    shown = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "The draft is sent to the provider." in shown
    # Sent: nothing is left to complete.
    again = client.get(f"/referrals/{referral.id}/complete")
    assert again.status_code == 409


def test_the_drafts_author_completes_it_too(client, people, shelter, db) -> None:
    referral = officer_draft(client, shelter, db)
    assert sign_in(client, "officer@a.example.org").status_code == 302
    resp = client.post(
        f"/referrals/{referral.id}/complete", data=completion(client, referral, consent_method="verbal")
    )
    assert resp.status_code == 303
    db.expire_all()
    assert db.get_one(Referral, referral.id).status == "requested"


def test_another_team_neither_sees_nor_completes_the_draft(client, people, shelter, db) -> None:
    referral = officer_draft(client, shelter, db)
    assert sign_in(client, "worker@b.example.org").status_code == 302
    assert client.get(f"/referrals/{referral.id}/complete").status_code == 404
    token = csrf(client, "/referrals")
    data = {"csrf_token": token, "consent_given": "yes", "consent_method": "verbal", "mode": "live"}
    assert client.post(f"/referrals/{referral.id}/complete", data=data).status_code == 404
    db.expire_all()
    assert db.get_one(Referral, referral.id).status == "draft"
    assert db.scalar(select(func.count()).select_from(Consent).where(Consent.given.is_(True))) == 0


def test_a_provider_cannot_open_the_completion_form(client, people, shelter, db) -> None:
    referral = officer_draft(client, shelter, db)
    assert sign_in(client, "intake@shelter.example.org").status_code == 302
    assert client.get(f"/referrals/{referral.id}/complete").status_code == 403


def test_consent_missing_keeps_what_was_typed_and_sends_nothing(client, people, shelter, db) -> None:
    referral = officer_draft(client, shelter, db)
    assert sign_in(client, "worker@a.example.org").status_code == 302
    typed = completion(client, referral, consent_given=None, note="Bring the intake papers.")
    resp = client.post(f"/referrals/{referral.id}/complete", data=typed)
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Say whether the client consented to sharing with this provider" in page
    assert 'id="consent_given-error"' in page
    assert "Bring the intake papers." in page  # what was typed is kept
    # Consent refused: the referral cannot be sent, and the form says so on the consent.
    refused = client.post(
        f"/referrals/{referral.id}/complete", data=completion(client, referral, consent_given="no")
    )
    assert refused.status_code == 422
    assert "cannot be sent" in refused.get_data(as_text=True)
    db.expire_all()
    found = db.get_one(Referral, referral.id)
    assert found.status == "draft"
    assert [e.to_status for e in found.events] == ["draft"]
    assert db.scalar(select(func.count()).select_from(Consent).where(Consent.given.is_(True))) == 0
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_completion_in_spanish(client, people, shelter, db) -> None:
    referral = officer_draft(client, shelter, db)
    assert sign_in(client, "worker@a.example.org").status_code == 302
    page = client.get(f"/referrals/{referral.id}/complete", headers={"Accept-Language": "es"}).get_data(
        as_text=True
    )
    assert re.search(r"Completar y enviar", page)
