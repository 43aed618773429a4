"""Authorization in one place: every route declares whom it admits, an undeclared one is
closed, and a deployment can make the catalog sign-in only."""

from __future__ import annotations

import pytest
from flask import Blueprint

from accounts import audit, tokens
from kernel.authz import ANYONE, CATALOG, SIGNED_IN, admits, undeclared
from kernel.identity import Identity
from kernel.openapi import document

CLI = audit.command_line()


def test_every_route_of_the_app_declares_whom_it_admits(app) -> None:
    assert undeclared(app) == []
    assert len(list(app.url_map.iter_rules())) > 20


def test_a_route_without_a_declaration_is_refused_and_named(app, client) -> None:
    bp = Blueprint("undeclared_test", __name__)

    @bp.get("/_test_undeclared")
    def forgotten() -> str:
        return "should never be served"

    app.register_blueprint(bp)
    assert undeclared(app) == ["undeclared_test.forgotten"]
    resp = client.get("/_test_undeclared")
    assert resp.status_code == 403
    assert "should never be served" not in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    "who",
    [(), ("nobody",), (ANYONE, "admin"), ("social_worker", SIGNED_IN)],
)
def test_a_declaration_names_known_roles_only(who) -> None:
    with pytest.raises(ValueError, match="admits"):
        admits(*who)


def test_a_kind_of_declaration_takes_no_scope() -> None:
    with pytest.raises(ValueError, match="no scope"):
        admits(CATALOG, scope="catalog:read")


@pytest.fixture
def closed_app(app):
    app.config["PUBLIC_CATALOG"] = False
    return app


@pytest.mark.parametrize("path", ["/", "/search?q=food", "/match"])
def test_a_closed_catalog_sends_the_anonymous_to_sign_in(closed_app, path) -> None:
    resp = closed_app.test_client().get(path)
    assert resp.status_code == 302
    assert "/login?next=" in resp.headers["Location"]


@pytest.mark.parametrize("path", ["/api/v1/search?q=food", "/hsds/services"])
def test_a_closed_catalog_answers_401_to_the_api_without_a_token(closed_app, path) -> None:
    resp = closed_app.test_client().get(path)
    assert resp.status_code == 401
    assert resp.mimetype == "application/problem+json"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_closed_catalog_takes_a_catalog_read_token_and_refuses_one_without(
    closed_app, make_user, db
) -> None:
    make_user("officer", email="ana@example.org")
    reader = tokens.create(db, "ana@example.org", ["catalog:read"], CLI)
    other = tokens.create(db, "ana@example.org", ["referrals:read"], CLI)
    db.flush()
    client = closed_app.test_client()
    ok = client.get("/api/v1/search?q=food", headers={"Authorization": f"Bearer {reader.secret}"})
    assert ok.status_code == 200
    refused = client.get("/hsds/services", headers={"Authorization": f"Bearer {other.secret}"})
    assert refused.status_code == 403
    assert refused.get_json()["required_scope"] == "catalog:read"


def test_the_login_page_and_the_api_description_stay_open_when_the_catalog_is_closed(closed_app) -> None:
    client = closed_app.test_client()
    assert client.get("/login").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_the_openapi_document_says_whom_each_operation_admits(app) -> None:
    with app.app_context():
        doc = document()
    search = doc["paths"]["/api/v1/search"]["get"]
    assert search["x-linkage-admits"] == "catalog"
    assert {"401", "403"} <= set(search["responses"])
    audit_op = doc["paths"]["/api/v1/audit"]["get"]
    assert audit_op["security"] == [{"bearer": []}]
    assert "audit:read" in audit_op["x-linkage-admits"]
    assert {"401", "403"} <= set(audit_op["responses"])
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in methods:  # a path item may also hold `parameters` shared by its operations
                assert "x-linkage-admits" in op, f"{method} {path}"


def test_providers_change_only_their_own_organizations() -> None:
    import uuid

    from kernel.authz import may_change_organization

    mine, theirs = uuid.uuid4(), uuid.uuid4()
    provider = Identity(user_id=uuid.uuid4(), role="provider", organizations=frozenset({mine}))
    assert may_change_organization(provider, [mine])
    assert not may_change_organization(provider, [theirs])
    assert may_change_organization(Identity(user_id=uuid.uuid4(), role="admin"), [theirs])
    assert not may_change_organization(Identity(user_id=uuid.uuid4(), role="social_worker"), [mine])
