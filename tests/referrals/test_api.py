"""The referral JSON API with real tokens: making a referral (client, consent, hold), the
problems a bad body gets, who sees what, lists, moves, the handoff log, clients, and the
audit row behind every read."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts import audit, tokens
from accounts.models import AuditEvent, Role, User
from app import create_app
from catalog.models import Attribute, Organization, Service, ServiceCapacity, Unit
from kernel.db import get_session, utcnow
from referrals import present, services
from referrals.models import Client, Consent, Referral, ReferralContact
from tests.conftest import migrate
from tests.referrals.conftest import PASSWORD_HASH, SETTINGS, People, client_input, consent_input

WRITE = ("referrals:read", "referrals:write")


def bearer(db: Session, email: str, *scopes: str) -> dict[str, str]:
    made = tokens.create(db, email, list(scopes or WRITE), audit.command_line())
    db.flush()
    return {"Authorization": f"Bearer {made.secret}"}


def body_for(service: Service, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "client": {"display_name": "J. D.", "birth_year": 1984, "gender": "female", "language": "es"},
        "consent": {"given": True, "method": "verbal"},
        "service_id": str(service.id),
    }
    return {**base, **kw}


def count(db: Session, model: Any) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def counts(db: Session) -> tuple[int, ...]:
    return tuple(count(db, m) for m in (Client, Consent, Referral))


@pytest.fixture
def worker(db: Session, people: People) -> dict[str, str]:
    return bearer(db, people.worker.label)


@pytest.fixture
def provider(db: Session, people: People) -> dict[str, str]:
    return bearer(db, people.provider.label)


@pytest.fixture
def detox(make_service: Any, make_org: Any, make_term: Any, db: Session) -> Service:
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


# ---------------------------------------------------------------- POST /api/v1/referrals


def test_a_referral_with_a_hold_answers_201_its_shape_and_a_location(
    db: Session, client: Any, worker: dict[str, str], shelter: Service, people: People
) -> None:
    resp = client.post(
        "/api/v1/referrals", json=body_for(shelter, hold=True, note="lower bunk"), headers=worker
    )
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "requested"
    assert body["mode"] == "live"
    assert resp.headers["Location"] == f"/api/v1/referrals/{body['id']}"
    made = db.get_one(Referral, uuid.UUID(body["id"]))
    assert body["client_id"] == str(made.client_id)
    assert body["client"] == {
        "id": str(made.client_id),
        "display_name": "J. D.",
        "birth_year": 1984,
        "gender": "female",
        "language": "es",
        "contact_preference": "do_not_contact",
        "phone": None,
        "email": None,
        "incident_ref": None,
    }
    assert made.hold is not None
    assert body["hold"]["state"] == "active"
    assert dt.datetime.fromisoformat(body["hold"]["expires_at"]) == made.hold.expires_at
    assert made.hold.expires_at - made.hold.created == dt.timedelta(hours=2)
    assert body["service"] == {"id": str(shelter.id), "name": "Harbor Night Shelter"}
    assert body["organization"]["name"] == "Harbor Shelter Inc."
    assert body["consent"]["method"] == "verbal"
    assert body["consent"]["valid"] is True
    assert body["allowed_moves"] == ["cancelled", "entered-in-error"]
    assert body["overdue"] is False
    assert body["due_at"] is not None
    assert [(e["from"], e["to"], e["channel"], e["actor"]) for e in body["events"]] == [
        (None, "requested", "api", people.worker.label)
    ]
    again = client.get(resp.headers["Location"], headers=worker)
    assert again.status_code == 200
    assert again.get_json()["id"] == body["id"]


def test_the_last_bed_is_held_once_and_the_409_writes_nothing(
    db: Session, client: Any, worker: dict[str, str], make_service: Any
) -> None:
    last = make_service("Last Bed Shelter", beds=1, beds_updated=utcnow() - dt.timedelta(minutes=5))
    assert client.post("/api/v1/referrals", json=body_for(last, hold=True), headers=worker).status_code == 201
    before = counts(db)
    refused = client.post("/api/v1/referrals", json=body_for(last, hold=True), headers=worker)
    assert refused.status_code == 409
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["param"] == "hold"
    assert counts(db) == before  # no client, consent or referral of the refused request


def test_need_as_a_term_code_or_id_is_stored_readable_and_words_stay_words(
    client: Any, worker: dict[str, str], shelter: Service, make_term: Any
) -> None:
    term = make_term("BD-1800.1900", "Emergency Shelter")
    for given in ("BD-1800.1900", str(term.id)):
        made = client.post("/api/v1/referrals", json=body_for(shelter, need=given), headers=worker)
        assert made.get_json()["need"] == "Emergency Shelter (BD-1800.1900)"
    words = client.post(
        "/api/v1/referrals", json=body_for(shelter, need="a warm bed tonight"), headers=worker
    )
    assert words.get_json()["need"] == "a warm bed tonight"
    unknown = client.post("/api/v1/referrals", json=body_for(shelter, need=str(uuid.uuid4())), headers=worker)
    assert unknown.status_code == 422
    assert unknown.get_json()["param"] == "need"


_PAST = "2020-01-01T00:00:00Z"


def _client(**kw: Any) -> dict[str, Any]:
    return {"client": {"display_name": "J", **kw}}


def _consent(**kw: Any) -> dict[str, Any]:
    return {"consent": {"given": True, "method": "verbal", **kw}}


BAD_BODIES: list[tuple[str, Any, str]] = [
    ("an unknown key", {"colour": "blue"}, "colour"),
    ("an unknown client key", _client(ssn="1"), "client.ssn"),
    ("no display name", {"client": {"birth_year": 1984}}, "client.display_name"),
    ("a blank display name", {"client": {"display_name": "  "}}, "client.display_name"),
    ("a number for a name", {"client": {"display_name": 7}}, "client.display_name"),
    ("a client that is a list", {"client": ["J. D."]}, "client"),
    ("a birth year in words", _client(birth_year="eighty"), "client.birth_year"),
    ("a birth year from the future", _client(birth_year=3000), "client.birth_year"),
    ("an age of 200", _client(age=200), "client.age"),
    ("age and birth year", _client(age=40, birth_year=1984), "client.age"),
    ("a long gender", _client(gender="x" * 41), "client.gender"),
    ("an unknown preference", _client(contact_preference="pigeon"), "client.contact_preference"),
    ("phone preference, no phone", _client(contact_preference="phone"), "client.phone"),
    ("an e-mail nobody needs", _client(email="j@example.org"), "client.email"),
    ("a bad consent method", _consent(method="telepathy"), "consent.method"),
    ("given without a method", {"consent": {"given": True}}, "consent.method"),
    ("no given", {"consent": {"method": "verbal"}}, "consent.given"),
    ("given as a string", _consent(given="yes"), "consent.given"),
    ("a consent not given", {"consent": {"given": False}}, "consent.given"),
    ("an expiry in words", _consent(expires_at="tomorrow"), "consent.expires_at"),
    ("an expiry past", _consent(expires_at=_PAST), "consent.expires_at"),
    ("an unknown data field", _consent(scope={"data": ["ssn"]}), "consent.scope"),
    ("data as a string", _consent(scope={"data": "all"}), "consent.scope.data"),
    ("an unknown scope key", _consent(scope={"who": "x"}), "consent.scope.who"),
    (
        "a provider id that is no UUID",
        _consent(scope={"organization_id": "x"}),
        "consent.scope.organization_id",
    ),
    (
        "an unknown provider",
        _consent(scope={"organization_id": str(uuid.uuid4())}),
        "consent.scope.organization_id",
    ),
    ("no service", {"service_id": None}, "service_id"),
    ("a service id that is no UUID", {"service_id": "shelter"}, "service_id"),
    ("an unknown service", {"service_id": str(uuid.uuid4())}, "service_id"),
    ("an unknown location", {"location_id": str(uuid.uuid4())}, "location_id"),
    ("a location id as a number", {"location_id": 12}, "location_id"),
    ("both client and client_id", {"client_id": str(uuid.uuid4())}, "client"),
    ("neither client nor client_id", {"client": None}, "client"),
    ("an unknown mode", {"mode": "psychic"}, "mode"),
    ("hold as a string", {"hold": "yes"}, "hold"),
    ("a note too long", {"note": "x" * 4001}, "note"),
    ("a need as a list", {"need": ["shelter"]}, "need"),
]


@pytest.mark.parametrize(("case", "change", "param"), BAD_BODIES, ids=[c for c, _, _ in BAD_BODIES])
def test_a_bad_body_is_a_422_naming_the_field_and_writes_nothing(
    db: Session, client: Any, worker: dict[str, str], shelter: Service, case: str, change: Any, param: str
) -> None:
    body = {k: v for k, v in {**body_for(shelter), **change}.items() if not (k == "service_id" and v is None)}
    before = counts(db)
    resp = client.post("/api/v1/referrals", json=body, headers=worker)
    assert resp.status_code == 422, (case, resp.get_json())
    problem = resp.get_json()
    assert resp.mimetype == "application/problem+json"
    assert problem["param"] == param, (case, problem)
    assert problem["invalid_params"][0]["name"] == param
    assert problem["detail"]
    assert "Traceback" not in resp.get_data(as_text=True)
    assert counts(db) == before


@pytest.mark.parametrize(
    ("data", "content_type"),
    [("{not json", "application/json"), ('["a list"]', "application/json"), ("{}", "text/plain"), ("", None)],
    ids=["not JSON", "not an object", "not sent as JSON", "empty"],
)
def test_a_body_that_is_not_a_json_object_is_a_422_on_body(
    client: Any, worker: dict[str, str], data: str, content_type: str | None
) -> None:
    resp = client.post("/api/v1/referrals", data=data, content_type=content_type, headers=worker)
    assert resp.status_code == 422
    assert resp.get_json()["param"] == "body"


def test_a_known_client_by_client_id_with_their_consent_on_file(
    db: Session, client: Any, worker: dict[str, str], shelter: Service, refer: Any
) -> None:
    first = refer()
    body = {"client_id": str(first.client_id), "service_id": str(shelter.id), "mode": "logged"}
    resp = client.post("/api/v1/referrals", json=body, headers=worker)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["client_id"] == str(first.client_id)
    assert resp.get_json()["consent"]["id"] == str(first.consent_id)
    assert resp.get_json()["mode"] == "logged"
    assert count(db, Client) == 1


def test_another_teams_client_id_is_unknown(
    db: Session, client: Any, people: People, shelter: Service, refer: Any
) -> None:
    first = refer()
    body = {"client_id": str(first.client_id), "service_id": str(shelter.id)}
    resp = client.post("/api/v1/referrals", json=body, headers=bearer(db, people.stranger.label))
    assert resp.status_code == 422
    assert resp.get_json()["param"] == "client_id"


def test_part_2_through_the_api_needs_written_or_electronic_consent(
    db: Session, client: Any, worker: dict[str, str], detox: Service
) -> None:
    before = counts(db)
    verbal = client.post("/api/v1/referrals", json=body_for(detox), headers=worker)
    assert verbal.status_code == 422
    assert verbal.get_json()["param"] == "consent.method"
    assert "42 CFR Part 2" in verbal.get_json()["detail"]
    assert counts(db) == before
    written = body_for(detox, consent={"given": True, "method": "written"})
    made = client.post("/api/v1/referrals", json=written, headers=worker)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["consent"]["scope"]["organization_id"] == str(detox.organization_id)


# ---------------------------------------------------------------- who may do what


def test_no_token_is_401_and_a_token_without_the_scope_is_403(
    db: Session, client: Any, people: People, shelter: Service, refer: Any
) -> None:
    referral = refer()
    assert client.post("/api/v1/referrals", json=body_for(shelter)).status_code == 401
    assert client.get("/api/v1/referrals").status_code == 401
    read_only = bearer(db, people.worker.label, "referrals:read")
    refused = client.post("/api/v1/referrals", json=body_for(shelter), headers=read_only)
    assert refused.status_code == 403
    assert refused.get_json()["required_scope"] == "referrals:write"
    moved = client.post(
        f"/api/v1/referrals/{referral.id}/transitions", json={"to": "cancelled"}, headers=read_only
    )
    assert moved.status_code == 403
    catalog_only = bearer(db, people.worker.label, "catalog:read")
    assert client.get(f"/api/v1/referrals/{referral.id}", headers=catalog_only).status_code == 403
    assert client.get("/api/v1/referrals", headers=catalog_only).status_code == 403


def test_another_team_gets_404_for_a_referral_and_an_empty_list(
    db: Session, client: Any, people: People, refer: Any
) -> None:
    referral = refer()
    theirs = bearer(db, people.stranger.label)
    assert client.get(f"/api/v1/referrals/{referral.id}", headers=theirs).status_code == 404
    assert client.get(f"/api/v1/referrals/{uuid.uuid4()}", headers=theirs).status_code == 404
    assert client.get("/api/v1/referrals/not-an-id", headers=theirs).status_code == 404
    moved = client.post(
        f"/api/v1/referrals/{referral.id}/transitions", json={"to": "cancelled"}, headers=theirs
    )
    assert moved.status_code == 404
    logged = client.post(f"/api/v1/referrals/{referral.id}/contacts", json={"kind": "phone"}, headers=theirs)
    assert logged.status_code == 404
    assert client.get("/api/v1/referrals", headers=theirs).get_json()["total_items"] == 0
    assert client.get(f"/api/v1/clients/{referral.client_id}", headers=theirs).status_code == 404
    assert referral.status == "requested"


def test_the_receiving_provider_sees_only_the_consented_fields_another_provider_nothing(
    db: Session, client: Any, people: People, refer: Any, provider: dict[str, str]
) -> None:
    referral = refer(consent=consent_input(data=("display_name", "language")))
    body = client.get(f"/api/v1/referrals/{referral.id}", headers=provider).get_json()
    assert body["client"] == {"id": str(referral.client_id), "display_name": "J. D.", "language": "es"}
    assert body["allowed_moves"] == ["accepted", "rejected", "on-hold"]
    listed = client.get("/api/v1/referrals", headers=provider).get_json()
    assert [r["client"] for r in listed["contents"]] == [body["client"]]
    other = bearer(db, people.other_provider.label)
    assert client.get(f"/api/v1/referrals/{referral.id}", headers=other).status_code == 404
    assert client.get("/api/v1/referrals", headers=other).get_json()["contents"] == []
    # Providers read clients only through a referral.
    assert client.get(f"/api/v1/clients/{referral.client_id}", headers=provider).status_code == 403


def test_a_draft_is_not_shown_to_the_provider(
    db: Session, client: Any, refer: Any, provider: dict[str, str]
) -> None:
    draft = refer(draft=True)
    assert client.get(f"/api/v1/referrals/{draft.id}", headers=provider).status_code == 404


# ---------------------------------------------------------------- lists


def test_the_list_filters_by_status_overdue_service_and_since_and_pages(
    db: Session, client: Any, worker: dict[str, str], refer: Any, make_service: Any, people: People
) -> None:
    now = utcnow()
    late = refer(now=now - dt.timedelta(hours=30))  # requested 30 h ago: its 24 h follow-up is past
    fresh = [refer(now=now - dt.timedelta(minutes=m)) for m in (3, 2, 1)]
    services.transition(
        db, people.provider, fresh[0].id, "accepted", SETTINGS, now=now - dt.timedelta(seconds=30)
    )
    other = make_service("Harbor Pantry", organization=people.organization)
    elsewhere = refer(service_id=other.id, now=now)
    db.flush()

    def ids(query: str) -> list[str]:
        resp = client.get(f"/api/v1/referrals{query}", headers=worker)
        assert resp.status_code == 200, resp.get_json()
        return [r["id"] for r in resp.get_json()["contents"]]

    everything = ids("")
    assert everything == [str(r.id) for r in (elsewhere, fresh[0], fresh[2], fresh[1], late)]
    assert ids("?status=accepted") == [str(fresh[0].id)]
    both = {str(fresh[0].id), str(fresh[2].id), str(fresh[1].id), str(late.id), str(elsewhere.id)}
    assert set(ids("?status=accepted,requested")) == both
    assert set(ids("?status=accepted&status=requested")) == both
    assert ids("?overdue=true") == [str(late.id)]
    assert str(late.id) not in ids("?overdue=false")
    assert ids(f"?service_id={other.id}") == [str(elsewhere.id)]
    since = (now - dt.timedelta(minutes=90)).isoformat()
    assert str(late.id) not in ids(f"?since={since}")
    page = client.get("/api/v1/referrals?per_page=2&page=2", headers=worker).get_json()
    assert [r["id"] for r in page["contents"]] == everything[2:4]
    assert {k: v for k, v in page.items() if k != "contents"} == {
        "total_items": 5,
        "total_pages": 3,
        "page_number": 2,
        "size": 2,
        "first_page": False,
        "last_page": False,
        "empty": False,
    }
    assert "events" not in page["contents"][0]
    # The HSDS API's envelope: one style of pagination across Linkage.
    from hsds.api import page_envelope

    assert present.page_of(5, 2, 2, [1, 2]) == page_envelope(5, 2, 2, [1, 2])


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("status=lost", "status"),
        ("overdue=maybe", "overdue"),
        ("service_id=x", "service_id"),
        ("since=yesterday", "since"),
        ("page=0", "page"),
        ("per_page=5000", "per_page"),
        ("colour=red", "colour"),
    ],
)
def test_a_bad_list_parameter_is_a_400_naming_it(
    client: Any, worker: dict[str, str], query: str, param: str
) -> None:
    resp = client.get(f"/api/v1/referrals?{query}", headers=worker)
    assert resp.status_code == 400
    assert resp.get_json()["param"] == param


# ---------------------------------------------------------------- moves and contacts


def test_moves_allowed_forbidden_and_needing_a_reason(
    db: Session, client: Any, worker: dict[str, str], provider: dict[str, str], refer: Any
) -> None:
    referral = refer(hold=True)
    path = f"/api/v1/referrals/{referral.id}/transitions"
    forbidden = client.post(path, json={"to": "accepted"}, headers=worker)
    assert forbidden.status_code == 409
    assert forbidden.get_json()["allowed"] == ["cancelled", "entered-in-error"]
    missing = client.post(path, json={"to": "rejected"}, headers=provider)
    assert missing.status_code == 422
    assert missing.get_json()["param"] == "reason"
    unknown = client.post(path, json={"to": "rejected", "reason": "full moon"}, headers=provider)
    assert unknown.status_code == 422
    assert unknown.get_json()["param"] == "reason"
    assert client.post(path, json={"to": "flying"}, headers=provider).get_json()["param"] == "to"
    assert (
        client.post(path, json={"to": "accepted", "by": "me"}, headers=provider).get_json()["param"] == "by"
    )
    assert referral.status == "requested"
    rejected = client.post(
        path, json={"to": "rejected", "reason": "no capacity", "note": "full"}, headers=provider
    )
    assert rejected.status_code == 200, rejected.get_json()
    body = rejected.get_json()
    assert body["status"] == "rejected"
    assert body["hold"]["state"] == "released"
    last = body["events"][-1]
    assert (
        last["from"],
        last["to"],
        last["reason"],
        last["reason_label"],
        last["note"],
        last["channel"],
    ) == (
        "requested",
        "rejected",
        "no-capacity",
        "no capacity",
        "full",
        "api",
    )
    assert body["allowed_moves"] == []


def test_a_provider_accepts_and_completes_with_an_outcome(
    client: Any, provider: dict[str, str], refer: Any
) -> None:
    referral = refer(hold=True)
    path = f"/api/v1/referrals/{referral.id}/transitions"
    accepted = client.post(path, json={"to": "accepted"}, headers=provider).get_json()
    assert accepted["status"] == "accepted"
    assert accepted["hold"]["state"] == "accepted"
    assert client.post(path, json={"to": "completed"}, headers=provider).get_json()["param"] == "reason"
    done = client.post(path, json={"to": "completed", "reason": "got-help"}, headers=provider).get_json()
    assert done["status"] == "completed"
    assert done["events"][-1]["reason_label"] == "got help"


def test_the_handoff_log(client: Any, worker: dict[str, str], refer: Any, db: Session) -> None:
    referral = refer()
    path = f"/api/v1/referrals/{referral.id}/contacts"
    made = client.post(path, json={"kind": "phone", "note": "spoke to the night manager"}, headers=worker)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["kind"] == "phone"
    earlier = (utcnow() - dt.timedelta(hours=1)).replace(microsecond=0)
    made = client.post(path, json={"kind": "transport", "at": earlier.isoformat()}, headers=worker)
    assert dt.datetime.fromisoformat(made.get_json()["at"]) == earlier
    future = (utcnow() + dt.timedelta(hours=1)).isoformat()
    assert client.post(path, json={"kind": "phone", "at": future}, headers=worker).get_json()["param"] == "at"
    assert client.post(path, json={"kind": "pigeon"}, headers=worker).get_json()["param"] == "kind"
    assert client.post(path, json={"note": "x"}, headers=worker).get_json()["param"] == "kind"
    contacts = client.get(f"/api/v1/referrals/{referral.id}", headers=worker).get_json()["contacts"]
    assert [(c["kind"], c["note"]) for c in contacts] == [
        ("phone", "spoke to the night manager"),
        ("transport", None),
    ]
    assert count(db, ReferralContact) == 2


# ---------------------------------------------------------------- clients and consent


def test_a_client_with_history_and_a_revoked_consent_stops_sharing(
    db: Session, client: Any, worker: dict[str, str], provider: dict[str, str], refer: Any
) -> None:
    referral = refer()
    record = client.get(f"/api/v1/clients/{referral.client_id}", headers=worker)
    assert record.status_code == 200
    body = record.get_json()
    assert body["display_name"] == "J. D."
    assert [r["id"] for r in body["referrals"]] == [str(referral.id)]
    assert [c["id"] for c in body["consents"]] == [str(referral.consent_id)]
    wrong = client.post(
        f"/api/v1/clients/{uuid.uuid4()}/consents/{referral.consent_id}/revoke", headers=worker
    )
    assert wrong.status_code == 404
    assert referral.consent is not None
    assert referral.consent.revoked_at is None
    revoked = client.post(
        f"/api/v1/clients/{referral.client_id}/consents/{referral.consent_id}/revoke", headers=worker
    )
    assert revoked.status_code == 200
    assert revoked.get_json()["revoked_at"] is not None
    assert revoked.get_json()["valid"] is False
    seen = client.get(f"/api/v1/referrals/{referral.id}", headers=provider).get_json()
    assert seen["client"] == {"id": str(referral.client_id)}


# ---------------------------------------------------------------- the audit log


def _reads(db: Session, record_type: str, record_id: object) -> list[str]:
    stmt = select(AuditEvent.actor).where(
        AuditEvent.action == "read",
        AuditEvent.record_type == record_type,
        AuditEvent.record_id == str(record_id),
    )
    return list(db.scalars(stmt.order_by(AuditEvent.id)))


def test_every_read_is_audited(
    db: Session, client: Any, people: People, worker: dict[str, str], provider: dict[str, str], refer: Any
) -> None:
    referral = refer()
    client.get(f"/api/v1/referrals/{referral.id}", headers=worker)
    assert _reads(db, "referral", referral.id) == [people.worker.label]
    assert _reads(db, "client", referral.client_id) == [people.worker.label]
    client.get("/api/v1/referrals", headers=provider)
    assert _reads(db, "referral", referral.id) == [people.worker.label, people.provider.label]
    assert _reads(db, "client", referral.client_id) == [people.worker.label, people.provider.label]
    client.get(f"/api/v1/clients/{referral.client_id}", headers=worker)
    assert _reads(db, "client", referral.client_id)[-1] == people.worker.label
    assert len(_reads(db, "client", referral.client_id)) == 3


# ---------------------------------------------------------------- on a database file of its own


def test_a_hold_through_the_api_commits_under_the_write_lock_on_a_file_of_its_own(tmp_path: Path) -> None:
    """No test transaction around it: the request begins its own (BEGIN IMMEDIATE on SQLite),
    the hold commits, and the second request for the last bed is refused and leaves nothing."""
    url = f"sqlite:///{tmp_path / 'own.db'}"
    migrate(url).dispose()
    app = create_app({"DATA_DIR": str(tmp_path / "d"), "DATABASE_URL": url, "SECRET_KEY": "own"})
    with app.app_context():
        session = get_session()
        session.info["actor"] = "test"
        org = Organization(id=uuid.uuid4(), name="Harbor Shelter Inc.", description="")
        svc = Service(id=uuid.uuid4(), name="Harbor Night Shelter", organization=org)
        figure = ServiceCapacity(
            id=uuid.uuid4(), unit=Unit(id=uuid.uuid4(), name="bed"), available=1, updated=utcnow()
        )
        svc.capacities.append(figure)
        from accounts import services as accounts

        team = accounts.add_team(session, "Team A", audit.command_line())
        session.add_all([org, svc])
        session.add(
            User(
                id=uuid.uuid4(),
                email="w@a.example.org",
                password_hash=PASSWORD_HASH,
                role=Role.social_worker,
                team=team,
            )
        )
        session.flush()
        secret = tokens.create(session, "w@a.example.org", list(WRITE), audit.command_line()).secret
        session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    web = app.test_client()
    assert web.post("/api/v1/referrals", json=body_for(svc, hold=True), headers=headers).status_code == 201
    assert web.post("/api/v1/referrals", json=body_for(svc, hold=True), headers=headers).status_code == 409
    with app.app_context():
        session = get_session()
        assert (count(session, Client), count(session, Referral)) == (1, 1)
    app.extensions["linkage_db"].engine.dispose()


def test_the_serializer_needs_no_request(db: Session, people: People, refer: Any) -> None:
    """Pages can reuse it: plain values in, a dict out."""
    referral = refer(client=client_input(display_name="A. B."))
    now = utcnow()
    body = present.referral(referral, people.worker, now, present.names_of(db, [referral]), SETTINGS)
    assert body["client"]["display_name"] == "A. B."
    assert body["events"][0]["to"] == "requested"


# ---------------------------------------------------------------- the document tells the truth


def _schema(doc: dict[str, Any], name: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": doc["components"]})


def test_answers_match_the_documented_schemas_and_the_example_body_works(
    db: Session, client: Any, worker: dict[str, str], shelter: Service
) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/api/v1/referrals"]["post"]
    example = dict(op["requestBody"]["content"]["application/json"]["example"])
    _schema(doc, "ReferralCreate").validate(example)
    example["service_id"] = str(shelter.id)
    made = client.post("/api/v1/referrals", json=example, headers=worker)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["need"] == "BD-1800.1900"  # no such term here: words stay words
    _schema(doc, "Referral").validate(made.get_json())
    _schema(doc, "Referral").validate(op["responses"]["201"]["content"]["application/json"]["example"])
    rid = made.get_json()["id"]
    _schema(doc, "ReferralPage").validate(client.get("/api/v1/referrals", headers=worker).get_json())
    contact = client.post(f"/api/v1/referrals/{rid}/contacts", json={"kind": "phone"}, headers=worker)
    _schema(doc, "ReferralContact").validate(contact.get_json())
    moved = client.post(
        f"/api/v1/referrals/{rid}/transitions", json={"to": "cancelled", "reason": "other"}, headers=worker
    )
    _schema(doc, "Problem").validate(moved.get_json())
    record = client.get(f"/api/v1/clients/{made.get_json()['client_id']}", headers=worker).get_json()
    _schema(doc, "ClientRecord").validate(record)
    assert doc["paths"]["/api/v1/referrals"]["post"]["x-linkage-admits"].startswith("coordinator, officer")


def test_a_hold_on_a_service_without_a_capacity_figure_is_a_422_on_hold(
    db: Session, client: Any, worker: dict[str, str], make_service: Any
) -> None:
    pantry = make_service("Harbor Pantry")
    before = counts(db)
    resp = client.post("/api/v1/referrals", json=body_for(pantry, hold=True), headers=worker)
    assert resp.status_code == 422
    assert resp.get_json()["param"] == "hold"
    assert counts(db) == before


def test_a_list_page_costs_the_same_queries_for_two_referrals_or_six(
    db: Session, client: Any, worker: dict[str, str], refer: Any
) -> None:
    from sqlalchemy import event

    def selects() -> int:
        seen: list[str] = []

        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                seen.append(statement)

        bind = db.get_bind()
        event.listen(bind, "before_cursor_execute", count)
        try:
            assert client.get("/api/v1/referrals", headers=worker).status_code == 200
        finally:
            event.remove(bind, "before_cursor_execute", count)
        return len(seen)

    now = utcnow()
    for _ in range(2):
        refer(now=now)
    few = selects()
    for _ in range(4):
        refer(now=now)
    assert selects() == few


def test_a_draft_and_the_figure_to_hold_are_asked_in_the_body(
    db: Session, client: Any, worker: dict[str, str], shelter: Service
) -> None:
    mats = ServiceCapacity(
        id=uuid.uuid4(), unit=Unit(id=uuid.uuid4(), name="mat"), available=2, updated=utcnow()
    )
    shelter.capacities.append(mats)
    db.flush()
    body = body_for(shelter, draft=True, hold=True, capacity_id=str(mats.id))
    resp = client.post("/api/v1/referrals", json=body, headers=worker)
    assert resp.status_code == 201, resp.get_json()
    answer = resp.get_json()
    assert answer["status"] == "draft"
    assert answer["hold"]["capacity_id"] == str(mats.id)
    sent = client.post(
        f"/api/v1/referrals/{answer['id']}/transitions", json={"to": "requested"}, headers=worker
    )
    assert sent.status_code == 200, sent.get_json()
    assert sent.get_json()["status"] == "requested"
    wrong = client.post("/api/v1/referrals", json=body_for(shelter, draft="yes"), headers=worker)
    assert wrong.status_code == 422
    assert wrong.get_json()["param"] == "draft"
