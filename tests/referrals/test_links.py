"""Signed links: single-use, expiring, tamper-proof; only their digest is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import uuid

import pytest
from sqlalchemy import select

from kernel.db import catalog_sessions, make_engine, utcnow
from referrals.links import (
    PREFIX,
    LinkExpired,
    LinkRevoked,
    LinkUnknown,
    LinkUsed,
    SignedLink,
    check_link,
    make_link,
    revoke_links,
    use_link,
)

from .mailserver import committed_database

ACCEPT = "referral:accept"


def test_a_link_is_used_once_and_names_its_subject(db) -> None:
    referral = uuid.uuid4()
    token = make_link(db, ACCEPT, referral)
    assert token.startswith(PREFIX)
    assert check_link(db, token, ACCEPT).subject_id == referral  # the confirmation page
    assert check_link(db, token, ACCEPT).used_at is None  # looking does not spend it
    link = use_link(db, token, ACCEPT)
    assert link.subject_id == referral
    assert link.used_at is not None
    with pytest.raises(LinkUsed) as caught:
        use_link(db, token, ACCEPT)
    assert (caught.value.status, caught.value.reason) == (410, "used")
    assert str(caught.value.detail) == "This link has already been used."
    with pytest.raises(LinkUsed):
        check_link(db, token, ACCEPT)


def test_the_reason_is_said_in_the_readers_language(app) -> None:
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert str(LinkUsed().detail) == "Este enlace ya se ha usado."
        assert str(LinkExpired().detail) == "Este enlace ha caducado."
        assert str(LinkUnknown().detail).startswith("Este enlace no es válido.")


def test_only_the_digest_is_stored(db) -> None:
    token = make_link(db, ACCEPT, uuid.uuid4())
    row = db.scalars(select(SignedLink)).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {row.token_hash, row.purpose, str(row.subject_id)}


def test_an_expired_link_is_refused(db) -> None:
    made = utcnow() - dt.timedelta(days=8)
    token = make_link(db, ACCEPT, uuid.uuid4(), now=made)
    assert db.scalars(select(SignedLink)).one().expires_at == made + dt.timedelta(days=7)
    with pytest.raises(LinkExpired) as caught:
        use_link(db, token, ACCEPT)
    assert (caught.value.status, caught.value.reason) == (410, "expired")
    with pytest.raises(LinkExpired):
        check_link(db, token, ACCEPT)
    # a short one: fine before its end, refused at it
    short = make_link(db, ACCEPT, uuid.uuid4(), ttl=dt.timedelta(hours=1), now=made)
    assert check_link(db, short, ACCEPT, now=made + dt.timedelta(minutes=59))
    with pytest.raises(LinkExpired):
        use_link(db, short, ACCEPT, now=made + dt.timedelta(hours=1))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # one character changed
        lambda t: t[:-3],  # cut short (a line break in a mail client)
        lambda t: t + "x",
        lambda t: PREFIX + "made-up-token",
        lambda t: "",
    ],
)
def test_a_tampered_or_made_up_link_is_unknown(db, tamper) -> None:
    token = make_link(db, ACCEPT, uuid.uuid4())
    with pytest.raises(LinkUnknown) as caught:
        use_link(db, tamper(token), ACCEPT)
    assert (caught.value.status, caught.value.reason) == (404, "unknown")
    assert check_link(db, token, ACCEPT).used_at is None  # the real one still works


def test_a_link_made_for_one_purpose_does_nothing_for_another(db) -> None:
    token = make_link(db, "referral:decline", uuid.uuid4())
    with pytest.raises(LinkUnknown):
        use_link(db, token, ACCEPT)
    with pytest.raises(LinkUnknown):
        check_link(db, token, ACCEPT)
    assert use_link(db, token, "referral:decline")


def test_a_rolled_back_use_leaves_the_link_unused(db) -> None:
    token = make_link(db, ACCEPT, uuid.uuid4())
    nested = db.begin_nested()
    use_link(db, token, ACCEPT)
    nested.rollback()  # the act failed: the person can try again
    assert use_link(db, token, ACCEPT).used_at is not None


def test_answering_on_the_web_revokes_the_emailed_links(db) -> None:
    referral, other = uuid.uuid4(), uuid.uuid4()
    accept, decline = make_link(db, ACCEPT, referral), make_link(db, "referral:decline", referral)
    keep = make_link(db, ACCEPT, other)
    assert revoke_links(db, referral, "referral:decline") == 1
    assert revoke_links(db, referral) == 1
    for token, purpose in ((accept, ACCEPT), (decline, "referral:decline")):
        with pytest.raises(LinkRevoked) as caught:  # withdrawn, not "already used"
            use_link(db, token, purpose)
        assert (caught.value.status, caught.value.reason) == (410, "revoked")
        assert caught.value.link is not None
        assert caught.value.link.revoked_at is not None
        assert caught.value.link.used_at is None
        with pytest.raises(LinkRevoked):
            check_link(db, token, purpose)
    assert use_link(db, keep, ACCEPT).subject_id == other


def test_a_used_link_is_not_withdrawn_afterwards(db) -> None:
    referral = uuid.uuid4()
    accept = make_link(db, ACCEPT, referral)
    use_link(db, accept, ACCEPT)
    assert revoke_links(db, referral) == 0
    with pytest.raises(LinkUsed) as caught:
        check_link(db, accept, ACCEPT)
    assert caught.value.link is not None
    assert caught.value.link.purpose == ACCEPT


def test_a_page_may_answer_several_purposes(db) -> None:
    token = make_link(db, "referral:decline", uuid.uuid4())
    assert check_link(db, token, (ACCEPT, "referral:decline")).purpose == "referral:decline"
    with pytest.raises(LinkUnknown):
        check_link(db, token, (ACCEPT, "client:read"))


def test_a_link_needs_a_purpose_and_a_lifetime(db) -> None:
    with pytest.raises(ValueError, match="purpose"):
        make_link(db, "", uuid.uuid4())
    with pytest.raises(ValueError, match="expire"):
        make_link(db, ACCEPT, uuid.uuid4(), ttl=dt.timedelta(0))


def test_two_clicks_at_once_act_once(tmp_path) -> None:
    """Two transactions on their own connections spend one link at the same moment."""
    with committed_database(tmp_path, "links") as url:
        engine = make_engine(url)
        try:
            sessions = catalog_sessions(engine)
            with sessions.begin() as session:
                token = make_link(session, ACCEPT, uuid.uuid4())
            start = threading.Barrier(2)
            outcomes: list[str] = []

            def click() -> None:
                with sessions() as session:
                    start.wait()
                    try:
                        use_link(session, token, ACCEPT)
                        session.commit()
                        outcomes.append("acted")
                    except LinkUsed:
                        session.rollback()
                        outcomes.append("used")

            threads = [threading.Thread(target=click) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert sorted(outcomes) == ["acted", "used"]
        finally:
            engine.dispose()
