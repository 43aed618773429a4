"""A provider without an account answers from the e-mail: the referral's e-mail is queued with
the referral (no client data in it, two signed links), the link's page shows the consented
fields and never spends the link on GET, the POST accepts or declines, and a link used,
withdrawn, expired or made up gets a page that says which."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import select

from kernel.db import utcnow
from kernel.outbox import OutboxMessage
from referrals import links, notify, services
from referrals.links import SignedLink
from referrals.models import Referral
from tests.accounts.test_login import csrf, sign_in

from .conftest import People, client_input, consent_input

BASE = "https://linkage.example.org"
LINK = re.compile(re.escape(BASE) + r"(/r/lkl_[A-Za-z0-9_-]+)")


def mail_on(app: Any, **kw: Any) -> None:
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=2525,
        SMTP_STARTTLS=False,
        MAIL_FROM="linkage@example.org",
        BASE_URL=BASE,
        **kw,
    )


@pytest.fixture
def send(app, db, people: People, shelter) -> Any:
    """send(**ReferralInput fields) -> a live referral created with the app's settings."""
    mail_on(app)
    shelter.email = "intake@harbor.example.org"
    db.flush()

    def factory(**kw: Any) -> Referral:
        now = kw.pop("now", utcnow())
        data = {"service_id": shelter.id, "client": client_input(), "consent": consent_input(), **kw}
        with app.app_context():
            settings = services.Settings.from_config(app.config)
            return services.create_referral(db, people.worker, services.ReferralInput(**data), settings, now)

    return factory


def queued(db, referral: Referral) -> OutboxMessage:
    db.expire_all()
    return db.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == f"referral:{referral.id}:sent")
    ).one()


def paths(message: OutboxMessage) -> tuple[str, str]:
    found = LINK.findall(message.body_text)
    assert len(found) == 2, message.body_text
    return found[0], found[1]  # accept, decline: in the e-mail's order


def link_row(db, path: str) -> SignedLink:
    import hashlib

    db.expire_all()
    digest = hashlib.sha256(path.removeprefix("/r/").encode()).hexdigest()
    return db.scalars(select(SignedLink).where(SignedLink.token_hash == digest)).one()


def answer(client, path: str, **data: str):
    return client.post(path, data={**data, "csrf_token": csrf(client, path)})


def fresh(db, referral: Referral) -> Referral:
    db.expire_all()
    return db.get_one(Referral, referral.id)


# ------------------------------------------------------------------ the e-mail


def test_a_live_referral_queues_one_email_with_two_links_and_no_client_data(send, db) -> None:
    referral = send(need="a bed tonight, has a dog")
    message = queued(db, referral)
    assert message.recipient == "intake@harbor.example.org"
    assert message.subject == "New referral for Harbor Night Shelter"
    body = message.body_text
    assert "Team A sent a referral to Harbor Night Shelter through Linkage." in body
    for private in ("J. D.", "1984", "female", "dog", "a bed tonight"):
        assert private not in body
    accept, decline = paths(message)
    assert link_row(db, accept).purpose == notify.ACCEPT
    assert link_row(db, decline).purpose == notify.DECLINE
    assert link_row(db, accept).expires_at - link_row(db, accept).created_at == links.DEFAULT_TTL
    # Asked again (a retried request, a second hook), nothing new: one e-mail, two links.
    assert notify.referral_sent(db, referral, notify.Outgoing(BASE), utcnow()) is None
    assert len(db.scalars(select(SignedLink).where(SignedLink.subject_id == referral.id)).all()) == 2


def test_the_organizations_address_when_the_service_has_none(send, db, shelter) -> None:
    shelter.email = None
    assert shelter.organization is not None
    shelter.organization.email = "office@harbor.example.org"
    db.flush()
    assert queued(db, send()).recipient == "office@harbor.example.org"


def test_no_email_without_an_address_for_a_logged_referral_or_with_mail_off(send, db, shelter, app) -> None:
    logged = send(mode="logged")
    draft = send(draft=True)
    shelter.email = None
    db.flush()
    nowhere = send()
    app.config["SMTP_HOST"] = None
    shelter.email = "intake@harbor.example.org"
    db.flush()
    off = send()
    db.expire_all()
    keys = set(db.scalars(select(OutboxMessage.dedupe_key)))
    for referral in (logged, draft, nowhere, off):
        assert f"referral:{referral.id}:sent" not in keys


def test_a_draft_sent_later_gets_its_email_then(send, db, people, app) -> None:
    draft = send(draft=True)
    with app.app_context():
        services.transition(
            db, people.worker, draft.id, "requested", services.Settings.from_config(app.config)
        )
    assert queued(db, draft).subject == "New referral for Harbor Night Shelter"


def test_the_email_in_the_deployments_language(send, db, app) -> None:
    app.config["MAIL_LANGUAGE"] = "es"
    message = queued(db, send())
    assert message.subject == "Nueva derivación para Harbor Night Shelter"
    assert "Team A envió una derivación a Harbor Night Shelter a través de Linkage." in message.body_text


# ------------------------------------------------------------------ the link's page


def test_looking_never_spends_the_link_and_shows_only_the_consented_fields(send, db, client) -> None:
    referral = send(consent=consent_input(data=("display_name",)), need="a bed tonight")
    accept, _decline = paths(queued(db, referral))
    for _ in range(2):  # a mail scanner, then the person
        resp = client.get(accept)
        assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert resp.headers["Cache-Control"] == "no-store"
    assert "J. D." in page
    assert "1984" not in page
    assert "a bed tonight" in page
    assert "Accept this referral" in page
    assert link_row(db, accept).used_at is None
    assert fresh(db, referral).status == "requested"


def test_the_post_accepts_and_withdraws_the_decline_link(send, db, client) -> None:
    referral = send(hold=True)
    accept, decline = paths(queued(db, referral))
    resp = answer(client, accept)
    assert resp.status_code == 200
    assert "You accepted the referral." in resp.get_data(as_text=True)
    moved = fresh(db, referral)
    assert moved.status == "accepted"
    event = moved.events[-1]
    assert (event.channel, event.actor, event.actor_user_id) == (
        "email-link",
        "e-mail link (intake@harbor.example.org)",
        None,
    )
    assert moved.hold is not None
    assert moved.hold.accepted_at is not None
    withdrawn = client.get(decline)
    assert withdrawn.status_code == 410
    text = withdrawn.get_data(as_text=True)
    assert "This link was withdrawn on" in text
    assert "already used" not in text
    assert "The referral is now: accepted." in text


def test_a_link_used_twice_says_when_and_for_what(send, db, client) -> None:
    referral = send()
    accept, _ = paths(queued(db, referral))
    assert answer(client, accept).status_code == 200
    used = link_row(db, accept).used_at
    assert used is not None
    again = client.post(accept, data={"csrf_token": csrf(client, "/login")})
    assert again.status_code == 410
    text = again.get_data(as_text=True)
    assert re.search(
        r"This link was already used, on [A-Z][a-z]+ \d+, \d{4}.*, to accept the referral\.", text
    )
    assert client.get(accept).status_code == 410
    assert len(fresh(db, referral).events) == 2  # requested, accepted: nothing more


def test_decline_asks_for_the_reason_and_spends_nothing_without_it(send, db, client) -> None:
    referral = send()
    _, decline = paths(queued(db, referral))
    page = client.get(decline).get_data(as_text=True)
    assert 'name="reason"' in page
    resp = answer(client, decline, note="full tonight")
    assert resp.status_code == 422
    text = resp.get_data(as_text=True)
    assert "Choose a reason." in text
    assert 'value="full tonight"' in text
    assert f'aria-describedby="link-{referral.id}-reason-error" aria-invalid="true"' in text
    assert link_row(db, decline).used_at is None
    assert fresh(db, referral).status == "requested"
    resp = answer(client, decline, reason="no-capacity", note="full tonight")
    assert resp.status_code == 200
    assert "You declined the referral." in resp.get_data(as_text=True)
    moved = fresh(db, referral)
    assert (moved.status, moved.events[-1].reason, moved.events[-1].note) == (
        "rejected",
        "no-capacity",
        "full tonight",
    )


def test_an_expired_link_says_so_and_whom_to_call(send, db, client, people) -> None:
    referral = send()
    token = links.make_link(
        db, notify.ACCEPT, referral.id, ttl=dt.timedelta(hours=1), now=utcnow() - dt.timedelta(days=2)
    )
    db.flush()
    for resp in (
        client.get(f"/r/{token}"),
        client.post(f"/r/{token}", data={"csrf_token": csrf(client, "/login")}),
    ):
        assert resp.status_code == 410
        text = resp.get_data(as_text=True)
        assert "This link expired on" in text
        assert "call or write to the referring team, Team A, who sent it (worker@a.example.org)" in text
    assert fresh(db, referral).status == "requested"


@pytest.mark.parametrize("token", ["lkl_made-up", "nothing-like-a-token"])
def test_a_made_up_link_is_a_404_page(client, token) -> None:
    resp = client.get(f"/r/{token}")
    assert resp.status_code == 404
    assert "This link is not valid." in resp.get_data(as_text=True)


def test_a_changed_link_is_a_404_page_and_changes_nothing(send, db, client) -> None:
    referral = send()
    accept, _ = paths(queued(db, referral))
    tampered = accept[:-1] + ("A" if accept[-1] != "A" else "B")
    assert client.get(tampered).status_code == 404
    resp = client.post(tampered, data={"csrf_token": csrf(client, "/login")})
    assert resp.status_code == 404
    assert fresh(db, referral).status == "requested"


def test_a_link_answered_in_the_inbox_first_is_withdrawn(send, db, client, people) -> None:
    referral = send()
    accept, decline = paths(queued(db, referral))
    assert sign_in(client, "intake@shelter.example.org").status_code == 302
    token = csrf(client, "/inbox")
    moved = client.post(
        f"/inbox/{referral.id}/move", data={"to": "rejected", "reason": "not-eligible", "csrf_token": token}
    )
    assert moved.status_code == 302
    for path in (accept, decline):
        text = client.get(path).get_data(as_text=True)
        assert "This link was withdrawn on" in text
        assert "The referral is now: declined." in text


def test_a_link_cancelled_by_the_team_is_withdrawn(send, db, client, people, app) -> None:
    referral = send()
    accept, _ = paths(queued(db, referral))
    with app.app_context():
        services.transition(
            db, people.worker, referral.id, "cancelled", services.Settings(), reason="client-declined"
        )
    resp = client.post(accept, data={"csrf_token": csrf(client, "/login")})
    assert resp.status_code == 410
    assert "withdrawn" in resp.get_data(as_text=True)
    assert fresh(db, referral).status == "cancelled"


def test_the_post_needs_its_csrf_token(send, db, client) -> None:
    referral = send()
    accept, _ = paths(queued(db, referral))
    assert client.post(accept).status_code == 400
    assert link_row(db, accept).used_at is None


def test_the_link_page_in_spanish(send, db, client) -> None:
    accept, decline = paths(queued(db, send()))
    page = client.get(accept, headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Aceptar esta derivación" in page
    assert "Lo que el cliente aceptó compartir con usted" in page
    assert "Rechazar esta derivación" in client.get(decline, headers={"Accept-Language": "es"}).get_data(
        as_text=True
    )
