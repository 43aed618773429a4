"""What each role and team may see and do, and the audit row of every read of client data."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import AuditEvent
from kernel.errors import Problem
from referrals import access, queries, services

from .conftest import NOW, SETTINGS, People


def _reads(db: Session, record_type: str, record_id: object) -> list[str]:
    stmt = select(AuditEvent.actor).where(
        AuditEvent.action == "read",
        AuditEvent.record_type == record_type,
        AuditEvent.record_id == str(record_id),
    )
    return list(db.scalars(stmt.order_by(AuditEvent.id)))


def test_the_team_and_the_receiving_provider_see_a_referral_nobody_else(db, people: People, refer) -> None:
    made = refer()
    for actor in (people.worker, people.officer, people.coordinator, people.provider):
        assert queries.referral(db, actor, made.id, NOW).id == made.id
    for actor in (people.stranger, people.other_provider, people.admin):
        with pytest.raises(Problem) as hidden:
            queries.referral(db, actor, made.id, NOW)
        assert hidden.value.status == 404
    readers = _reads(db, "referral", made.id)
    assert readers == [
        people.worker.label,
        people.officer.label,
        people.coordinator.label,
        people.provider.label,
    ]
    assert _reads(db, "client", made.client_id) == readers  # each saw client data too


def test_a_draft_is_the_teams_alone(db, people, refer) -> None:
    draft = refer(draft=True)
    with pytest.raises(Problem):
        queries.referral(db, people.provider, draft.id, NOW)
    assert [r.id for r in queries.page(db, people.provider, queries.Filters(), now=NOW)[0]] == []


def test_a_provider_without_consent_reads_the_referral_but_no_client_data(db, people, refer) -> None:
    made = refer()
    assert made.consent is not None
    services.revoke_consent(db, people.worker, made.consent.id, NOW)
    queries.referral(db, people.provider, made.id, NOW)
    assert _reads(db, "referral", made.id) == [people.provider.label]
    assert _reads(db, "client", made.client_id) == []


def test_lists_hold_what_each_may_see_and_each_listed_referral_is_a_read(
    db, people, refer, make_service
) -> None:
    ours = [refer(), refer(draft=True, consent=None)]
    elsewhere = make_service("Harbor Pantry")
    other = refer(service_id=elsewhere.id)
    theirs = refer(by=people.stranger)

    def listed(actor, **kw) -> set:
        rows, total = queries.page(db, actor, queries.Filters(**kw), now=NOW)
        assert total == len(rows)
        return {r.id for r in rows}

    assert listed(people.worker) == {ours[0].id, ours[1].id, other.id}
    assert listed(people.stranger) == {theirs.id}
    assert listed(people.provider) == {ours[0].id, theirs.id}  # sent to the shelter, by either team
    assert listed(people.other_provider) == set()
    assert listed(people.admin) == set()
    assert listed(people.worker, statuses=["draft"]) == {ours[1].id}
    assert listed(people.worker, service_id=elsewhere.id) == {other.id}
    assert listed(people.worker, overdue=True) == set()
    later = queries.page(db, people.worker, queries.Filters(overdue=True), now=NOW + dt.timedelta(hours=25))
    assert {r.id for r in later[0]} == {ours[0].id, other.id}  # requested and unanswered for a day
    assert listed(people.worker, overdue=False) == {ours[0].id, ours[1].id, other.id}
    assert listed(people.worker, since=NOW + dt.timedelta(seconds=1)) == set()
    assert _reads(db, "referral", other.id) == [people.worker.label] * 4


def test_the_client_record_is_its_teams_and_every_read_is_audited(db, people, refer) -> None:
    made = refer()
    assert queries.client(db, people.coordinator, made.client_id, NOW).display_name == "J. D."
    for actor in (people.stranger, people.provider, people.admin):
        with pytest.raises(Problem) as hidden:
            queries.client(db, actor, made.client_id, NOW)
        assert hidden.value.status == 404
    assert _reads(db, "client", made.client_id) == [people.coordinator.label]
    assert [r.id for r in queries.client_referrals(db, people.worker, made.client_id)] == [made.id]


def test_contacts_are_logged_by_the_team_and_the_provider(db, people, refer) -> None:
    made = refer()
    services.add_contact(db, people.worker, made.id, "phone", "Spoke to intake, bed 4", NOW)
    services.add_contact(db, people.provider, made.id, "transport", "Van at 19:00", NOW)
    assert [(c.kind, c.actor) for c in made.contacts] == [
        ("phone", people.worker.label),
        ("transport", people.provider.label),
    ]
    with pytest.raises(Problem) as bad:
        services.add_contact(db, people.worker, made.id, "carrier pigeon", None, NOW)
    assert bad.value.status == 422
    assert bad.value.param == "kind"
    with pytest.raises(Problem) as hidden:
        services.add_contact(db, people.stranger, made.id, "phone", None, NOW)
    assert hidden.value.status == 404
    with pytest.raises(Problem) as long:
        services.add_contact(db, people.worker, made.id, "phone", "x" * 5000, NOW)
    assert long.value.param == "note"


def test_a_signed_link_acts_as_the_provider_on_the_email_link_channel(db, people, refer) -> None:
    made = refer()
    link = access.Actor.signed_link(people.organization.id, "signed link (intake@shelter.example.org)")
    services.transition(db, link, made.id, "accepted", SETTINGS, now=NOW)
    assert made.events[-1].channel == "email-link"
    assert made.events[-1].actor_user_id is None


def test_a_referral_names_a_location_where_the_service_is(db, people, refer, shelter, make_service) -> None:
    here = shelter.service_at_locations[0].location_id
    assert refer(location_id=here).location_id == here
    other = make_service("Elsewhere Shelter").service_at_locations[0].location_id
    with pytest.raises(Problem) as wrong:
        refer(location_id=other)
    assert wrong.value.param == "location_id"
    with pytest.raises(Problem) as both:
        refer(client_id=made_id(refer))
    assert both.value.param == "client"
    with pytest.raises(Problem) as mode:
        refer(mode="carrier")
    assert mode.value.param == "mode"


def made_id(refer):
    return refer().client_id
