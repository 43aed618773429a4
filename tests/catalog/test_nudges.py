"""A stale figure nudges its provider: one e-mail per stale figure through the outbox, to a real
SMTP server (aiosmtpd on loopback) by `linkage worker --once`, carrying a signed link that
opens the service's form and updates the figure."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import select

from catalog import nudges, provider, rules
from catalog.models import ServiceCapacity
from kernel.db import utcnow
from kernel.outbox import OutboxMessage
from tests.accounts.test_login import csrf
from tests.referrals.mailserver import MailServer
from tests.referrals.test_notify import BASE, body, mail_on, worker_once

LINK = re.compile(re.escape(BASE) + r"(/provider/l/lkl_[A-Za-z0-9_-]+)")


@pytest.fixture
def shelter(make_service: Any, make_org: Any, db: Any) -> Any:
    svc = make_service(
        "Harbor Night Shelter",
        organization=make_org("Harbor Shelter Inc.", email="office@harbor.example.org"),
        beds=3,
        beds_max=20,
        beds_updated=utcnow() - dt.timedelta(hours=14),
    )
    svc.email = "intake@harbor.example.org"
    db.flush()
    return svc


def _nudges(db: Any) -> list[OutboxMessage]:
    db.expire_all()
    return list(db.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("stale:%"))))


def test_a_stale_figure_is_nudged_once_by_email_with_a_link_that_updates_it(
    app: Any, db: Any, client: Any, shelter: Any, make_service: Any
) -> None:
    make_service("Fresh Shelter", beds=2, beds_updated=utcnow())  # fresh: no nudge
    server = MailServer().start()
    try:
        mail_on(app, server.port)
        db.commit()
        out = worker_once(app)
        assert "stale figures: nudged 1" in out
        assert "outbox: sent 1, to retry 0, failed 0" in out
        again = worker_once(app)  # the figure is still stale: no second nudge
        assert "nudged" not in again
        assert "outbox: sent 0, to retry 0, failed 0" in again
        (received,) = server.messages
    finally:
        server.stop()
    assert received.rcpt_tos == ["intake@harbor.example.org"]
    assert received.message["Subject"] == "Is this still right? Harbor Night Shelter"
    text = body(received)
    assert "last known 3 of 20 beds free, 14 h ago" in text
    (message,) = _nudges(db)
    cap = shelter.capacities[0]
    assert message.dedupe_key == f"stale:{cap.id}:{cap.updated.isoformat()}"
    (path,) = LINK.findall(text)
    page = client.get(path)
    assert page.status_code == 200
    assert "Harbor Night Shelter" in page.text
    field = f"available-{cap.id}"
    saved = client.post(
        path, data={"service_id": str(shelter.id), field: "4", "save": "1", "csrf_token": csrf(client, path)}
    )
    assert saved.status_code == 200, saved.text
    db.expire_all()
    assert db.get_one(ServiceCapacity, cap.id).available == 4
    # Fresh now: the next pass nudges nobody; once it goes stale again, the new time nudges again.
    later = utcnow() + dt.timedelta(hours=13)
    with app.app_context():
        assert nudges.nudge_stale(db, base_url=BASE, language="en", max_ages=rules.MaxAges()) == []
        assert (
            len(nudges.nudge_stale(db, base_url=BASE, language="en", max_ages=rules.MaxAges(), now=later))
            == 1
        )


def test_a_nudge_is_written_in_the_deployments_language(app: Any, db: Any, shelter: Any) -> None:
    with app.app_context():
        (row_id,) = nudges.nudge_stale(db, base_url=BASE, language="es", max_ages=rules.MaxAges())
    row = db.get_one(OutboxMessage, row_id)
    assert row.subject == "¿Sigue siendo así? Harbor Night Shelter"
    assert "último dato: 3 de 20 camas libres, hace 14 h" in row.body_text


def test_the_organizations_address_is_used_without_the_services(app: Any, db: Any, shelter: Any) -> None:
    shelter.email = None
    db.flush()
    with app.app_context():
        nudges.nudge_stale(db, base_url=BASE, language="en", max_ages=rules.MaxAges())
    assert [m.recipient for m in _nudges(db)] == ["office@harbor.example.org"]


def test_no_nudge_without_an_address_or_the_base_url(app: Any, db: Any, shelter: Any) -> None:
    shelter.email = None
    shelter.organization.email = None
    db.flush()
    with app.app_context():
        assert nudges.nudge_stale(db, base_url=BASE, language="en", max_ages=rules.MaxAges()) == []
    # The worker makes no nudge without LINKAGE_BASE_URL: a link must say where Linkage is.
    shelter.email = "intake@harbor.example.org"
    server = MailServer().start()
    try:
        mail_on(app, server.port)
        app.config["BASE_URL"] = None
        db.commit()
        out = worker_once(app)
    finally:
        server.stop()
    assert "nudged" not in out
    assert _nudges(db) == []
    # The figure is still listed for coordinators, with no address to write to.
    found = provider.stale_figures(db, utcnow(), rules.MaxAges())
    assert [f.service for f in found] == ["Harbor Night Shelter"]
