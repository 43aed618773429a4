"""The referring team's page of a referral: what it shows (client, service, status, hold,
timeline, handoff log), each move and contact through its form, refusals shown in words with
nothing written, another team's referral not found, reads audited, and the state the page
polls (an ETag, 304 while nothing changed)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from accounts.models import AuditEvent
from kernel.db import utcnow
from referrals import services
from referrals.models import Referral
from tests.accounts.test_login import csrf, sign_in

from .conftest import SETTINGS, People


@pytest.fixture
def worker(client, people: People):
    assert sign_in(client, "worker@a.example.org").status_code == 302
    return client


def fresh(db, referral: Referral) -> Referral:
    db.expire_all()
    return db.get_one(Referral, referral.id)


def post(client, referral: Referral, path: str, data: dict[str, str]):
    token = csrf(client, f"/referrals/{referral.id}")
    return client.post(f"/referrals/{referral.id}/{path}", data={**data, "csrf_token": token})


def reads(db, referral: Referral) -> int:
    stmt = select(AuditEvent).where(
        AuditEvent.action == "read",
        AuditEvent.record_type == "referral",
        AuditEvent.record_id == str(referral.id),
    )
    return len(list(db.scalars(stmt)))


def test_the_page_shows_client_service_status_hold_and_history(worker, refer, db) -> None:
    referral = refer(hold=True, need="a bed tonight", note="arrives by bus", now=utcnow())
    resp = worker.get(f"/referrals/{referral.id}")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "<h1>Harbor Night Shelter</h1>" in page
    assert "Harbor Shelter Inc." in page  # the provider
    assert "sent, waiting for the provider's answer" in page
    assert "J. D." in page
    assert "1984" in page
    assert "a bed tonight" in page
    assert "arrives by bus" in page
    assert "A place is held until" in page
    assert "Given (verbal); the provider sees: Name or initials, Birth year" in page
    assert "by worker@a.example.org, through the API" in page  # the first event (made by the API actor)
    assert 'aria-live="polite"' in page
    assert "/static/js/referral-poll." in page
    # the moves the table gives the team on a live referral: cancel, entered in error
    assert "Cancel the referral" in page
    assert "Mark as entered in error" in page
    assert "Record: the provider accepted" not in page


def test_reading_the_page_is_audited(worker, refer, db) -> None:
    referral = refer()
    before = reads(db, referral)
    assert worker.get(f"/referrals/{referral.id}").status_code == 200
    assert reads(db, referral) == before + 1
    client_reads = select(AuditEvent).where(
        AuditEvent.action == "read",
        AuditEvent.record_type == "client",
        AuditEvent.record_id == str(referral.client_id),
    )
    assert len(list(db.scalars(client_reads))) >= 1


def test_another_teams_referral_is_not_found(client, people, refer) -> None:
    referral = refer()
    assert sign_in(client, "worker@b.example.org").status_code == 302
    assert client.get(f"/referrals/{referral.id}").status_code == 404
    assert client.get(f"/referrals/{referral.id}/state").status_code == 404
    token = csrf(client, "/match")
    assert (
        client.post(
            f"/referrals/{referral.id}/move", data={"to": "cancelled", "csrf_token": token}
        ).status_code
        == 404
    )
    assert client.get("/referrals/not-an-id").status_code == 404


def test_a_provider_and_an_admin_may_not_open_it(client, people, refer) -> None:
    referral = refer()
    assert sign_in(client, "intake@shelter.example.org").status_code == 302
    assert client.get(f"/referrals/{referral.id}").status_code == 403


def test_cancel_needs_a_reason_and_keeps_what_was_typed(worker, refer, db) -> None:
    referral = refer(hold=True, now=utcnow())
    resp = post(worker, referral, "move", {"to": "cancelled", "note": "client went home"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Choose a reason." in page
    assert 'value="client went home"' in page
    field = f"move-cancelled-{referral.id}-reason"
    assert f'aria-describedby="{field}-error" aria-invalid="true"' in page
    assert '<details class="answer" open>' in page
    assert fresh(db, referral).status == "requested"  # nothing written
    resp = post(
        worker, referral, "move", {"to": "cancelled", "reason": "client-declined", "note": "client went home"}
    )
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(f"/referrals/{referral.id}")
    moved = fresh(db, referral)
    assert moved.status == "cancelled"
    assert (moved.events[-1].reason, moved.events[-1].channel) == ("client-declined", "web")
    assert moved.hold is not None
    assert moved.hold.released_at is not None
    page = worker.get(resp.headers["Location"]).get_data(as_text=True)
    assert "The referral is cancelled." in page
    assert "sent, waiting for the provider's answer to cancelled (client declined): client went home" in page


def test_a_move_the_table_forbids_is_refused_in_words(worker, refer, db) -> None:
    referral = refer()  # live: accepting is the provider's
    resp = post(worker, referral, "move", {"to": "accepted"})
    assert resp.status_code == 409
    page = resp.get_data(as_text=True)
    assert "This referral cannot take that step now" in page
    assert fresh(db, referral).status == "requested"


@pytest.mark.parametrize(
    ("to", "reason"),
    [
        ("accepted", None),
        ("rejected", "no-capacity"),
        ("on-hold", "could-not-contact"),
    ],
)
def test_on_a_logged_referral_the_worker_records_the_providers_answer(worker, refer, db, to, reason) -> None:
    referral = refer(mode="logged")
    page = worker.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "Record: the provider accepted" in page
    assert "record here what the provider told you" in page
    data = {"to": to, **({"reason": reason} if reason else {})}
    assert post(worker, referral, "move", data).status_code == 303
    moved = fresh(db, referral)
    assert moved.status == to
    assert moved.events[-1].actor == "worker@a.example.org"


def test_a_logged_referral_goes_to_a_completed_outcome(worker, refer, db) -> None:
    referral = refer(mode="logged", hold=True, now=utcnow())
    for data in ({"to": "accepted"}, {"to": "in-progress"}, {"to": "completed", "reason": "got-help"}):
        assert post(worker, referral, "move", data).status_code == 303, data
    moved = fresh(db, referral)
    assert [e.to_status for e in moved.events] == ["requested", "accepted", "in-progress", "completed"]
    assert moved.events[-1].reason == "got-help"
    assert moved.hold is not None
    assert moved.hold.accepted_at is not None
    page = worker.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "in progress to completed (got help)" in page
    assert "The held place is the client's now." in page


def test_completing_needs_an_outcome(worker, refer, db, people) -> None:
    referral = refer(mode="logged")
    services.transition(db, people.worker, referral.id, "accepted", SETTINGS)
    resp = post(worker, referral, "move", {"to": "completed"})
    assert resp.status_code == 422
    assert "Choose the outcome." in resp.get_data(as_text=True)
    assert fresh(db, referral).status == "accepted"


@pytest.mark.parametrize("kind", ["phone", "in_person", "transport"])
def test_a_contact_goes_into_the_handoff_log(worker, refer, db, kind) -> None:
    referral = refer()
    resp = post(worker, referral, "contacts", {"kind": kind, "note": "spoke to the night manager"})
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(f"/referrals/{referral.id}#handoff")
    contacts = fresh(db, referral).contacts
    assert [(c.kind, c.note) for c in contacts] == [(kind, "spoke to the night manager")]
    page = worker.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "The contact is in the handoff log." in page
    assert "spoke to the night manager" in page


def test_a_contact_without_its_kind_is_refused_and_keeps_the_note(worker, refer, db) -> None:
    referral = refer()
    resp = post(worker, referral, "contacts", {"note": "left a message"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Choose how the contact was made." in page
    assert ">left a message</textarea>" in page
    assert f'aria-describedby="contact-{referral.id}-kind-error" aria-invalid="true"' in page
    assert fresh(db, referral).contacts == []


def test_the_state_answers_an_etag_and_304_while_nothing_changed(worker, refer, db, people) -> None:
    referral = refer()
    first = worker.get(f"/referrals/{referral.id}/state")
    assert first.status_code == 200
    body = first.get_json()
    assert body["status"] == "requested"
    assert body["status_text"] == "sent, waiting for the provider's answer"
    assert body["last_event"]["to"] == "requested"
    tag = first.headers["ETag"]
    assert "no-store" in first.headers["Cache-Control"]
    page = worker.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert f'data-etag="{tag.strip(chr(34))}"' in page  # the page starts the poll from its own state
    before = reads(db, referral)
    same = worker.get(f"/referrals/{referral.id}/state", headers={"If-None-Match": tag})
    assert same.status_code == 304
    assert same.headers["ETag"] == tag
    assert reads(db, referral) == before  # a poll that learns nothing is not a read of anything new
    services.transition(db, people.provider, referral.id, "accepted", SETTINGS, now=utcnow())
    db.flush()
    moved = worker.get(f"/referrals/{referral.id}/state", headers={"If-None-Match": tag})
    assert moved.status_code == 200
    assert moved.headers["ETag"] != tag
    assert moved.get_json()["status_text"] == "accepted by the provider"
    assert moved.get_json()["last_event"]["actor"] == "intake@shelter.example.org"
    assert reads(db, referral) == before + 1


def test_a_provider_question_changes_the_state(worker, refer, db, people) -> None:
    referral = refer()
    tag = worker.get(f"/referrals/{referral.id}/state").headers["ETag"]
    services.ask(db, people.provider, referral.id, "Does the client have ID?", utcnow())
    db.flush()
    assert worker.get(f"/referrals/{referral.id}/state", headers={"If-None-Match": tag}).status_code == 200
    page = worker.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "Question from the provider: Does the client have ID?" in page


def test_an_old_referral_is_shown_in_spanish(worker, refer) -> None:
    referral = refer(now=utcnow() - dt.timedelta(days=3))
    worker.get("/language/es")
    page = worker.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert 'lang="es"' in page
