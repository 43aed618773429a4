"""GET and PUT /api/v1/services/{id}/capacity: a provider's system pushes its figures.

Through the running app (its request sessions join the test's transaction), on SQLite and,
with TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from accounts import audit, passwords, tokens
from accounts.models import Role, User
from catalog.models import (
    Attribute,
    CapacityHistory,
    Location,
    Metadata,
    Organization,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
    Unit,
)
from kernel.db import CatalogSession
from tests.conftest import migrate, pg_url_with_schema
from tests.search.test_search_processes import _databases, app_process

PASSWORD_HASH = passwords.hash_password("correct horse battery staple")


def _user(db: Session, email: str, role: str, *orgs: Organization) -> User:
    made = User(
        id=uuid.uuid4(), email=email, password_hash=PASSWORD_HASH, role=Role(role), organizations=list(orgs)
    )
    db.add(made)
    db.flush()
    return made


def bearer(db: Session, user: User, *scopes: str) -> dict[str, str]:
    made = tokens.create(db, user.email, list(scopes) or ["capacity:write"], audit.command_line())
    db.flush()
    return {"Authorization": f"Bearer {made.secret}"}


@pytest.fixture
def shelter(make_service: Any, make_org: Any) -> Any:
    return make_service(
        "Harbor Night Shelter",
        organization=make_org("Harbor Shelter Inc."),
        beds=3,
        beds_max=20,
        beds_updated=dt.datetime.now(dt.UTC) - dt.timedelta(hours=6),
    )


@pytest.fixture
def provider(db: Session, shelter: Any) -> dict[str, str]:
    return bearer(db, _user(db, "intake@shelter.example.org", "provider", shelter.organization))


def url(service: Any) -> str:
    return f"/api/v1/services/{service.id}/capacity"


def _written(db: Session, service: Any) -> tuple[Any, ...]:
    """What a refused request must leave as it was: the figures, the change log, the history."""
    db.expire_all()
    caps = db.scalars(select(ServiceCapacity).where(ServiceCapacity.service_id == service.id)).all()
    return (
        sorted((c.unit_id, c.available, c.maximum, c.updated) for c in caps),
        db.scalar(select(func.count()).select_from(Metadata)),
        db.scalar(select(func.count()).select_from(CapacityHistory)),
    )


def test_anyone_reads_a_services_figures(client: Any, shelter: Any) -> None:
    resp = client.get(url(shelter))
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["service_id"] == str(shelter.id)
    [fig] = body["figures"]
    assert (fig["unit"], fig["available"], fig["maximum"], fig["held"], fig["free"]) == ("bed", 3, 20, 0, 3)
    assert 6 * 3600 - 60 <= fig["age"] <= 6 * 3600 + 60
    assert fig["id"] == str(shelter.capacities[0].id)
    assert fig["stale"] is False  # beds go stale after 12 h


def test_an_old_figure_reads_as_stale_until_the_provider_confirms_it(
    client: Any, app: Any, shelter: Any, provider: dict[str, str]
) -> None:
    app.config["CAPACITY_STALE_HOURS_BEDS"] = 5  # the figure is 6 h old
    assert client.get(url(shelter)).get_json()["figures"][0]["stale"] is True
    again = client.put(url(shelter), json={"unit": "bed", "available": 3}, headers=provider)
    assert [(f["available"], f["age"], f["stale"]) for f in again.get_json()["figures"]] == [(3, 0, False)]


def test_a_provider_pushes_a_figure_and_the_answer_is_what_is_stored(
    client: Any, db: Session, shelter: Any, provider: dict[str, str]
) -> None:
    resp = client.put(url(shelter), json={"unit": "bed", "available": 7, "maximum": 20}, headers=provider)
    assert resp.status_code == 200, resp.get_json()
    [fig] = resp.get_json()["figures"]
    assert (fig["unit"], fig["available"], fig["maximum"], fig["free"], fig["age"]) == ("bed", 7, 20, 7, 0)
    db.expire_all()
    cap = db.get_one(ServiceCapacity, shelter.capacities[0].id)
    assert (cap.available, cap.maximum) == (7, 20)
    history = db.scalars(
        select(CapacityHistory)
        .where(CapacityHistory.capacity_id == cap.id)
        .order_by(CapacityHistory.changed_at.desc())
    ).first()
    assert history is not None
    assert (history.available, history.changed_by, history.channel) == (
        7,
        "intake@shelter.example.org",
        "api",
    )
    assert client.get(url(shelter)).get_json()["figures"] == resp.get_json()["figures"]


def test_the_same_push_twice_is_idempotent_and_confirms_the_figure(
    client: Any, db: Session, shelter: Any, provider: dict[str, str]
) -> None:
    body = [{"unit": "bed", "available": 5, "maximum": 20}]
    first = client.put(url(shelter), json=body, headers=provider).get_json()["figures"]
    second = client.put(url(shelter), json=body, headers=provider).get_json()["figures"]
    assert [(f["id"], f["available"], f["maximum"]) for f in first] == [
        (f["id"], f["available"], f["maximum"]) for f in second
    ]
    assert second[0]["updated"] > first[0]["updated"]  # confirmed: staleness counts from now
    assert (
        db.scalar(
            select(func.count()).select_from(ServiceCapacity).where(ServiceCapacity.service_id == shelter.id)
        )
        == 1
    )


def test_a_list_sets_several_units_and_create_adds_one(
    client: Any, shelter: Any, provider: dict[str, str]
) -> None:
    body = [
        {"unit": "bed", "available": 2, "maximum": 20},
        {"unit": "family room", "available": 1, "maximum": 4, "create": True},
    ]
    resp = client.put(url(shelter), json=body, headers=provider)
    assert resp.status_code == 200, resp.get_json()
    assert [(f["unit"], f["available"], f["maximum"]) for f in resp.get_json()["figures"]] == [
        ("bed", 2, 20),
        ("family room", 1, 4),
    ]


@pytest.mark.parametrize(
    ("body", "param", "words"),
    [
        ({"unit": "bed", "available": 21, "maximum": 20}, "available", "above the maximum"),
        ({"unit": "bed", "available": 21}, "available", "above the maximum"),  # the stored maximum
        ({"unit": "bed", "available": -1, "maximum": 20}, "available", "negative"),
        ({"unit": "bed", "available": 1, "maximum": -1}, "maximum", "negative"),
        ({"unit": "beds", "available": 1}, "unit", "no figure for the unit beds"),
        ({"unit": "bed", "available": "1"}, "available", "must be a number"),
        ({"unit": "bed"}, "available", "required"),
        ({"unit": "bed", "available": 1, "extra": 1}, "extra", "not a field"),
        (
            [
                {"unit": "bed", "available": 2},
                {"unit": "family room", "available": 1, "create": True},
                {"unit": "cot", "available": 1},
            ],
            "[2].unit",
            "no figure for the unit cot",
        ),
        (
            [
                {"unit": "bed", "available": 2},
                {"unit": "family room", "available": 5, "maximum": 4, "create": True},
            ],
            "[1].available",
            "above the maximum",
        ),
        ([], "body", "empty"),
    ],
    ids=[
        "above maximum",
        "above stored maximum",
        "negative",
        "negative maximum",
        "unknown unit",
        "a string",
        "missing",
        "unknown field",
        "list: unknown unit last",
        "list: above maximum",
        "empty list",
    ],
)
def test_a_bad_figure_is_a_422_naming_its_field_and_nothing_is_written(
    client: Any, db: Session, shelter: Any, provider: dict[str, str], body: Any, param: str, words: str
) -> None:
    before = _written(db, shelter)
    resp = client.put(url(shelter), json=body, headers=provider)
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json"
    problem = resp.get_json()
    assert problem["param"] == param
    assert problem["invalid_params"][0]["name"] == param
    assert words in problem["detail"]
    assert _written(db, shelter) == before


@pytest.mark.parametrize(
    ("data", "content_type"),
    [("unit=bed&available=3", "application/x-www-form-urlencoded"), ("{not json", "application/json")],
    ids=["a form", "broken JSON"],
)
def test_a_body_that_is_not_json_is_a_422(
    client: Any, db: Session, shelter: Any, provider: dict[str, str], data: str, content_type: str
) -> None:
    before = _written(db, shelter)
    resp = client.put(url(shelter), data=data, content_type=content_type, headers=provider)
    assert (resp.status_code, resp.get_json()["param"]) == (422, "body")
    assert _written(db, shelter) == before


def test_another_organizations_service_is_a_403_and_nothing_is_written(
    client: Any, db: Session, shelter: Any, make_org: Any
) -> None:
    theirs = bearer(db, _user(db, "intake@other.example.org", "provider", make_org("Other Shelter Inc.")))
    before = _written(db, shelter)
    resp = client.put(url(shelter), json={"unit": "bed", "available": 0}, headers=theirs)
    assert resp.status_code == 403
    assert resp.get_json()["param"] == "service_id"
    assert "another organization" in resp.get_json()["detail"]
    # the body is not even read: a bad one is still a 403, not a 422 that says more
    assert client.put(url(shelter), json={"unit": "x"}, headers=theirs).status_code == 403
    assert _written(db, shelter) == before


def test_an_admin_may_push_any_services_figures(client: Any, db: Session, shelter: Any) -> None:
    admin = bearer(db, _user(db, "root@example.org", "admin"))
    resp = client.put(url(shelter), json={"unit": "bed", "available": 0}, headers=admin)
    assert (resp.status_code, resp.get_json()["figures"][0]["available"]) == (200, 0)


def test_who_may_push(client: Any, db: Session, shelter: Any) -> None:
    body = {"unit": "bed", "available": 1}
    before = _written(db, shelter)
    resp = client.put(url(shelter), json=body)
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert (
        client.put(url(shelter), json=body, headers={"Authorization": "Bearer lkt_made_up"}).status_code
        == 401
    )
    owner = _user(db, "intake@shelter.example.org", "provider", shelter.organization)
    wrong_scope = client.put(url(shelter), json=body, headers=bearer(db, owner, "catalog:read"))
    assert (wrong_scope.status_code, wrong_scope.get_json()["required_scope"]) == (403, "capacity:write")
    worker = bearer(db, _user(db, "worker@team.example.org", "social_worker"), "catalog:read")
    assert client.put(url(shelter), json=body, headers=worker).status_code == 403
    assert _written(db, shelter) == before


def test_an_unknown_service_is_a_404(client: Any, provider: dict[str, str]) -> None:
    for sid in (str(uuid.uuid4()), "not-a-uuid"):
        put = client.put(
            f"/api/v1/services/{sid}/capacity", json={"unit": "bed", "available": 1}, headers=provider
        )
        get = client.get(f"/api/v1/services/{sid}/capacity")
        assert (put.status_code, get.status_code) == (404, 404)
        assert put.mimetype == "application/problem+json"


def test_the_pushed_figure_is_in_search_and_on_the_service_page_at_once(
    client: Any, shelter: Any, provider: dict[str, str]
) -> None:
    assert (
        client.put(url(shelter), json={"unit": "bed", "available": 11}, headers=provider).status_code == 200
    )
    results = client.get("/api/v1/search", query_string={"q": "Harbor Night Shelter"}).get_json()["results"]
    [card] = [r for r in results if r["name"] == "Harbor Night Shelter"]
    assert [(c["unit"], c["available"], c["maximum"]) for c in card["capacity"]] == [("bed", 11, 20)]
    page = client.get(f"/services/{shelter.id}").get_data(as_text=True)
    assert "11 of 20 beds free" in page


def test_a_problem_is_worded_in_the_readers_language(
    client: Any, shelter: Any, provider: dict[str, str]
) -> None:
    resp = client.put(
        url(shelter),
        json={"unit": "bed", "available": 30, "maximum": 20},
        headers={**provider, "Accept-Language": "es"},
    )
    assert resp.get_json()["detail"] == "available (30) supera el máximo (20)."


def test_the_openapi_document_describes_the_capacity_api(client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    item = doc["paths"]["/api/v1/services/{service_id}/capacity"]
    assert {"get", "put"} <= set(item)
    put = item["put"]
    assert put["security"] == [{"bearer": []}]
    assert {"200", "401", "403", "404", "422"} <= set(put["responses"])
    assert "capacity:write" in put["x-linkage-admits"]
    assert "CapacityFigureInput" in doc["components"]["schemas"]


# ---------------------------------------------------------------- every process, at once


def _call(base: str, path: str, *, method: str = "GET", body: Any = None, headers: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(  # noqa: S310 (loopback)
        base + path, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 (loopback)
        text = resp.read().decode()
        return json.loads(text) if resp.headers.get_content_type().endswith("json") else text


def _seed(engine: Any) -> tuple[uuid.UUID, str]:
    """A shelter that is full (0 of 20 beds, filed under Emergency Shelter) and its provider's token."""
    with CatalogSession(engine) as session:
        session.info["actor"] = "test"
        org = Organization(id=uuid.uuid4(), name="Lantern House Inc.", description="")
        tax = Taxonomy(id=uuid.uuid4(), name="Open Eligibility", description="")
        term = TaxonomyTerm(
            id=uuid.uuid4(), code="1135", name="Emergency Shelter", description="", taxonomy_detail=tax
        )
        svc = Service(
            id=uuid.uuid4(), name="Lantern House", organization=org, description="Beds for the night"
        )
        loc = Location(
            id=uuid.uuid4(), name="Lantern House", organization=org, latitude=39.9612, longitude=-82.9988
        )
        svc.service_at_locations.append(ServiceAtLocation(id=uuid.uuid4(), location=loc))
        svc.capacities.append(
            ServiceCapacity(
                id=uuid.uuid4(), unit=Unit(id=uuid.uuid4(), name="bed"), available=0, maximum=20,
                updated=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30),
            )
        )  # fmt: skip
        session.add_all([svc, term])
        session.flush()
        session.add(
            Attribute(
                id=uuid.uuid4(),
                link_id=svc.id,
                link_entity="service",
                link_type="service_type",
                taxonomy_term=term,
            )
        )
        user = _user(session, "desk@lantern.example.org", "provider", org)
        made = tokens.create(session, user.email, ["capacity:write"], audit.command_line())
        session.commit()
        return svc.id, made.secret


def _seen_by(base: str, sid: uuid.UUID) -> dict[str, Any]:
    """The figure as each reader of one process shows it: the capacity API, search, matching, the page."""
    [card] = _call(base, "/api/v1/search?q=lantern")["results"]
    match = _call(
        base, "/api/v1/match", method="POST", body={"needs": ["1135"], "location": "39.9612,-82.9988"}
    )
    matched = [m for m in match["matches"] if m["name"] == "Lantern House"]
    page = _call(base, f"/services/{sid}")
    free_now = [r["name"] for r in _call(base, "/api/v1/search?q=lantern&available=true")["results"]]
    return {
        "filter": free_now == ["Lantern House"],
        "api": _call(base, f"/api/v1/services/{sid}/capacity")["figures"][0]["available"],
        "search": card["capacity"][0]["available"],
        "match": matched[0]["capacity"][0]["available"] if matched else "excluded",
        "page": "4 of 20 beds free" in page,
    }


SEEN = {"filter": True, "api": 4, "search": 4, "match": 4, "page": True}


@pytest.mark.slow
@pytest.mark.parametrize("kind", _databases())
def test_a_push_to_one_process_is_seen_by_another_at_once(tmp_path: Path, kind: str) -> None:
    """Two app processes on one database: search (its per-process memory of the index), matching
    (its in-process index of locations, MATCH_INDEX_TTL) and the page of the second show a figure
    pushed to the first in the very next request: capacity is never kept between requests."""
    schema = None
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.db'}"
    else:
        schema = f"linkage_cap_{uuid.uuid4().hex[:8]}"
        url = pg_url_with_schema(os.environ["TEST_DATABASE_URL"], schema)
    engine = migrate(url)
    try:
        sid, secret = _seed(engine)
        with app_process(url, tmp_path / "a") as a, app_process(url, tmp_path / "b") as b:
            for _ in range(2):  # twice: the second reads whatever the first kept
                assert _seen_by(b, sid) == {
                    "filter": False,
                    "api": 0,
                    "search": 0,
                    "match": "excluded",
                    "page": False,
                }
            body = {"unit": "bed", "available": 4, "maximum": 20}
            answer = _call(a, f"/api/v1/services/{sid}/capacity", method="PUT", body=body,
                           headers={"Authorization": f"Bearer {secret}"})  # fmt: skip
            assert answer["figures"][0]["available"] == 4
            assert _seen_by(b, sid) == SEEN
            assert _seen_by(a, sid) == SEEN
            # Eight pushes at once, through both processes, each creating the same new unit:
            # all succeed (the push is idempotent) and the service has that unit once.
            room = {"unit": "family room", "available": 1, "maximum": 6, "create": True}
            auth = {"Authorization": f"Bearer {secret}"}
            path = f"/api/v1/services/{sid}/capacity"
            with ThreadPoolExecutor(8) as pool:
                answers = list(
                    pool.map(
                        lambda base: _call(base, path, method="PUT", body=room, headers=auth), [a, b] * 4
                    )
                )
            assert all([f["unit"] for f in got["figures"]] == ["bed", "family room"] for got in answers)
            assert len({got["figures"][1]["id"] for got in answers}) == 1
    finally:
        if schema is not None:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
