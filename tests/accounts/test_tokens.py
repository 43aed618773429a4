"""API tokens: `linkage token create` prints a working token; hashed storage, scopes, expiry,
revocation, `GET /api/v1/me`, and 401/403 problem documents."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import audit, services, tokens
from accounts.models import ApiToken, AuditEvent
from app import create_app
from kernel.db import get_session, utcnow
from kernel.errors import Problem
from kernel.openapi import document
from tests.conftest import migrate

from .conftest import PASSWORD
from .test_login import sign_in

CLI = audit.command_line()


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args), catch_exceptions=False)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_token_create_prints_a_working_token_as_the_last_word(run, client, make_user, db) -> None:
    make_user("provider", email="desk@harbor.example")
    db.commit()
    out = run(
        "token", "create", "desk@harbor.example", "--scope", "capacity:write", "--scope", "catalog:read"
    )
    assert out.exit_code == 0, out.output
    secret = out.output.split()[-1]
    assert secret.startswith("lkt_")
    me = client.get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200
    body = me.get_json()
    assert body["email"] == "desk@harbor.example"
    assert body["role"] == "provider"
    assert body["team"] is None
    assert [o["name"] for o in body["organizations"]] == ["Harbor Community Services"]
    assert body["scopes"] == ["capacity:write", "catalog:read"]
    listing = run("token", "list").output
    assert "desk@harbor.example" in listing
    assert "last used" in listing
    assert secret not in listing


def test_only_a_digest_of_the_token_is_stored(db: Session, make_user) -> None:
    make_user(email="ana@example.org")
    made = tokens.create(db, "ana@example.org", ["catalog:read"], CLI)
    stored = db.scalars(select(ApiToken)).one()
    assert made.secret not in stored.token_hash
    assert len(stored.token_hash) == 64


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["ghost@example.org", "--scope", "catalog:read"], "no account for ghost@example.org"),
        (["ana@example.org", "--scope", "everything"], "Unknown scope 'everything'"),
        (["ana@example.org", "--scope", "catalog:read", "--expires", "2001-01-01"], "in the future"),
        (["ana@example.org"], "--scope"),
    ],
)
def test_token_create_refuses_a_bad_value(run, make_user, db, args, words) -> None:
    make_user(email="ana@example.org")
    db.commit()
    out = run("token", "create", *args)
    assert out.exit_code != 0
    assert words in out.output


def test_no_unknown_revoked_or_expired_token_answers_401_problems(client, make_user, db) -> None:
    make_user(email="ana@example.org")
    revoked = tokens.create(db, "ana@example.org", ["catalog:read"], CLI)
    tokens.revoke(db, str(revoked.token.id), CLI)
    expiring = tokens.create(
        db, "ana@example.org", ["catalog:read"], CLI, expires=utcnow() + dt.timedelta(hours=1)
    )
    expiring.token.expires = utcnow() - dt.timedelta(seconds=1)
    db.flush()
    cases = [
        ({}, "needs an API token"),
        (bearer("lkt_not-a-real-token"), "not known"),
        (bearer(revoked.secret), "revoked"),
        (bearer(expiring.secret), "expired"),
        ({"Authorization": "Basic YWJjOmRlZg=="}, "Bearer"),
    ]
    for headers, words in cases:
        resp = client.get("/api/v1/me", headers=headers)
        assert resp.status_code == 401, words
        assert resp.mimetype == "application/problem+json"
        assert words in resp.get_json()["detail"]
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    # a bad token is refused on the public API too: it never falls back to anonymous
    assert client.get("/api/v1/search?q=bed", headers=bearer(revoked.secret)).status_code == 401


def test_a_disabled_account_s_tokens_stop_working(client, make_user, db) -> None:
    make_user(email="ana@example.org")
    made = tokens.create(db, "ana@example.org", ["catalog:read"], CLI)
    services.set_active(db, "ana@example.org", False, CLI)
    db.flush()
    assert client.get("/api/v1/me", headers=bearer(made.secret)).status_code == 401


def test_the_audit_api_is_for_admin_tokens_and_paginated(client, make_user, db) -> None:
    make_user("admin", email="boss@example.org")
    make_user("officer", email="ana@example.org")
    boss = tokens.create(db, "boss@example.org", ["audit:read"], CLI)
    narrow = tokens.create(db, "boss@example.org", ["metrics:read"], CLI)
    ana = tokens.create(db, "ana@example.org", ["audit:read"], CLI)
    db.flush()
    forbidden = client.get("/api/v1/audit", headers=bearer(ana.secret))
    assert forbidden.status_code == 403
    assert forbidden.mimetype == "application/problem+json"
    # An admin's token without audit:read is narrowed: scopes never widen, and here they narrow.
    lacking = client.get("/api/v1/audit", headers=bearer(narrow.secret))
    assert lacking.status_code == 403
    assert lacking.get_json()["required_scope"] == "audit:read"
    page = client.get("/api/v1/audit?per_page=2&page=1", headers=bearer(boss.secret)).get_json()
    assert page["total_items"] >= 5
    assert page["total_pages"] == -(-page["total_items"] // 2)
    assert len(page["contents"]) == 2
    assert {"at", "actor", "action", "record_type", "record_id", "address"} <= set(page["contents"][0])
    assert (
        client.get("/api/v1/audit?until=2000-01-01", headers=bearer(boss.secret)).get_json()["total_items"]
        == 0
    )
    bad = client.get("/api/v1/audit?since=yesterday", headers=bearer(boss.secret))
    assert bad.status_code == 400
    assert bad.get_json()["param"] == "since"


def test_create_and_revoke_are_audited_and_revoke_names_a_bad_id(db: Session, make_user) -> None:
    make_user(email="ana@example.org")
    made = tokens.create(db, "ana@example.org", ["referrals:read"], CLI)
    tokens.revoke(db, str(made.token.id), CLI)
    db.flush()
    acts = set(db.scalars(select(AuditEvent.action)))
    assert {"token_create", "token_revoke"} <= acts
    with pytest.raises(Problem, match="not a token id"):
        tokens.revoke(db, "42", CLI)


def test_the_bearer_scheme_and_the_401_and_403_are_in_the_openapi_document(app) -> None:
    # The app's own document: a worker that imported no accounts module before still has it.
    doc = document(app)
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from linkage token create.",
    }
    assert "401" in doc["paths"]["/api/v1/me"]["get"]["responses"]
    assert {"401", "403"} <= set(doc["paths"]["/api/v1/audit"]["get"]["responses"])


# ------------------------------------------------------------------ token use in the audit log


def uses(db: Session) -> list[AuditEvent]:
    db.expire_all()
    return list(
        db.scalars(select(AuditEvent).where(AuditEvent.action == "token_use").order_by(AuditEvent.id))
    )


def test_each_request_with_a_token_is_audited_without_its_query_string(client, make_user, db) -> None:
    make_user(email="ana@example.org")
    made = tokens.create(db, "ana@example.org", ["catalog:read"], CLI)
    db.commit()
    assert client.get("/api/v1/me?q=Maria+Lopez", headers=bearer(made.secret)).status_code == 200
    assert client.get("/api/v1/me", headers=bearer(made.secret)).status_code == 200
    rows = uses(db)
    assert [(r.actor, r.record_type, r.record_id, r.detail) for r in rows] == [
        ("ana@example.org", "api_token", str(made.token.id), "GET /api/v1/me"),
    ] * 2
    assert rows[0].address == "127.0.0.1"
    assert "Maria" not in " ".join(r.detail or "" for r in rows)


def test_a_refused_request_with_a_token_is_audited_too(client, make_user, db) -> None:
    make_user(email="ana@example.org")
    made = tokens.create(db, "ana@example.org", ["catalog:read"], CLI)
    db.commit()
    assert client.get("/api/v1/audit", headers=bearer(made.secret)).status_code == 403
    assert [r.detail for r in uses(db)] == ["GET /api/v1/audit"]


def test_no_use_is_recorded_for_an_unusable_token(client, make_user, db) -> None:
    make_user(email="ana@example.org")
    made = tokens.create(db, "ana@example.org", ["catalog:read"], CLI)
    tokens.revoke(db, str(made.token.id), CLI)
    db.commit()
    assert client.get("/api/v1/me", headers=bearer(made.secret)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer("lkt_nothing")).status_code == 401
    assert uses(db) == []


def test_the_audit_api_logs_its_own_use(client, make_user, db) -> None:
    make_user("admin", email="boss@example.org")
    made = tokens.create(db, "boss@example.org", ["audit:read"], CLI)
    db.commit()
    body = client.get("/api/v1/audit?since=2000-01-01", headers=bearer(made.secret)).get_json()
    newest = body["contents"][0]
    assert (newest["action"], newest["actor"], newest["detail"]) == (
        "token_use",
        "boss@example.org",
        "GET /api/v1/audit",
    )
    assert newest["record_id"] == str(made.token.id)
    assert len(uses(db)) == 1


def test_create_own_keeps_a_provider_to_provider_scopes(db: Session, make_user) -> None:
    provider = make_user("provider", email="desk@harbor.example")
    admin = make_user("admin", email="boss@example.org")
    made = tokens.create_own(db, provider, ["capacity:write"], CLI)
    assert made.token.user is provider
    with pytest.raises(Problem) as refused:
        tokens.create_own(db, provider, ["capacity:write", "referrals:read"], CLI)
    assert refused.value.param == "scope"
    assert "referrals:read" in refused.value.detail
    assert tokens.create_own(db, admin, ["audit:read"], CLI).token.scopes == "audit:read"


def test_revoke_with_an_owner_refuses_anothers_token(db: Session, make_user) -> None:
    provider = make_user("provider", email="desk@harbor.example")
    make_user(email="ana@example.org")
    theirs = tokens.create(db, "ana@example.org", ["catalog:read"], CLI)
    with pytest.raises(Problem) as refused:
        tokens.revoke(db, str(theirs.token.id), CLI, owner=provider)
    assert refused.value.status == 404
    assert theirs.token.revoked is None


def test_token_use_commits_on_its_own_with_a_cookie_session_too(tmp_path) -> None:
    """On a SQLite file of its own (real commits, separate connections): the row of a refused
    request is kept, and a request with both a session cookie and a token works."""
    url = f"sqlite:///{tmp_path / 'own.db'}"
    migrate(url).dispose()
    app = create_app({"DATA_DIR": str(tmp_path / "d"), "DATABASE_URL": url, "SECRET_KEY": "own"})
    with app.app_context():
        session = get_session()
        services.create_user(session, "ana@example.org", "officer", CLI, password=PASSWORD)
        secret = tokens.create(session, "ana@example.org", ["catalog:read"], CLI).secret
        session.commit()
    client = app.test_client()
    assert sign_in(client, "ana@example.org").status_code == 302
    assert client.get("/api/v1/audit", headers=bearer(secret)).status_code == 403
    assert client.get("/api/v1/me", headers=bearer(secret)).get_json()["scopes"] == ["catalog:read"]
    with app.app_context():
        rows = get_session().scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "token_use").order_by(AuditEvent.id)
        )
        assert list(rows) == ["GET /api/v1/audit", "GET /api/v1/me"]
    app.extensions["linkage_db"].engine.dispose()
