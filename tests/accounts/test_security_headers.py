"""The headers on every response, no-store where client or account data can be, and the
address behind a configured reverse proxy."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from accounts.models import AuditEvent, LoginAttempt
from app import create_app
from kernel.security import CONTENT_SECURITY_POLICY


def _paths(app) -> list[str]:
    """One concrete GET path per rule of the app (unknown ids give a 404, still a response)."""
    out = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()):
            continue
        values = {arg: str(uuid.uuid4()) for arg in rule.arguments}
        if rule.endpoint == "static":
            values = {"filename": "css/site.css"}
        with app.test_request_context():
            from flask import url_for

            out.append(url_for(rule.endpoint, **values))
    return out


def test_every_response_of_every_route_carries_the_security_headers(app, client) -> None:
    paths = _paths(app)
    assert "/login" in paths
    assert "/api/v1/search" in paths
    for path in paths + ["/no-such-page", "/api/v1/no-such-thing"]:
        resp = client.get(path)
        assert resp.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        assert resp.headers["X-Content-Type-Options"] == "nosniff", path
        # A signed-link page carries its token in the path: it sends no referrer at all.
        expected = "no-referrer" if path.startswith(("/r/", "/provider/l/")) else "same-origin"
        assert resp.headers["Referrer-Policy"] == expected, path


def test_the_policy_allows_nothing_from_other_origins_and_no_inline_script() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "http" not in CONTENT_SECURITY_POLICY


def test_no_template_holds_inline_script_or_style(app) -> None:
    from pathlib import Path

    folder = Path(app.template_folder)
    for path in folder.rglob("*.html"):
        text = path.read_text()
        assert "<script>" not in text, path
        assert "<script " not in text.replace('<script src="', ""), path
        assert " style=" not in text, path
        assert "<style" not in text, path
        assert " on" + "click=" not in text, path


def test_the_public_catalog_may_be_cached_and_everything_else_is_no_store(app, client, make_user) -> None:
    assert "no-store" not in client.get("/search?q=food").headers.get("Cache-Control", "")
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    assert client.get("/account/password").headers["Cache-Control"] == "no-store"
    make_user(email="ana@example.org")
    from tests.accounts.test_login import sign_in

    assert sign_in(client, "ana@example.org").status_code == 302
    # Signed in, even the catalog is not kept: the page shows who is signed in.
    assert client.get("/search?q=food").headers["Cache-Control"] == "no-store"
    assert client.get("/account/password").headers["Cache-Control"] == "no-store"


def test_the_session_cookie_is_httponly_lax_and_secure_in_production(tmp_path, database_url) -> None:
    app = create_app({"DATA_DIR": str(tmp_path), "DATABASE_URL": database_url, "LINKAGE_ENV": "production"})
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def _attempt_address(app, db, headers: dict[str, str]) -> str | None:
    client = app.test_client()
    from tests.accounts.test_login import csrf

    token = csrf(client)
    client.post(
        "/login",
        data={"email": "ghost@example.org", "password": "not the password at all", "csrf_token": token},
        headers=headers,
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    return db.scalars(select(LoginAttempt.address).order_by(LoginAttempt.at.desc())).first()


@pytest.mark.parametrize(("hops", "seen"), [(0, "10.0.0.2"), (1, "203.0.113.9")])
def test_the_address_behind_a_configured_proxy_is_the_person_s(app, db, hops, seen) -> None:
    app.config["PROXY_HOPS"] = hops
    from kernel import security

    if hops:
        security.install_proxy(app)
    # Over HTTPS (as the proxy says) Flask-WTF also wants a same-origin Referer, as browsers send.
    forwarded = {
        "X-Forwarded-For": "203.0.113.9",
        "X-Forwarded-Proto": "https",
        "Referer": "https://localhost/login",
    }
    assert _attempt_address(app, db, forwarded) == seen
    failure = db.scalars(select(AuditEvent).where(AuditEvent.action == "login_failure")).first()
    assert failure is not None
    assert failure.address == seen


def test_a_bad_proxy_hops_value_stops_the_app(monkeypatch, tmp_path) -> None:
    from kernel.config import ConfigError, load_config

    monkeypatch.setenv("LINKAGE_PROXY_HOPS", "-1")
    with pytest.raises(ConfigError, match="LINKAGE_PROXY_HOPS"):
        load_config({"DATA_DIR": str(tmp_path)})
    monkeypatch.setenv("LINKAGE_PROXY_HOPS", "two")
    with pytest.raises(ConfigError, match="LINKAGE_PROXY_HOPS"):
        load_config({"DATA_DIR": str(tmp_path)})
