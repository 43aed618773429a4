"""The referral form (/referrals/new): prefilled from a match result's "Refer" link; a
referral made by it (client, consent, a held place); the Part 2 rule said and enforced; a
repeat client proposed, then "the same person" or "someone else"; a refused form that keeps
what was typed, with the sentence on its field; no place left to hold, in words."""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from accounts.models import AuditEvent
from catalog.capacity import Hold
from catalog.models import Attribute, Service
from kernel.db import utcnow
from referrals import services
from referrals.models import Client, Consent, Referral
from tests.accounts.test_login import csrf, sign_in

from .conftest import NOW, SETTINGS, People, client_input, consent_input

SHELTER_TERM = ("1135", "Emergency Shelter", "service_type")


@pytest.fixture
def shelter(make_service: Any, make_org: Any) -> Service:
    """The conftest's shelter, filed as an emergency shelter so that a match finds it."""
    return make_service(
        "Harbor Night Shelter",
        organization=make_org("Harbor Shelter Inc."),
        beds=3,
        beds_max=20,
        beds_updated=utcnow() - dt.timedelta(hours=1),
        terms=(SHELTER_TERM,),
    )


@pytest.fixture
def worker(client, people: People):
    assert sign_in(client, "worker@a.example.org").status_code == 302
    return client


def form_url(service: Service) -> str:
    location = service.service_at_locations[0].location_id
    return f"/referrals/new?service_id={service.id}&location_id={location}&need=Emergency+Shelter"


def fill(client, service: Service, **kw: Any) -> dict[str, Any]:
    """The form as a person fills it in: a new client, verbal consent, live, no hold."""
    data: dict[str, Any] = {
        "csrf_token": csrf(client, form_url(service)),
        "service_id": str(service.id),
        "location_id": str(service.service_at_locations[0].location_id),
        "need": "Emergency Shelter",
        "display_name": "Rosa M.",
        "birth_year": "1979",
        "gender": "female",
        "language": "es",
        "contact_preference": "do_not_contact",
        "consent_given": "yes",
        "consent_method": "verbal",
        "consent_data": ["display_name", "birth_year", "language"],
        "mode": "live",
        "note": "Arrives by bus around 9 pm.",
    }
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def made(db) -> list[Referral]:
    db.expire_all()
    return list(db.scalars(select(Referral).order_by(Referral.created)))


def test_refer_from_a_match_result_opens_the_form_prefilled(worker, shelter) -> None:
    form = {"needs": "Emergency Shelter", "location": "39.9612, -82.9988", "radius_km": "25"}
    page = worker.post("/match", data=form).get_data(as_text=True)
    link = re.search(
        r'href="(/referrals/new\?[^"]+)">Refer<span class="visually-hidden">: Harbor Night Shelter', page
    )
    assert link, page
    url = html.unescape(link.group(1))
    assert f"service_id={shelter.id}" in url
    assert f"location_id={shelter.service_at_locations[0].location_id}" in url
    assert "need=Emergency+Shelter" in url
    resp = worker.get(url)
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "<h1>Harbor Night Shelter</h1>" in page
    assert "Harbor Shelter Inc." in page
    assert "100 Main St" in page  # the place the match named
    assert f'name="service_id" value="{shelter.id}"' in page
    assert 'id="need" name="need" maxlength="4000" value="Emergency Shelter"' in page
    assert "3 of 20 beds free" in page  # the free places now, and the hold offered
    assert 'name="hold"' in page
    assert "42 CFR" not in page  # not a substance-use service


def test_anonymous_and_providers_see_no_refer_link(client, people, shelter) -> None:
    form = {"needs": "Emergency Shelter", "location": "39.9612, -82.9988", "radius_km": "25"}
    page = client.post("/match", data=form).get_data(as_text=True)
    assert "Harbor Night Shelter" in page
    assert "/referrals/new" not in page
    assert sign_in(client, "intake@shelter.example.org").status_code == 302
    assert "/referrals/new" not in client.post("/match", data=form).get_data(as_text=True)
    assert client.get(form_url(shelter)).status_code == 403


def test_a_referral_made_by_the_form_with_a_held_bed(worker, shelter, db) -> None:
    resp = worker.post("/referrals/new", data=fill(worker, shelter, hold="1"))
    assert resp.status_code == 303, resp.get_data(as_text=True)
    [referral] = made(db)
    assert resp.headers["Location"].endswith(f"/referrals/{referral.id}")
    assert referral.status == "requested"
    assert referral.mode == "live"
    assert referral.need == "Emergency Shelter"
    assert referral.note == "Arrives by bus around 9 pm."
    assert referral.location_id == shelter.service_at_locations[0].location_id
    client = referral.client
    assert (client.display_name, client.birth_year, client.gender, client.language) == (
        "Rosa M.",
        1979,
        "female",
        "es",
    )
    assert client.phone is None
    consent = referral.consent
    assert consent is not None
    assert (consent.given, consent.method, consent.organization_id) == (
        True,
        "verbal",
        shelter.organization_id,
    )
    assert consent.fields == ("display_name", "birth_year", "language")
    assert referral.hold is not None
    assert referral.hold.state(utcnow()) == "active"
    page = worker.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Referral made. A place is held until" in page
    assert "A place is held until" in page
    assert "Rosa M." in page


def test_a_logged_referral_with_a_phone_preference(worker, shelter, db) -> None:
    data = fill(
        worker,
        shelter,
        mode="logged",
        contact_preference="text",
        phone="614-555-0199",
        age="45",
        birth_year="",
    )
    assert worker.post("/referrals/new", data=data).status_code == 303
    [referral] = made(db)
    assert referral.mode == "logged"
    assert referral.hold is None
    assert referral.client.phone == "614-555-0199"
    assert referral.client.birth_year == utcnow().year - 45


@pytest.fixture
def detox(make_service, make_org, make_term, db) -> Service:
    recovery = make_term("1178", "Addiction & Recovery")
    term = make_term("1180", "Detox", parent=recovery)
    svc = make_service("Harbor Detox", organization=make_org("Harbor Recovery Inc."), beds=2)
    db.add(
        Attribute(
            id=uuid.uuid4(),
            link_id=svc.id,
            link_entity="service",
            link_type="service_type",
            taxonomy_term=term,
        )
    )
    db.flush()
    return svc


PART_2 = (
    "Federal law (42 CFR Part 2) requires the client&#39;s written or electronic consent naming this provider"
)


def test_part_2_is_said_on_the_form_and_verbal_consent_is_refused(worker, detox, db) -> None:
    page = worker.get(form_url(detox)).get_data(as_text=True)
    assert PART_2 in page
    assert 'aria-describedby="part-2-rule"' in page
    resp = worker.post("/referrals/new", data=fill(worker, detox, consent_method="verbal", hold="1"))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert (
        f'<p class="error" id="consent_method-error">This is a substance-use treatment service. {PART_2}'
        in page
    )
    assert 'aria-describedby="part-2-rule consent_method-error" aria-invalid="true"' in page
    assert made(db) == []  # nothing written: no referral, no client, no consent, no hold
    assert db.scalar(select(func.count(Client.id))) == 0
    assert db.scalar(select(func.count(Consent.id))) == 0
    assert db.scalar(select(func.count(Hold.id))) == 0
    resp = worker.post("/referrals/new", data=fill(worker, detox, consent_method="written"))
    assert resp.status_code == 303
    [referral] = made(db)
    assert referral.consent is not None
    assert referral.consent.method == "written"


def test_part_2_in_spanish(worker, detox) -> None:
    worker.get("/language/es")
    resp = worker.post("/referrals/new", data=fill(worker, detox, consent_method="verbal"))
    assert resp.status_code == 422
    assert "42 CFR Parte 2" in resp.get_data(as_text=True)


def test_a_refused_form_keeps_what_was_typed(worker, shelter, db) -> None:
    data = fill(
        worker,
        shelter,
        contact_preference="phone",
        phone="",
        note="Needs a lower bunk.",
        incident_ref="CAD-2026-1141",
    )
    resp = worker.post("/referrals/new", data=data)
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert (
        '<p class="error" id="phone-error">A phone call or text preference needs the phone number.</p>'
        in page
    )
    assert (
        'id="phone" name="phone" maxlength="200" autocomplete="off" value=""'
        ' aria-invalid="true" aria-describedby="phone-error"' in page
    )
    assert 'value="Rosa M."' in page
    assert 'value="1979"' in page
    assert 'value="CAD-2026-1141"' in page
    assert ">Needs a lower bunk.</textarea>" in page
    assert 'value="phone" checked' in page
    assert 'value="verbal" checked' in page
    assert 'name="consent_data" value="language" checked' in page
    assert 'name="consent_data" value="gender">' in page  # not ticked, still not ticked
    assert made(db) == []


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"display_name": ""}, "display_name", "Write a display name or initials."),
        ({"birth_year": "nineteen"}, "birth_year", "Give a birth year such as 1984"),
        ({"age": "40"}, "age", "Give the birth year or the age, not both."),
        ({"phone": "614-555-0100"}, "phone", "Leave the phone empty"),
        ({"consent_given": None}, "consent_given", "Say whether the client consented"),
        ({"consent_given": "no"}, "consent_given", "The client has not consented"),
        ({"consent_method": None}, "consent_method", "Say how consent was given"),
        (
            {"consent_expires": "2020-01-01"},
            "consent_expires",
            "The consent&#39;s last day must be a date in the future.",
        ),
    ],
)
def test_each_refusal_is_tied_to_its_field(worker, shelter, db, change, field, words) -> None:
    resp = worker.post("/referrals/new", data=fill(worker, shelter, **change))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert f'<p class="error" id="{field}-error">{words}' in page
    assert f'aria-describedby="{field}-error"' in page
    assert made(db) == []


def test_no_place_left_to_hold_is_said_on_the_form(worker, make_service, make_org, db, people) -> None:
    full = make_service(
        "Last Bed House",
        organization=make_org("Last Bed Inc."),
        beds=1,
        beds_max=1,
        beds_updated=utcnow() - dt.timedelta(hours=1),
    )
    from .conftest import client_input as typed_client

    services.create_referral(
        db,
        people.officer,
        services.ReferralInput(
            service_id=full.id,
            client=typed_client(display_name="Someone Else Entirely"),
            consent=consent_input(),
            hold=True,
        ),
        SETTINGS,
        utcnow(),
    )
    db.flush()
    before = len(made(db))
    resp = worker.post("/referrals/new", data=fill(worker, full, hold="1"))
    assert resp.status_code == 409
    page = resp.get_data(as_text=True)
    assert '<p class="error" id="hold-error">No place is left to hold' in page
    assert 'value="Rosa M."' in page
    assert len(made(db)) == before


def known_client(db, people: People, shelter: Service, **kw: Any) -> Client:
    first = services.create_referral(
        db,
        people.worker,
        services.ReferralInput(
            service_id=shelter.id,
            client=client_input(display_name="Rosa Martinez", birth_year=1979, **kw),
            consent=consent_input(),
        ),
        SETTINGS,
        NOW,
    )
    db.flush()
    return first.client


def test_a_repeat_client_is_proposed_then_the_same_person(worker, shelter, db, people) -> None:
    known = known_client(db, people, shelter)
    resp = worker.post("/referrals/new", data=fill(worker, shelter, hold="1"))
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "Is this someone your team already knows?" in page
    assert "Rosa Martinez" in page
    assert "same birth year" in page
    assert f'name="use_client" value="{known.id}"' in page
    assert 'value="Rosa M."' in page  # what was typed is still in the form
    assert len(made(db)) == 1  # nothing made yet, nothing merged
    reads = select(AuditEvent).where(
        AuditEvent.action == "read", AuditEvent.record_type == "client", AuditEvent.record_id == str(known.id)
    )
    assert db.scalars(reads).first() is not None  # showing the proposal is an audited read
    resp = worker.post("/referrals/new", data=fill(worker, shelter, hold="1", use_client=str(known.id)))
    assert resp.status_code == 303, resp.get_data(as_text=True)
    newest = made(db)[-1]
    assert newest.client_id == known.id
    assert newest.consent is not None
    assert newest.consent.client_id == known.id
    assert newest.hold is not None
    assert db.scalar(select(func.count(Client.id))) == 1
    assert db.get_one(Client, known.id).display_name == "Rosa Martinez"  # never changed by the match


def test_a_repeat_client_proposed_then_someone_else(worker, shelter, db, people) -> None:
    known = known_client(db, people, shelter)
    assert worker.post("/referrals/new", data=fill(worker, shelter)).status_code == 200
    resp = worker.post("/referrals/new", data=fill(worker, shelter, someone_else="1"))
    assert resp.status_code == 303
    newest = made(db)[-1]
    assert newest.client_id != known.id
    assert newest.client.display_name == "Rosa M."
    assert db.scalar(select(func.count(Client.id))) == 2


def test_someone_else_sticks_through_a_refusal(worker, shelter, db, people) -> None:
    known_client(db, people, shelter)
    resp = worker.post("/referrals/new", data=fill(worker, shelter, someone_else="1", consent_method=None))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert '<input type="hidden" name="someone_else" value="1">' in page
    assert "Is this someone your team already knows?" not in page


def test_another_teams_clients_are_never_proposed(client, shelter, db, people) -> None:
    known_client(db, people, shelter)
    assert sign_in(client, "worker@b.example.org").status_code == 302
    resp = client.post("/referrals/new", data=fill(client, shelter))
    assert resp.status_code == 303
    assert "Rosa Martinez" not in client.get(resp.headers["Location"]).get_data(as_text=True)


def test_a_known_client_from_the_address(worker, shelter, db, people) -> None:
    known = known_client(db, people, shelter)
    page = worker.get(form_url(shelter) + f"&client_id={known.id}").get_data(as_text=True)
    assert "A client of your team:" in page
    assert f'name="client_id" value="{known.id}"' in page
    assert 'id="display_name"' not in page
    resp = worker.post(
        "/referrals/new", data=fill(worker, shelter, client_id=str(known.id), display_name=None)
    )
    assert resp.status_code == 303
    assert made(db)[-1].client_id == known.id


def test_a_form_without_a_service_or_with_an_unknown_one_is_not_found(worker, people) -> None:
    assert worker.get("/referrals/new").status_code == 404
    assert worker.get(f"/referrals/new?service_id={uuid.uuid4()}").status_code == 404


def test_the_form_posts_only_with_its_csrf_token(worker, shelter, db) -> None:
    data = fill(worker, shelter)
    del data["csrf_token"]
    assert worker.post("/referrals/new", data=data).status_code == 400
    assert made(db) == []


@pytest.mark.parametrize("email", ["officer@a.example.org", "coordinator@a.example.org"])
def test_officers_and_coordinators_refer_by_the_form_too(client, people, shelter, db, email) -> None:
    assert sign_in(client, email).status_code == 302
    form = {"needs": "Emergency Shelter", "location": "39.9612, -82.9988", "radius_km": "25"}
    assert "/referrals/new?" in client.post("/match", data=form).get_data(as_text=True)
    resp = client.post("/referrals/new", data=fill(client, shelter))
    assert resp.status_code == 303
    [referral] = made(db)
    assert referral.team_id == people.worker.team_id
    assert referral.events[0].actor == email


def test_an_officer_saves_a_draft_that_a_social_worker_of_the_team_sends(client, people, shelter, db) -> None:
    shelter.email = "intake@harbor.example.org"
    db.flush()
    assert sign_in(client, "officer@a.example.org").status_code == 302
    page = client.get(form_url(shelter)).get_data(as_text=True)
    assert "Save as a draft" in page
    resp = client.post("/referrals/new", data=fill(client, shelter, action="draft", hold="1"))
    assert resp.status_code == 303
    [referral] = made(db)
    assert (referral.status, referral.due_at) == ("draft", None)
    assert referral.hold is not None  # the bed is held while a colleague completes it
    assert [e.to_status for e in referral.events] == ["draft"]
    shown = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Draft saved, not sent" in shown
    # A social worker of the same team finds it among the team's drafts and sends it.
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    assert sign_in(client, "worker@a.example.org").status_code == 302
    drafts = client.get("/referrals?status=draft").get_data(as_text=True)
    assert f"/referrals/{referral.id}" in drafts
    detail = f"/referrals/{referral.id}"
    assert "Send to the provider" in client.get(detail).get_data(as_text=True)
    sent = client.post(f"{detail}/move", data={"to": "requested", "csrf_token": csrf(client, detail)})
    assert sent.status_code in (302, 303)
    db.expire_all()
    referral = db.get_one(Referral, referral.id)
    assert referral.status == "requested"
    assert [e.to_status for e in referral.events] == ["draft", "requested"]
    assert referral.events[-1].actor == "worker@a.example.org"


def test_another_team_never_sees_the_draft(client, people, shelter, db) -> None:
    assert sign_in(client, "officer@a.example.org").status_code == 302
    client.post("/referrals/new", data=fill(client, shelter, action="draft"))
    [referral] = made(db)
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    assert sign_in(client, "worker@b.example.org").status_code == 302
    assert client.get(f"/referrals/{referral.id}").status_code == 404
    assert str(referral.id) not in client.get("/referrals?status=draft").get_data(as_text=True)
