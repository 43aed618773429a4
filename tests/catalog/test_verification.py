"""A provider of the service's organization, or an admin, confirms a record is current in one
step; the page says who (as a role) and how long ago; a queue lists what nobody confirmed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select

import phrases
from catalog.models import Metadata, Service
from catalog.verification import ServiceVerification
from tests.accounts.test_login import csrf

TODAY = dt.date(2026, 12, 3)


@pytest.fixture
def shelter(make_service):
    return make_service(
        "Harbor Night Shelter", assured_date=dt.date(2026, 6, 1), assurer_email="feed@example.org"
    )


def _confirm(client, service):
    token = csrf(client, "/account/password")
    return client.post(f"/services/{service.id}/verify", data={"csrf_token": token})


def _log(db, service):
    return db.scalars(
        select(Metadata).where(
            Metadata.resource_id == service.id,
            Metadata.field_name.in_(["assured_date", "assurer_email"]),
        )
    ).all()


def test_provider_of_the_organization_confirms_in_one_step(app, db, signed_in, shelter):
    client = signed_in("provider", organizations=[str(shelter.organization_id)])
    page = client.get(f"/services/{shelter.id}").text
    assert "Confirm these details are current" in page
    before = shelter.last_modified

    resp = _confirm(client, shelter)

    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(f"/services/{shelter.id}")
    db.expire_all()
    svc = db.get(Service, shelter.id)
    today = dt.date.today()
    assert abs((svc.assured_date - today).days) <= 1  # the deployment's date, not UTC's
    assert svc.assurer_email == client.email
    assert svc.last_modified == before  # verification is not a modification
    rows = {r.field_name: r for r in _log(db, shelter)}
    assert rows["assurer_email"].previous_value == "feed@example.org"
    assert rows["assurer_email"].replacement_value == client.email
    assert rows["assured_date"].updated_by == client.email
    page = client.get(f"/services/{shelter.id}").text
    assert "Verified today by the provider" in page
    assert client.email not in app.test_client().get(f"/services/{shelter.id}").text


def test_admin_confirms_any_record(app, db, signed_in, shelter):
    client = signed_in("admin")
    assert _confirm(client, shelter).status_code == 303
    db.expire_all()
    assert db.get(Service, shelter.id).assurer_email == client.email
    public = app.test_client().get(f"/services/{shelter.id}").text
    assert "Verified today by an administrator" in public
    assert client.email not in public
    role = db.scalars(select(ServiceVerification.role).where(ServiceVerification.service_id == shelter.id))
    assert list(role) == ["admin"]


def test_provider_of_another_organization_is_refused_and_nothing_is_written(
    app, db, signed_in, make_org, shelter
):
    other = make_org("Other Org")
    client = signed_in("provider", organizations=[str(other.id)])
    assert "Confirm these details are current" not in client.get(f"/services/{shelter.id}").text
    token = csrf(client, "/account/password")
    resp = client.post(f"/services/{shelter.id}/verify", data={"csrf_token": token})
    assert resp.status_code == 403
    db.expire_all()
    assert db.get(Service, shelter.id).assured_date == dt.date(2026, 6, 1)
    assert _log(db, shelter) == []
    assert db.scalars(select(ServiceVerification)).all() == []


def test_social_worker_is_refused_and_nothing_is_written(app, db, signed_in, shelter):
    client = signed_in("social_worker")
    assert "Confirm these details are current" not in client.get(f"/services/{shelter.id}").text
    token = csrf(client, "/account/password")
    assert client.post(f"/services/{shelter.id}/verify", data={"csrf_token": token}).status_code == 403
    db.expire_all()
    assert db.get(Service, shelter.id).assurer_email == "feed@example.org"
    assert _log(db, shelter) == []


def test_confirm_without_the_csrf_token_is_refused(app, db, signed_in, shelter):
    client = signed_in("admin")
    assert client.post(f"/services/{shelter.id}/verify").status_code == 400
    db.expire_all()
    assert _log(db, shelter) == []


DAY_12 = dt.date(2026, 11, 21)
SENTENCES = [
    (DAY_12, "provider", "Verified 12 days ago by the provider", "Verificado hace 12 días por el proveedor"),
    (
        dt.date(2026, 12, 2),
        "provider",
        "Verified 1 day ago by the provider",
        "Verificado hace 1 día por el proveedor",
    ),
    (TODAY, "admin", "Verified today by an administrator", "Verificado hoy por un administrador"),
    (
        DAY_12,
        "admin",
        "Verified 12 days ago by an administrator",
        "Verificado hace 12 días por un administrador",
    ),
    (DAY_12, None, "Verified 12 days ago", "Verificado hace 12 días"),
    (TODAY, None, "Verified today", "Verificado hoy"),
    (None, None, "Not verified yet", "Aún no verificado"),
]


@pytest.mark.parametrize(("on", "by", "en", "es"), SENTENCES)
def test_the_sentence_in_english_and_spanish(app, on, by, en, es):
    with app.test_request_context():
        with force_locale("en"):
            assert phrases.verified(on, by, TODAY) == en
        with force_locale("es"):
            assert phrases.verified(on, by, TODAY) == es


def test_the_service_page_says_it_in_spanish(app, db, signed_in, shelter):
    client = signed_in("admin")
    _confirm(client, shelter)
    page = app.test_client().get(f"/services/{shelter.id}", headers={"Accept-Language": "es"}).text
    assert "Verificado hoy por un administrador" in page


def test_the_queue_lists_records_not_verified_for_90_days_oldest_first(
    app, db, signed_in, make_service, make_org
):
    today = dt.date.today()
    org = make_org("Queue Org")
    never = make_service("Never Checked", organization=org)
    old = make_service("Long Ago", organization=org, assured_date=today - dt.timedelta(days=400))
    edge = make_service("Just Stale", organization=org, assured_date=today - dt.timedelta(days=91))
    fresh = make_service("Fresh", organization=org, assured_date=today - dt.timedelta(days=10))
    elsewhere = make_service("Elsewhere", assured_date=today - dt.timedelta(days=200))
    db.flush()

    admin = signed_in("admin")
    page = admin.get("/admin/verification").text
    names = re.findall(r'<a href="/services/[^"]+">([^<]+)</a>', page)
    order = [names.index(n) for n in ("Never Checked", "Long Ago", "Elsewhere", "Just Stale")]
    assert order == sorted(order)
    assert "Fresh" not in names
    assert page.count("Confirm these details are current") == len(names)

    provider = signed_in("provider", organizations=[str(org.id)])
    mine = re.findall(r'<a href="/services/[^"]+">([^<]+)</a>', provider.get("/admin/verification").text)
    assert mine == ["Never Checked", "Long Ago", "Just Stale"]

    coordinator = signed_in("coordinator")
    seen = coordinator.get("/admin/verification").text
    assert "Elsewhere" in seen
    assert "Confirm these details are current" not in seen

    token = csrf(provider, "/admin/verification")
    form = {"csrf_token": token, "next": "/admin/verification"}
    done = provider.post(f"/services/{old.id}/verify", data=form)
    assert done.status_code == 303
    assert done.headers["Location"].endswith("/admin/verification")
    after = re.findall(r'<a href="/services/[^"]+">([^<]+)</a>', provider.get("/admin/verification").text)
    assert after == ["Never Checked", "Just Stale"]
    assert {never.id, edge.id, fresh.id, elsewhere.id}  # all made


def test_the_queue_age_is_a_setting(app, db, signed_in, make_service):
    make_service("Thirty Days", assured_date=dt.date.today() - dt.timedelta(days=30))
    admin = signed_in("admin")
    assert "Thirty Days" not in admin.get("/admin/verification").text
    app.config["VERIFICATION_DAYS"] = 20
    assert "Thirty Days" in admin.get("/admin/verification").text


def test_a_next_path_elsewhere_is_not_followed(app, db, signed_in, shelter):
    client = signed_in("admin")
    token = csrf(client, "/account/password")
    resp = client.post(
        f"/services/{shelter.id}/verify", data={"csrf_token": token, "next": "https://evil.example/"}
    )
    assert resp.headers["Location"].endswith(f"/services/{shelter.id}")
