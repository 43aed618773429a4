"""The provider's page (/provider), its signed link (/provider/l/<token>) and the stale list.

Through the running app with real accounts; the request sessions join the test's
transaction, so what a Save wrote (or did not) is read back from the database.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog import provider
from catalog.models import CapacityHistory, ServiceCapacity, Unit
from kernel import links
from tests.accounts.test_login import csrf, sign_in
from tests.catalog.test_capacity_api import _user

HOURS = dt.timedelta(hours=1)
ES = {"Accept-Language": "es"}


def _ago(hours: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - hours * HOURS


@pytest.fixture
def shelter(make_service: Any, make_org: Any) -> Any:
    return make_service(
        "Harbor Night Shelter",
        organization=make_org("Harbor Shelter Inc.", email="desk@harbor.example.org"),
        beds=3,
        beds_max=20,
        beds_updated=_ago(14),
    )


@pytest.fixture
def other(make_service: Any, make_org: Any) -> Any:
    return make_service("Elsewhere Shelter", organization=make_org("Elsewhere Inc."), beds=5, beds_max=9)


@pytest.fixture
def signed_in(client: Any, db: Session, shelter: Any) -> Any:
    _user(db, "intake@harbor.example.org", "provider", shelter.organization)
    assert sign_in(client, "intake@harbor.example.org").status_code == 302
    return client


def _cap(service: Any) -> ServiceCapacity:
    return service.capacities[0]


def _field(service: Any) -> str:
    return f"available-{_cap(service).id}"


def _figure(db: Session, service: Any) -> tuple[float, float | None, dt.datetime]:
    row = db.execute(
        select(ServiceCapacity.available, ServiceCapacity.maximum, ServiceCapacity.updated).where(
            ServiceCapacity.id == _cap(service).id
        )
    ).one()
    return row.available, row.maximum, row.updated


def _history(db: Session, service: Any) -> int:
    return int(db.scalar(select(func.count()).where(CapacityHistory.capacity_id == _cap(service).id)) or 0)


def _post(client: Any, data: dict[str, str], path: str = "/provider", page: str = "/provider") -> Any:
    return client.post(path, data={**data, "csrf_token": csrf(client, page)})


# ---------------------------------------------------------------- the page


def test_the_page_lists_each_figure_with_minus_plus_and_one_save(signed_in: Any, shelter: Any) -> None:
    html = signed_in.get("/provider").text
    assert "Harbor Night Shelter" in html
    assert f'name="{_field(shelter)}" value="3"' in html
    assert html.count('name="step"') == 2  # − and + beside the one figure
    assert html.count(">Save</button>") == 2  # the visible Save, and the one Enter presses
    assert "last known 3 of 20 beds free, 14 h ago" in html
    assert "Out of date" in html
    assert "by test" in html  # who gave the figure last (the factory's session)
    assert "No referral is waiting in your inbox" in html
    assert 'href="/inbox"' in html
    assert 'src="/static/js/provider-steps' in html
    assert "<script>" not in html


def test_the_nav_nudges_a_provider_with_a_stale_figure(signed_in: Any, db: Session, shelter: Any) -> None:
    assert re.search(
        r"Your beds and places <span class=\"badge overdue\">1 out of date</span>", signed_in.get("/").text
    )
    _cap(shelter).updated = dt.datetime.now(dt.UTC)
    db.flush()
    home = signed_in.get("/").text
    assert "Your beds and places" in home
    assert "out of date" not in home


def test_plus_then_save_is_the_update_and_the_next_search_shows_it(
    signed_in: Any, db: Session, shelter: Any
) -> None:
    # Without JavaScript: + is a submit button; the server adds one and shows the form again.
    stepped = _post(
        signed_in, {"service_id": str(shelter.id), _field(shelter): "3", "step": f"{_cap(shelter).id}:1"}
    )
    assert stepped.status_code == 200
    assert f'name="{_field(shelter)}" value="4"' in stepped.text
    assert "Not saved yet" in stepped.text
    assert _figure(db, shelter)[0] == 3  # nothing written by a step
    before = _history(db, shelter)
    saved = _post(signed_in, {"service_id": str(shelter.id), _field(shelter): "4", "save": "1"})
    assert saved.status_code == 303
    assert saved.headers["Location"].endswith(f"/provider#service-{shelter.id}")
    available, maximum, updated = _figure(db, shelter)
    assert (available, maximum) == (4, 20)
    assert dt.datetime.now(dt.UTC) - updated.replace(tzinfo=dt.UTC) < dt.timedelta(minutes=1)
    assert _history(db, shelter) == before + 1
    change = db.scalars(
        select(CapacityHistory)
        .where(CapacityHistory.capacity_id == _cap(shelter).id)
        .order_by(CapacityHistory.changed_at.desc())
    ).first()
    assert change is not None
    assert (change.changed_by, change.channel) == ("intake@harbor.example.org", "web")
    page = signed_in.get("/provider").text
    assert "Saved: Harbor Night Shelter." in page
    assert "4 of 20 beds free, updated just now" in page
    assert "by intake@harbor.example.org" in page
    found = signed_in.get("/api/v1/search", query_string={"q": "harbor", "available": "true"}).get_json()
    assert [r["name"] for r in found["results"]] == ["Harbor Night Shelter"]
    cap = found["results"][0]["capacity"][0]
    assert (cap["available"], cap["stale"]) == (4, False)
    assert "4 of 20 beds free, updated just now" in signed_in.get(f"/services/{shelter.id}").text


def test_save_unchanged_confirms_the_figure(signed_in: Any, db: Session, shelter: Any) -> None:
    assert (
        _post(signed_in, {"service_id": str(shelter.id), _field(shelter): "3", "save": "1"}).status_code
        == 303
    )
    assert "3 of 20 beds free, updated just now" in signed_in.get("/provider").text


def test_a_refused_save_keeps_what_was_typed_names_the_figure_and_writes_nothing(
    signed_in: Any, db: Session, shelter: Any
) -> None:
    before = (_figure(db, shelter), _history(db, shelter))
    resp = _post(signed_in, {"service_id": str(shelter.id), _field(shelter): "25", "save": "1"})
    assert resp.status_code == 422
    html = resp.text
    assert f'name="{_field(shelter)}" value="25"' in html
    assert f'aria-describedby="{_field(shelter)}-age {_field(shelter)}-error" aria-invalid="true"' in html
    assert re.search(rf'id="{_field(shelter)}-error">bed\.available \(25\) is above the maximum \(20\)', html)
    assert (_figure(db, shelter), _history(db, shelter)) == before
    typo = _post(signed_in, {"service_id": str(shelter.id), _field(shelter): "three", "save": "1"})
    assert typo.status_code == 422
    assert 'value="three"' in typo.text
    assert "Type a number of 0 or more." in typo.text
    spanish = signed_in.post(
        "/provider",
        data={
            "service_id": str(shelter.id),
            _field(shelter): "25",
            "save": "1",
            "csrf_token": csrf(signed_in, "/provider"),
        },
        headers=ES,
    )
    assert "supera el máximo" in spanish.text or "por encima del máximo" in spanish.text


def test_a_new_unit_is_added_with_its_figure(signed_in: Any, db: Session, shelter: Any) -> None:
    resp = _post(
        signed_in,
        {
            "service_id": str(shelter.id),
            _field(shelter): "3",
            "new_unit": "waitlist",
            "new_available": "12",
            "save": "1",
        },
    )
    assert resp.status_code == 303
    page = signed_in.get("/provider").text
    assert "Waitlist: people waiting" in page
    assert "12 waiting, updated just now" in page


def test_another_organizations_service_is_a_403_and_nothing_is_written(
    signed_in: Any, db: Session, other: Any
) -> None:
    before = (_figure(db, other), _history(db, other))
    for extra in ({"save": "1"}, {"step": f"{_cap(other).id}:1"}):
        resp = _post(signed_in, {"service_id": str(other.id), _field(other): "1", **extra})
        assert resp.status_code == 403
    assert (_figure(db, other), _history(db, other)) == before
    assert "Elsewhere Shelter" not in signed_in.get("/provider").text


def test_the_page_in_spanish(signed_in: Any) -> None:
    html = signed_in.get("/provider", headers=ES).text
    assert "Sus camas y plazas" in html
    assert "último dato: 3 de 20 camas libres, hace 14 h" in html
    assert "Guardar" in html


# ---------------------------------------------------------------- the signed link


def _link(db: Session, service: Any, **kw: Any) -> str:
    token = links.make_link(db, provider.LINK_PURPOSE, service.id, **kw)
    db.flush()
    return f"{provider.LINK_PATH}{token}"


def _spent(db: Session, path: str) -> bool:
    token = path.rsplit("/", 1)[1]
    try:
        links.check_link(db, token, provider.LINK_PURPOSE)
    except links.LinkUsed:
        return True
    return False


def test_the_link_opens_the_services_form_without_a_password_and_get_never_spends_it(
    client: Any, db: Session, shelter: Any
) -> None:
    path = _link(db, shelter)
    for _ in range(3):  # a mail scanner, a preview, the person
        resp = client.get(path)
        assert resp.status_code == 200
        assert resp.headers["Cache-Control"] == "no-store"
        assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert "Harbor Night Shelter" in resp.text
    assert "incoming referrals" not in resp.text.lower()  # no inbox, no account: this service only
    assert not _spent(db, path)


def test_the_link_steps_without_spending_then_save_spends_it(client: Any, db: Session, shelter: Any) -> None:
    path = _link(db, shelter)
    stepped = _post(
        client,
        {"service_id": str(shelter.id), _field(shelter): "3", "step": f"{_cap(shelter).id}:-1"},
        path,
        path,
    )
    assert stepped.status_code == 200
    assert f'name="{_field(shelter)}" value="2"' in stepped.text
    assert not _spent(db, path)
    saved = _post(client, {"service_id": str(shelter.id), _field(shelter): "2", "save": "1"}, path, path)
    assert saved.status_code == 200, saved.text
    assert "2 of 20 beds free, updated just now" in saved.text
    assert _figure(db, shelter)[0] == 2
    change = db.scalars(
        select(CapacityHistory)
        .where(CapacityHistory.capacity_id == _cap(shelter).id)
        .order_by(CapacityHistory.changed_at.desc())
    ).first()
    assert change is not None
    assert (change.changed_by, change.channel) == ("e-mail link (desk@harbor.example.org)", "email-link")
    assert _spent(db, path)
    again = client.get(path)
    assert again.status_code == 410
    assert "already used" in again.text


def test_a_refused_save_by_link_keeps_the_link_and_what_was_typed(
    client: Any, db: Session, shelter: Any
) -> None:
    path = _link(db, shelter)
    resp = _post(client, {"service_id": str(shelter.id), _field(shelter): "99", "save": "1"}, path, path)
    assert resp.status_code == 422
    assert 'value="99"' in resp.text
    assert "above the maximum" in resp.text
    assert not _spent(db, path)
    assert _figure(db, shelter)[0] == 3


def test_an_expired_link_is_refused(client: Any, db: Session, shelter: Any) -> None:
    path = _link(db, shelter, ttl=dt.timedelta(hours=1), now=dt.datetime.now(dt.UTC) - 2 * HOURS)
    resp = client.get(path)
    assert resp.status_code == 410
    assert "This link expired on" in resp.text
    saved = client.post(
        path,
        data={
            "service_id": str(shelter.id),
            _field(shelter): "1",
            "save": "1",
            "csrf_token": csrf(client, "/login"),
        },
    )
    assert saved.status_code == 410
    assert _figure(db, shelter)[0] == 3


def test_a_tampered_link_is_unknown(client: Any, db: Session, shelter: Any) -> None:
    path = _link(db, shelter)
    changed = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    assert client.get(changed).status_code == 404
    assert client.get(provider.LINK_PATH + "lkl_made-up").status_code == 404


def test_a_revoked_link_is_refused(client: Any, db: Session, shelter: Any) -> None:
    path = _link(db, shelter)
    assert links.revoke_links(db, shelter.id, provider.LINK_PURPOSE) == 1
    db.flush()
    resp = client.get(path)
    assert resp.status_code == 410
    assert "withdrawn" in resp.text


def test_a_link_opens_nothing_else(client: Any, db: Session, shelter: Any, other: Any) -> None:
    path = _link(db, shelter)
    # Another service's figures by the same link: refused, nothing written.
    before = (_figure(db, other), _history(db, other))
    resp = _post(client, {"service_id": str(other.id), _field(other): "1", "save": "1"}, path, path)
    assert resp.status_code == 403
    assert (_figure(db, other), _history(db, other)) == before
    assert not _spent(db, path)
    # The token is no key to anything else: not the provider's page, not a referral's link page.
    token = path.rsplit("/", 1)[1]
    assert client.get("/provider").status_code == 302  # to sign in
    assert client.get(f"/r/{token}").status_code == 404
    # And a referral's link does not open this page.
    referral_token = links.make_link(db, "referral:accept", uuid.uuid4())
    assert client.get(provider.LINK_PATH + referral_token).status_code == 404


# ---------------------------------------------------------------- the coordinators' list


def test_coordinators_see_the_stale_providers(client: Any, db: Session, shelter: Any, other: Any) -> None:
    _user(db, "coord@a.example.org", "coordinator")
    assert sign_in(client, "coord@a.example.org").status_code == 302
    html = client.get("/provider/stale").text
    assert "Harbor Night Shelter" in html
    assert "last known 3 of 20 beds free, 14 h ago" in html
    assert "Contact: desk@harbor.example.org" in html
    assert "Elsewhere Shelter" not in html  # fresh
    assert "Out-of-date figures" in client.get("/").text  # in the nav
    spanish = client.get("/provider/stale", headers=ES).text
    assert "último dato: 3 de 20 camas libres, hace 14 h" in spanish


def test_a_waitlist_goes_stale_after_a_week_not_twelve_hours(db: Session, shelter: Any) -> None:
    unit = Unit(id=uuid.uuid4(), name="waitlist")
    shelter.capacities.append(
        ServiceCapacity(id=uuid.uuid4(), unit=unit, available=8, maximum=None, updated=_ago(24 * 3))
    )
    db.flush()
    from catalog import rules

    found = provider.stale_figures(db, dt.datetime.now(dt.UTC), rules.MaxAges())
    assert [(f.service, f.unit) for f in found] == [("Harbor Night Shelter", "bed")]
