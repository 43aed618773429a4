"""Consent before sharing, 42 CFR Part 2 for substance-use treatment, and the client record's
least data."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy.orm import Session

from catalog.models import Attribute
from kernel.errors import Problem
from referrals import access, consent, services

from .conftest import NOW, SETTINGS, People, client_input, consent_input


def test_a_referral_is_not_sent_without_consent(db: Session, refer) -> None:
    with pytest.raises(Problem) as missing:
        refer(consent=None)
    assert missing.value.status == 422
    assert missing.value.param == "consent"
    with pytest.raises(Problem) as refused:
        refer(consent=consent_input(given=False, method=None))
    assert refused.value.param == "consent.given"
    assert "has not consented" in refused.value.detail


def test_a_draft_needs_no_consent_until_it_is_sent(db: Session, people: People, refer) -> None:
    draft = refer(consent=None, draft=True)
    assert draft.status == "draft"
    with pytest.raises(Problem) as refused:
        services.transition(db, people.worker, draft.id, "requested", SETTINGS, now=NOW)
    assert refused.value.param == "consent"
    assert draft.status == "draft"


def test_consent_naming_another_provider_or_expired_does_not_count(db, people, refer, make_org) -> None:
    with pytest.raises(Problem):
        refer(consent=consent_input(organization_id=make_org("Someone Else").id))
    with pytest.raises(Problem) as bad_date:
        refer(consent=consent_input(expires_at=NOW - dt.timedelta(days=1)))
    assert bad_date.value.param == "consent.expires_at"
    made = refer(consent=consent_input(expires_at=NOW + dt.timedelta(days=1)))
    assert made.consent is not None
    assert consent.valid_for(made.consent, made.organization_id, NOW)
    assert not consent.valid_for(made.consent, made.organization_id, NOW + dt.timedelta(days=2))


def test_consent_says_how_and_what(db: Session, refer) -> None:
    with pytest.raises(Problem) as how:
        refer(consent=consent_input(method=None))
    assert how.value.param == "consent.method"
    with pytest.raises(Problem) as odd:
        refer(consent=consent_input(method="nodded"))
    assert odd.value.param == "consent.method"
    with pytest.raises(Problem) as scope:
        refer(consent=consent_input(data=("display_name", "ssn")))
    assert scope.value.param == "consent.scope"


def test_the_provider_sees_only_the_consented_fields_while_open(db, people, refer) -> None:
    made = refer(
        client=client_input(contact_preference="phone", phone="614-555-0101", incident_ref="CAD-26-0042"),
        consent=consent_input(data=("display_name", "language", "phone")),
    )
    assert access.shared_fields(people.provider, made, NOW) == ("display_name", "language", "phone")
    assert "incident_ref" in access.shared_fields(people.worker, made, NOW)
    assert access.shared_fields(people.other_provider, made, NOW) == ()
    services.transition(db, people.provider, made.id, "rejected", SETTINGS, reason="no-capacity", now=NOW)
    assert access.shared_fields(people.provider, made, NOW) == ()  # closed: nothing more is shared


def test_revoking_consent_stops_sharing_at_once(db, people, refer) -> None:
    made = refer()
    assert made.consent is not None
    assert access.shared_fields(people.provider, made, NOW)
    with pytest.raises(Problem) as other_team:
        services.revoke_consent(db, people.stranger, made.consent.id, NOW)
    assert other_team.value.status == 404
    services.revoke_consent(db, people.coordinator, made.consent.id, NOW)
    assert access.shared_fields(people.provider, made, NOW) == ()
    assert access.may_see(people.provider, made)  # the referral itself, without the client


@pytest.fixture
def detox(make_service, make_org, make_term, db):
    """A detox service filed under Detox, a child of Addiction & Recovery (its ancestors are
    not attached to the service)."""
    health = make_term("1106", "Health", taxonomy="Open Eligibility")
    recovery = make_term("1178", "Addiction & Recovery", parent=health)
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


def test_part_2_needs_written_or_electronic_consent_naming_the_provider(db, people, refer, detox) -> None:
    assert consent.needs_part_2(db, detox.id)
    with pytest.raises(Problem) as verbal:
        refer(service_id=detox.id)
    assert verbal.value.status == 422
    assert verbal.value.param == "consent.method"
    assert "42 CFR Part 2" in verbal.value.detail
    assert "written or electronic" in verbal.value.detail
    made = refer(service_id=detox.id, consent=consent_input(method="written"))
    assert made.status == "requested"
    assert made.consent is not None
    assert made.consent.organization_id == detox.organization_id


def test_part_2_by_the_catalogs_attribute(db, make_service, people) -> None:
    svc = make_service("Harbor Counseling")
    assert not consent.needs_part_2(db, svc.id)
    db.add(Attribute(id=uuid.uuid4(), link_id=svc.id, link_entity="service", link_type="part_2", value="yes"))
    db.flush()
    assert consent.needs_part_2(db, svc.id)


def test_a_known_client_with_valid_consent_is_referred_again(db, people, refer) -> None:
    first = refer()
    again = refer(client=None, client_id=first.client_id, consent=None)
    assert again.consent_id == first.consent_id
    assert again.client_id == first.client_id
    with pytest.raises(Problem) as theirs:
        refer(client=None, client_id=first.client_id, by=people.stranger)
    assert theirs.value.param == "client_id"


@pytest.mark.parametrize(
    ("given", "param"),
    [
        ({"display_name": " "}, "client.display_name"),
        ({"contact_preference": "pigeon"}, "client.contact_preference"),
        ({"contact_preference": "phone"}, "client.phone"),
        ({"contact_preference": "text"}, "client.phone"),
        ({"contact_preference": "email"}, "client.email"),
        ({"contact_preference": "email", "email": "a@b.example", "phone": "614-555-0100"}, "client.phone"),
        ({"contact_preference": "do_not_contact", "email": "a@b.example"}, "client.email"),
        ({"birth_year": 1700}, "client.birth_year"),
        ({"birth_year": 1990, "age": 30}, "client.age"),
        ({"birth_year": None, "age": 300}, "client.age"),
    ],
)
def test_the_client_record_keeps_the_least_data(db, refer, given, param) -> None:
    with pytest.raises(Problem) as refused:
        refer(client=client_input(**given))
    assert refused.value.status == 422
    assert refused.value.param == param


def test_age_becomes_a_birth_year_and_only_the_needed_contact_is_kept(db, refer) -> None:
    made = refer(
        client=client_input(birth_year=None, age=40, contact_preference="text", phone="614-555-0102")
    )
    assert made.client.birth_year == NOW.year - 40
    assert made.client.phone == "614-555-0102"
    assert made.client.email is None


def test_only_team_members_refer(db, people, refer) -> None:
    for actor in (people.provider, people.admin):
        with pytest.raises(Problem) as refused:
            refer(by=actor)
        assert refused.value.status == 403
