"""The provider's inbox: only its organizations' referrals, newest first, with the consented
fields only; accept, decline with a reason, ask for more, one POST each that comes back with
a confirmation; the other moves on the referral's page; every read audited."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from accounts.models import AuditEvent
from kernel.db import utcnow
from referrals.models import Referral, ReferralContact, ReferralEvent
from tests.accounts.test_login import csrf, sign_in

from .conftest import People


@pytest.fixture
def provider(client, people: People):
    assert sign_in(client, "intake@shelter.example.org").status_code == 302
    return client


def fresh(db, referral: Referral) -> Referral:
    db.expire_all()
    return db.get_one(Referral, referral.id)


def post(client, path: str, data: dict[str, str], page: str = "/inbox"):
    return client.post(path, data={**data, "csrf_token": csrf(client, page)})


def test_the_inbox_lists_its_organizations_referrals_newest_first(
    provider, refer, make_service, make_org
) -> None:
    now = utcnow()
    older = refer(now=now - dt.timedelta(hours=2))
    newer = refer(now=now - dt.timedelta(minutes=5))
    elsewhere = make_service("Other Shelter", organization=make_org("Other Org"), beds=2, beds_max=5)
    theirs = refer(service_id=elsewhere.id, now=now)
    page = provider.get("/inbox").get_data(as_text=True)
    assert page.index(f'id="r-{newer.id}"') < page.index(f'id="r-{older.id}"')
    assert str(theirs.id) not in page
    assert "2 open referrals, newest first." in page
    assert "Harbor Night Shelter" in page


def test_only_the_consented_fields_are_shown(provider, refer, db) -> None:
    from .conftest import consent_input

    shared = refer(consent=consent_input(data=("display_name", "language")), need="a bed tonight")
    page = provider.get("/inbox").get_data(as_text=True)
    assert "J. D." in page
    assert "a bed tonight" in page
    assert "Preferred language" in page
    assert "1984" not in page  # the birth year was not consented to
    assert "female" not in page
    detail = provider.get(f"/inbox/{shared.id}").get_data(as_text=True)
    assert "J. D." in detail
    assert "1984" not in detail


def test_nothing_of_the_client_once_consent_is_revoked(provider, refer, db, people) -> None:
    from referrals import services

    referral = refer()
    assert referral.consent_id is not None
    services.revoke_consent(db, people.worker, referral.consent_id)
    db.flush()
    page = provider.get(f"/inbox/{referral.id}").get_data(as_text=True)
    assert "J. D." not in page
    assert "shares no details with you" in page


def test_another_provider_sees_nothing(client, people, refer) -> None:
    referral = refer()
    assert sign_in(client, "intake@other.example.org").status_code == 302
    page = client.get("/inbox").get_data(as_text=True)
    assert str(referral.id) not in page
    assert "No referrals are waiting" in page
    assert client.get(f"/inbox/{referral.id}").status_code == 404
    token = csrf(client, "/inbox")
    resp = client.post(f"/inbox/{referral.id}/move", data={"to": "accepted", "csrf_token": token})
    assert resp.status_code == 404
    assert client.get("/inbox/not-an-id").status_code == 404


def test_a_team_member_may_not_open_the_inbox(client, people) -> None:
    assert sign_in(client, "worker@a.example.org").status_code == 302
    assert client.get("/inbox").status_code == 403


def test_a_draft_is_not_in_the_inbox(provider, refer) -> None:
    draft = refer(draft=True)
    assert str(draft.id) not in provider.get("/inbox").get_data(as_text=True)
    assert provider.get(f"/inbox/{draft.id}").status_code == 404


def test_accept_is_one_post_that_comes_back_with_a_confirmation(provider, refer, db) -> None:
    referral = refer(hold=True, now=utcnow())
    page = provider.get("/inbox").get_data(as_text=True)
    assert re.search(r"A place is held until .+ \(expires in 1[01]\d min\)\.", page), page
    resp = post(provider, f"/inbox/{referral.id}/move", {"to": "accepted"})
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/inbox#r-{referral.id}")
    after = provider.get("/inbox").get_data(as_text=True)
    assert '<p role="status" class="notice">Accepted. The referring team sees it now.</p>' in after
    moved = fresh(db, referral)
    assert moved.status == "accepted"
    last = moved.events[-1]
    assert (last.to_status, last.channel, last.actor) == ("accepted", "web", "intake@shelter.example.org")
    assert moved.hold is not None
    assert moved.hold.accepted_at is not None


def test_a_post_without_its_csrf_token_is_refused(provider, refer, db) -> None:
    referral = refer()
    resp = provider.post(f"/inbox/{referral.id}/move", data={"to": "accepted"})
    assert resp.status_code == 400
    assert fresh(db, referral).status == "requested"


def test_decline_needs_a_reason_and_keeps_what_was_typed(provider, refer, db) -> None:
    referral = refer()
    resp = post(
        provider,
        f"/inbox/{referral.id}/move",
        {"to": "rejected", "note": "we are full tonight", "form_name": "move-rejected"},
    )
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Choose a reason." in page
    assert 'value="we are full tonight"' in page
    field = f"move-rejected-{referral.id}-reason"
    assert f'aria-describedby="{field}-error" aria-invalid="true"' in page
    assert f'id="{field}-error"' in page
    assert '<details class="answer" open>' in page  # the folded form is open to be corrected
    assert fresh(db, referral).status == "requested"  # the refusal changed nothing
    resp = post(
        provider,
        f"/inbox/{referral.id}/move",
        {"to": "rejected", "reason": "no-capacity", "note": "we are full tonight"},
    )
    assert resp.status_code == 302
    moved = fresh(db, referral)
    assert moved.status == "rejected"
    assert (moved.events[-1].reason, moved.events[-1].note) == ("no-capacity", "we are full tonight")


def test_other_needs_words_of_its_own(provider, refer, db) -> None:
    referral = refer()
    resp = post(
        provider,
        f"/inbox/{referral.id}/move",
        {"to": "rejected", "reason": "other", "form_name": "move-rejected"},
    )
    assert resp.status_code == 422
    assert "needs words of its own" in resp.get_data(as_text=True)
    assert fresh(db, referral).status == "requested"


def test_ask_for_more_is_a_question_the_team_sees(provider, refer, db) -> None:
    referral = refer()
    resp = post(provider, f"/inbox/{referral.id}/ask", {"question": "Does the client use a wheelchair?"})
    assert resp.status_code == 302
    assert "Your question was sent" in provider.get("/inbox").get_data(as_text=True)
    db.expire_all()
    asked = db.scalars(select(ReferralContact).where(ReferralContact.referral_id == referral.id)).one()
    assert (asked.kind, asked.note) == ("question", "Does the client use a wheelchair?")
    assert fresh(db, referral).status == "requested"  # the answer is still owed
    detail = provider.get(f"/inbox/{referral.id}").get_data(as_text=True)
    assert "Question from the provider: Does the client use a wheelchair?" in detail


def test_an_empty_question_is_refused_on_its_field(provider, refer, db) -> None:
    referral = refer()
    resp = post(
        provider, f"/inbox/{referral.id}/ask", {"question": "  ", "form_name": "ask", "back": "detail"}
    )
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Write the question for the referring team" in page
    assert f'id="ask-{referral.id}-question-error"' in page
    db.expire_all()
    assert db.scalars(select(ReferralContact).where(ReferralContact.referral_id == referral.id)).all() == []


def test_the_referrals_page_offers_the_providers_other_moves(provider, bring, db) -> None:
    referral = bring("accepted")
    page = provider.get(f"/inbox/{referral.id}").get_data(as_text=True)
    for words in ("Mark as started", "Put on hold", "Mark as failed", "Mark as completed"):
        assert words in page
    assert "Cancel" not in page  # the team's move
    resp = post(
        provider,
        f"/inbox/{referral.id}/move",
        {"to": "completed", "back": "detail", "form_name": "move-completed"},
        page=f"/inbox/{referral.id}",
    )
    assert resp.status_code == 422
    assert "Choose the outcome." in resp.get_data(as_text=True)
    for to, reason in (("in-progress", ""), ("on-hold", "could-not-contact"), ("completed", "got-help")):
        resp = post(
            provider,
            f"/inbox/{referral.id}/move",
            {"to": to, "reason": reason, "back": "detail"},
            page=f"/inbox/{referral.id}",
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)
        assert resp.headers["Location"].endswith(f"/inbox/{referral.id}")
        assert fresh(db, referral).status == to
    done = provider.get(f"/inbox/{referral.id}").get_data(as_text=True)
    assert "Marked as completed." in done
    assert "got help" in done


def test_a_move_the_table_no_longer_allows_says_so(provider, bring, db) -> None:
    referral = bring("cancelled")
    resp = post(
        provider,
        f"/inbox/{referral.id}/move",
        {"to": "accepted", "form_name": "move-accepted"},
        page=f"/inbox/{referral.id}",
    )
    assert resp.status_code == 409
    assert "it changed meanwhile" in resp.get_data(as_text=True)
    assert fresh(db, referral).status == "cancelled"


def test_every_read_is_audited(provider, refer, db, people) -> None:
    referral = refer()
    provider.get("/inbox")
    db.expire_all()
    reads = db.execute(
        select(AuditEvent.record_type, AuditEvent.record_id).where(
            AuditEvent.action == "read", AuditEvent.actor == "intake@shelter.example.org"
        )
    ).all()
    assert ("referral", str(referral.id)) in reads
    assert ("client", str(referral.client_id)) in reads


def test_the_inbox_in_spanish(provider, refer) -> None:
    refer()
    page = provider.get("/inbox", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Derivaciones recibidas" in page
    assert "Aceptar" in page
    assert "esperando su respuesta" in page


def test_the_nav_links_a_provider_to_the_inbox(provider) -> None:
    assert 'href="/inbox">Incoming referrals</a>' in provider.get("/").get_data(as_text=True)


def test_events_of_a_move_are_in_the_log_once(provider, refer, db) -> None:
    referral = refer()
    post(provider, f"/inbox/{referral.id}/move", {"to": "accepted"})
    db.expire_all()
    events = db.scalars(
        select(ReferralEvent.to_status)
        .where(ReferralEvent.referral_id == referral.id)
        .order_by(ReferralEvent.at, ReferralEvent.id)  # ids are time-ordered (UUIDv7)
    ).all()
    assert events == ["requested", "accepted"]


def test_the_nav_counts_what_waits_for_the_provider(provider, refer, bring) -> None:
    refer()
    refer()
    bring("accepted")  # answered: not waiting
    page = provider.get("/").get_data(as_text=True)
    assert 'Incoming referrals <span class="badge count">2 waiting</span></a>' in page


def test_the_nav_reminds_the_team_of_overdue_follow_ups(client, people, refer) -> None:
    now = utcnow()
    refer(now=now - dt.timedelta(hours=25))  # requested, unanswered past its 24 h
    refer(now=now - dt.timedelta(hours=1))  # not due yet
    assert sign_in(client, "coordinator@a.example.org").status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "1 overdue follow-up" in page
    spanish = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "1 seguimiento atrasado" in spanish


def test_another_team_is_not_reminded_of_them(client, people, refer) -> None:
    refer(now=utcnow() - dt.timedelta(hours=25))
    assert sign_in(client, "worker@b.example.org").status_code == 302
    assert "overdue follow-up" not in client.get("/").get_data(as_text=True)
