"""The second factor (TOTP): enrolment through the page with the code computed by pyotp from
the secret shown, the code step of signing in, the throttle, replay, recovery codes, the roles
that require it, the admins' page and the CLI, and what production requires by default."""

from __future__ import annotations

import re
import urllib.parse

import pyotp
import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import audit, queries, services, totp
from accounts.models import AuditEvent, LoginAttempt, RecoveryCode, TotpCredential
from app import create_app
from kernel.errors import Problem

from .conftest import PASSWORD
from .test_login import FACTORS, Factor, csrf, enrol, sign_in

CLI = audit.command_line()


def post_login(client, email: str = "ana@example.org", password: str = PASSWORD, **extra: str):
    """Only the password step (sign_in would also give the code)."""
    data = {"email": email, "password": password, "csrf_token": csrf(client), **extra}
    return client.post("/login", data=data)


def post_code(client, code: str):
    return client.post("/login/code", data={"code": code, "csrf_token": csrf(client, "/login/code")})


def signed_in(client) -> bool:
    resp = client.get("/account/password")
    return resp.status_code == 200


def actions(db: Session, *, detail: bool = False) -> list:
    rows = db.execute(select(AuditEvent.action, AuditEvent.detail).order_by(AuditEvent.at, AuditEvent.id))
    return [(a, d) if detail else a for a, d in rows]


@pytest.fixture
def ana(client, make_user, db) -> Factor:
    """An officer who turned the second factor on herself, then signed out."""
    make_user("officer", email="ana@example.org")
    assert sign_in(client, "ana@example.org").status_code == 302
    factor = enrol(client, "ana@example.org")
    client.post("/logout", data={"csrf_token": csrf(client, "/account/password")})
    assert not signed_in(client)
    return factor


# ------------------------------------------------------------------ enrolment


def test_enrolment_shows_an_inline_svg_qr_code_and_the_secret_and_confirms_with_a_code(
    client, make_user, db
) -> None:
    make_user("officer", email="ana@example.org")
    sign_in(client, "ana@example.org")
    resp = client.get("/account/second-factor")
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    page = resp.get_data(as_text=True)
    assert "<script" not in page
    assert "style=" not in page
    qr = re.search(r'<img class="qr" src="data:image/svg\+xml;charset=utf-8,([^"]+)"', page)
    assert qr, page
    svg = urllib.parse.unquote(qr.group(1))  # drawn here: an SVG document, no other origin
    assert svg.startswith("<svg xmlns=")
    assert "<path" in svg
    assert "http" not in svg.replace("http://www.w3.org", "")
    secret = re.search(r'id="totp-secret" value="([A-Z2-7]{32})"', page).group(1)
    # a reload keeps the same secret: what the phone scanned stays good
    assert secret in client.get("/account/second-factor").get_data(as_text=True)
    # the secret is stored encrypted, never as itself
    stored = db.get(TotpCredential, queries.user_by_email(db, "ana@example.org").id)
    assert secret not in stored.secret_encrypted
    assert stored.enabled is None

    token = csrf(client, "/account/second-factor")
    wrong = client.post("/account/second-factor", data={"code": "000000", "csrf_token": token})
    assert wrong.status_code == 400
    assert 'value="000000"' in wrong.get_data(as_text=True)  # what was typed stays

    code = pyotp.TOTP(secret).now()
    done = client.post("/account/second-factor", data={"code": code, "csrf_token": token})
    assert done.status_code == 200
    assert done.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li><code>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</code></li>", done.get_data(as_text=True))
    assert len(set(codes)) == 10
    hashes = set(db.scalars(select(RecoveryCode.code_hash)))
    assert len(hashes) == 10
    assert not any(c in h or c.replace("-", "") in h for c in codes for h in hashes)
    assert "mfa_enrol" in actions(db)
    # shown once: the page now only says it is on
    again = client.get("/account/second-factor").get_data(as_text=True)
    assert secret not in again
    assert codes[0] not in again
    assert "10 unused recovery codes" in again
    assert signed_in(client)  # the session that enrolled goes on


def test_the_enrolment_post_needs_its_csrf_token(client, make_user) -> None:
    make_user("officer", email="ana@example.org")
    sign_in(client, "ana@example.org")
    client.get("/account/second-factor")
    assert client.post("/account/second-factor", data={"code": "123456"}).status_code == 400


def test_turning_it_on_ends_the_other_sessions(app, client, make_user) -> None:
    make_user("officer", email="ana@example.org")
    other = app.test_client()
    sign_in(other, "ana@example.org")
    sign_in(client, "ana@example.org")
    enrol(client, "ana@example.org")
    assert signed_in(client)
    assert not signed_in(other)


# ------------------------------------------------------------------ signing in with it


def test_the_password_alone_does_not_sign_in_and_the_code_does(client, ana, db) -> None:
    resp = post_login(client, next="/search?q=bed")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/login/code"
    assert not signed_in(client)
    page = client.get("/login/code").get_data(as_text=True)
    assert 'name="code"' in page
    assert 'autocomplete="one-time-code"' in page
    done = post_code(client, ana.code())
    assert done.status_code == 302
    assert done.headers["Location"] == "/search?q=bed"
    assert signed_in(client)
    assert ("login", "second factor: totp") in actions(db, detail=True)


def test_a_wrong_code_is_refused_counted_and_audited(client, ana, db) -> None:
    post_login(client)
    before = db.scalar(select(LoginAttempt).where(~LoginAttempt.succeeded).limit(1))
    assert before is None
    resp = post_code(client, "12345x")
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert "That code is not right" in body
    assert 'value="12345x"' in body
    assert not signed_in(client)
    failures = db.scalars(select(LoginAttempt).where(~LoginAttempt.succeeded)).all()
    assert [f.email for f in failures] == ["ana@example.org"]
    assert ("login_failure", "second factor") in actions(db, detail=True)
    assert post_code(client, ana.code()).status_code == 302  # the right one still works


def test_wrong_codes_count_toward_the_same_throttle_as_passwords(client, ana) -> None:
    for _ in range(5):
        assert post_login(client, password="this is not the password").status_code == 200
    post_login(client)
    for _ in range(5):
        assert post_code(client, "000000").status_code == 200
    resp = post_code(client, ana.code())  # the eleventh attempt: refused even when right
    assert resp.status_code == 429
    assert "Retry-After" in resp.headers
    assert not signed_in(client)


def test_a_right_password_does_not_clear_the_count_of_wrong_codes(client, ana) -> None:
    for _ in range(2):
        post_login(client)
        for _ in range(5):
            post_code(client, "000000")
    assert post_login(client).status_code == 429


def test_a_code_cannot_be_used_twice(app, client, ana, db) -> None:
    code = ana.code()
    post_login(client)
    assert post_code(client, code).status_code == 302
    other = app.test_client()
    post_login(other)
    resp = post_code(other, code)
    assert resp.status_code == 200
    assert "used already" in resp.get_data(as_text=True)
    assert not signed_in(other)
    # nor an older code of the accepted window
    user = queries.user_by_email(db, "ana@example.org")
    last = db.get(TotpCredential, user.id).last_step
    assert post_code(other, ana.totp.generate_otp(last - 1)).status_code == 200
    assert not signed_in(other)


def test_a_recovery_code_works_once(app, client, ana, db) -> None:
    code = ana.codes[3]
    post_login(client)
    assert post_code(client, code.upper().replace("-", " ")).status_code == 302  # as typed from paper
    assert signed_in(client)
    assert ("login", "second factor: recovery code") in actions(db, detail=True)
    assert ("mfa_recovery_used", "9 left") in actions(db, detail=True)
    other = app.test_client()
    post_login(other)
    assert post_code(other, code).status_code == 200
    assert not signed_in(other)
    assert "9 unused recovery codes" in client.get("/account/second-factor").get_data(as_text=True)


def test_the_code_page_without_a_password_sends_to_sign_in(client, ana) -> None:
    assert client.get("/login/code").headers["Location"] == "/login"
    resp = client.post("/login/code", data={"code": ana.code()})
    assert resp.headers["Location"] == "/login"
    assert not signed_in(client)


def test_the_code_page_needs_a_csrf_token_and_a_code(client, ana) -> None:
    post_login(client)
    assert client.post("/login/code", data={"code": ana.code()}).status_code == 400
    empty = post_code(client, "")
    assert "Type the six digits" in empty.get_data(as_text=True)
    assert not signed_in(client)


# ------------------------------------------------------------------ turning it off


def test_turning_it_off_asks_for_a_current_code(client, ana, db) -> None:
    sign_in(client, "ana@example.org")
    token = csrf(client, "/account/second-factor")
    wrong = client.post("/account/second-factor/off", data={"code": "000000", "csrf_token": token})
    assert wrong.status_code == 400
    assert totp.enabled(db, queries.user_by_email(db, "ana@example.org"))
    empty = client.post("/account/second-factor/off", data={"code": "", "csrf_token": token})
    assert empty.status_code == 400
    ok = client.post("/account/second-factor/off", data={"code": ana.code(), "csrf_token": token})
    assert ok.status_code == 302
    assert not totp.enabled(db, queries.user_by_email(db, "ana@example.org"))
    assert db.scalars(select(RecoveryCode)).all() == []
    assert "mfa_disable" in actions(db)
    # the password alone signs in again
    client.post("/logout", data={"csrf_token": token})
    assert post_login(client).headers["Location"] == "/"


def test_it_cannot_be_turned_off_when_the_role_requires_it(client, make_user, db) -> None:
    make_user("admin", email="boss@example.org")  # the test app runs as production
    sign_in(client, "boss@example.org")
    factor = FACTORS["boss@example.org"]
    page = client.get("/account/second-factor").get_data(as_text=True)
    assert "cannot be turned off" in page
    token = csrf(client, "/account/second-factor")
    resp = client.post("/account/second-factor/off", data={"code": factor.code(), "csrf_token": token})
    assert resp.status_code == 409
    assert totp.enabled(db, queries.user_by_email(db, "boss@example.org"))


# ------------------------------------------------------------------ required per role


def test_production_requires_it_of_admins_and_only_them_by_default(app, tmp_path, database_url) -> None:
    assert app.config["LINKAGE_ENV"] == "production"
    assert app.config["MFA_ROLES"] == ("admin",)
    dev = create_app({"DATA_DIR": str(tmp_path), "DATABASE_URL": database_url, "LINKAGE_ENV": "development"})
    assert dev.config["MFA_ROLES"] == ()


def test_the_setting_names_the_roles(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("LINKAGE_MFA_ROLES", "officer, admin,officer")
    assert create_app({"DATA_DIR": str(tmp_path)}).config["MFA_ROLES"] == ("officer", "admin")
    monkeypatch.setenv("LINKAGE_MFA_ROLES", "")
    assert create_app({"DATA_DIR": str(tmp_path)}).config["MFA_ROLES"] == ()
    monkeypatch.setenv("LINKAGE_MFA_ROLES", "admin,sheriff")
    with pytest.raises(ValueError, match="LINKAGE_MFA_ROLES: 'sheriff' is not a role"):
        create_app({"DATA_DIR": str(tmp_path)})


def test_a_required_role_is_sent_to_enrolment_and_can_do_nothing_else(client, make_user, db) -> None:
    make_user("admin", email="boss@example.org")
    resp = post_login(client, "boss@example.org", next="/admin/users")
    assert resp.headers["Location"].startswith("/account/second-factor")
    assert ("login", "second factor to be set up") in actions(db, detail=True)
    for path in ("/admin/users", "/account/password", "/search?q=bed", "/login/code"):
        got = client.get(path)
        assert got.status_code == 302, path
        assert got.headers["Location"] == "/account/second-factor", path
    assert client.get("/api/v1/me", headers={"Accept": "application/json"}).status_code == 403
    page = client.get("/account/second-factor").get_data(as_text=True)
    assert "Your role requires a second factor" in page
    enrol(client, "boss@example.org")
    assert client.get("/admin/users").status_code == 200


def test_after_enrolment_a_required_role_signs_in_with_the_code(client, make_user) -> None:
    make_user("admin", email="boss@example.org")
    sign_in(client, "boss@example.org")
    client.post("/logout", data={"csrf_token": csrf(client, "/account/password")})
    assert post_login(client, "boss@example.org").headers["Location"] == "/login/code"
    assert post_code(client, FACTORS["boss@example.org"].code()).status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_an_admin_requires_it_for_a_role_on_the_admin_page(app, client, make_user, db) -> None:
    make_user("admin", email="boss@example.org")
    make_user("officer", email="ana@example.org")
    sign_in(client, "boss@example.org")
    page = client.get("/admin/second-factor").get_data(as_text=True)
    assert "LINKAGE_MFA_ROLES names: admin" in page
    token = csrf(client, "/admin/second-factor")
    resp = client.post("/admin/second-factor", data={"role": "officer", "required": "1", "csrf_token": token})
    assert resp.status_code == 302
    assert "officer" in totp.required_roles(db, app.config["MFA_ROLES"])
    assert ("mfa_require", "role=officer required") in actions(db, detail=True)
    bad = client.post("/admin/second-factor", data={"role": "sheriff", "required": "1", "csrf_token": token})
    assert bad.status_code == 400
    assert client.post("/admin/second-factor", data={"role": "officer", "required": "1"}).status_code == 400
    officer = app.test_client()
    assert post_login(officer).headers["Location"].startswith("/account/second-factor")


def test_the_cli_requires_and_stops_requiring_a_role(app, make_user, db) -> None:
    runner = app.test_cli_runner()
    out = runner.invoke(args=["user", "require-2fa", "coordinator"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    assert "coordinator now requires a second factor" in out.output
    out = runner.invoke(args=["user", "require-2fa", "admin", "--off"], catch_exceptions=False)
    assert "admin no longer requires" in out.output
    assert totp.required_roles(db, app.config["MFA_ROLES"]) == {"coordinator"}
    out = runner.invoke(args=["user", "require-2fa", "sheriff"])
    assert out.exit_code != 0
    assert "Unknown role 'sheriff'" in out.output
    rules = {r.role: (r.required, r.chosen) for r in totp.role_rules(db, app.config["MFA_ROLES"])}
    assert rules["admin"] == (False, True)
    assert rules["coordinator"] == (True, True)
    assert rules["officer"] == (False, False)


# ------------------------------------------------------------------ a lost phone


def test_the_cli_resets_a_lost_second_factor_and_the_user_enrols_again(app, client, make_user, db) -> None:
    make_user("admin", email="boss@example.org")
    sign_in(client, "boss@example.org")
    assert signed_in(client)
    runner = app.test_cli_runner()
    out = runner.invoke(args=["user", "reset-2fa", "Boss@example.org"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    assert "Reset the second factor of boss@example.org" in out.output
    assert not signed_in(client)  # the sessions ended with it
    assert "mfa_reset" in actions(db)
    assert db.scalars(select(RecoveryCode)).all() == []
    assert post_login(client, "boss@example.org").headers["Location"].startswith("/account/second-factor")
    again = runner.invoke(args=["user", "reset-2fa", "boss@example.org"])
    assert again.exit_code != 0
    assert "has no second factor to reset" in again.output


def test_an_admin_resets_a_users_second_factor_on_the_user_page(app, client, ana, make_user, db) -> None:
    make_user("admin", email="boss@example.org")
    sign_in(client, "boss@example.org")
    user = queries.user_by_email(db, "ana@example.org")
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Reset the second factor" in page
    token = csrf(client, f"/admin/users/{user.id}")
    resp = client.post(f"/admin/users/{user.id}/second-factor/reset", data={"csrf_token": token})
    assert resp.status_code == 302
    assert not totp.enabled(db, user)
    again = client.post(f"/admin/users/{user.id}/second-factor/reset", data={"csrf_token": token})
    assert again.status_code == 409
    officer = app.test_client()
    assert post_login(officer).headers["Location"] == "/"  # officers need none: signed in


def test_a_secret_sealed_under_another_secret_key_asks_for_a_reset(app: Flask, ana, db) -> None:
    user = queries.user_by_email(db, "ana@example.org")
    with app.app_context():
        app.config["SECRET_KEY"] = "another-secret"
        with pytest.raises(Problem, match="ask an administrator to reset it"):
            totp.check(db, user, ana.code())


def test_services_refuse_what_makes_no_sense(app, make_user, db) -> None:
    with app.test_request_context():
        user = make_user("officer", email="ana@example.org")
        assert totp.check(db, user, "123456") is None  # no second factor: nothing passes
        with pytest.raises(Problem, match="not on"):
            services.disable_second_factor(db, user, "123456", CLI, ())
        with pytest.raises(Problem, match="Open the page again"):
            totp.confirm(db, user, "123456", CLI)
        totp.pending(db, user)
        secret = totp.pending(db, user).secret
        totp.confirm(db, user, pyotp.TOTP(secret).now(), CLI)
        with pytest.raises(Problem, match="already on"):
            totp.pending(db, user)
