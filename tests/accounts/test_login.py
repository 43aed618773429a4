"""Signing in at /login: CSRF, messages that do not tell whether an account exists, session
limits, cookie flags, password change, logout and the audit rows of each."""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import audit, services
from accounts.models import AuditEvent

from .conftest import PASSWORD

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = TOKEN.search(page)
    assert match, page
    return match.group(1) or match.group(2)


SECRET_SHOWN = re.compile(r'id="totp-secret" value="([A-Z2-7]+)"')
CODES_SHOWN = re.compile(r"<li><code>([a-z2-7-]+)</code></li>")


@dataclass
class Factor:
    """What a person keeps of their second factor: the app's secret and the recovery codes."""

    secret: str
    codes: list[str]
    last_step: int = 0
    totp: pyotp.TOTP = field(init=False)

    def __post_init__(self) -> None:
        self.totp = pyotp.TOTP(self.secret)

    def code(self) -> str:
        """The app's code now, or the next step's when now's was used (one step ahead is
        accepted), else a recovery code: what a person does when a code is refused as used."""
        now = self.totp.timecode(dt.datetime.now(dt.UTC))
        step = max(now, self.last_step + 1)
        if step > now + 1:
            return self.codes.pop()
        self.last_step = step
        return self.totp.generate_otp(step)


# The factors set up through the pages, by e-mail (a test's users are new each test).
FACTORS: dict[str, Factor] = {}


def enrol(client, email: str) -> Factor:
    """Set up the second factor on /account/second-factor as a person does: read the secret
    shown, make the code from it, confirm, keep the recovery codes shown once."""
    page = client.get("/account/second-factor").get_data(as_text=True)
    match = SECRET_SHOWN.search(page)
    assert match, page
    factor = Factor(match.group(1), [])
    code = factor.code()
    resp = client.post(
        "/account/second-factor", data={"code": code, "csrf_token": csrf(client, "/account/second-factor")}
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    factor.codes = CODES_SHOWN.findall(resp.get_data(as_text=True))
    assert len(factor.codes) == 10
    FACTORS[email.strip().lower()] = factor
    return factor


def sign_in(client, email: str, password: str = PASSWORD, **extra: str):
    """Sign in as a person does; the second factor too when one is asked for (set up with
    `enrol` when the role requires one not yet set up). Returns the password step's answer."""
    resp = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf(client), **extra}
    )
    where = resp.headers.get("Location", "") if resp.status_code == 302 else ""
    if where.startswith("/login/code"):
        factor = FACTORS[email.strip().lower()]
        token = csrf(client, "/login/code")
        done = client.post("/login/code", data={"code": factor.code(), "csrf_token": token})
        assert done.status_code == 302, done.get_data(as_text=True)
    elif where.startswith("/account/second-factor"):
        enrol(client, email)
    return resp


def actions(db: Session) -> list[str]:
    return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.at, AuditEvent.id)))


def test_the_login_form_has_email_password_and_csrf_token_fields(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    for name in ("email", "password", "csrf_token"):
        assert f'name="{name}"' in page
    assert "<script" not in page
    assert "style=" not in page


@pytest.mark.parametrize("token", [None, "forged"])
def test_a_post_without_a_valid_csrf_token_is_refused_with_400(client, make_user, token) -> None:
    make_user(email="ana@example.org")
    client.get("/login")
    data = {"email": "ana@example.org", "password": PASSWORD}
    if token:
        data["csrf_token"] = token
    resp = client.post("/login", data=data)
    assert resp.status_code == 400
    with client.session_transaction() as s:
        assert "uid" not in s


def test_logout_without_a_csrf_token_is_refused(client, make_user) -> None:
    make_user(email="ana@example.org")
    sign_in(client, "ana@example.org")
    assert client.post("/logout").status_code == 400


def test_signing_in_starts_a_session_and_follows_only_a_local_next(client, make_user, db) -> None:
    make_user(email="ana@example.org")
    resp = sign_in(client, "Ana@Example.org", next="/search?q=bed")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/search?q=bed"
    assert "ana@example.org" in client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf(client)})
    resp = sign_in(client, "ana@example.org", next="//evil.example/x")
    assert resp.headers["Location"] == "/"
    client.post("/logout", data={"csrf_token": csrf(client)})
    assert sign_in(client, "ana@example.org", next="https://evil.example/").headers["Location"] == "/"


def test_wrong_password_unknown_address_and_disabled_account_read_the_same(client, make_user, db) -> None:
    make_user(email="ana@example.org")
    make_user(email="off@example.org")
    services.set_active(db, "off@example.org", False, audit.command_line())
    db.flush()
    answers = [
        sign_in(client, "ana@example.org", "wrong password here"),
        sign_in(client, "nobody@example.org", "wrong password here"),
        sign_in(client, "off@example.org", PASSWORD),
    ]
    bodies = {(r.status_code, re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))) for r in answers}
    assert len(bodies) == 1
    status, body = bodies.pop()
    assert status == 200
    assert "not right" in body
    with client.session_transaction() as s:
        assert "uid" not in s


def test_the_audit_log_records_login_failure_with_the_email_tried_login_and_logout(
    client, make_user, db
) -> None:
    user = make_user(email="ana@example.org")
    sign_in(client, "ANA@example.org", "not the password")
    sign_in(client, "ghost@example.org", "not the password")
    sign_in(client, "ana@example.org")
    client.post("/logout", data={"csrf_token": csrf(client)})
    rows = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action.in_(["login", "login_failure", "logout"]))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    assert [(r.action, r.actor) for r in rows] == [
        ("login_failure", "ana@example.org"),
        ("login_failure", "ghost@example.org"),
        ("login", "ana@example.org"),
        ("logout", "ana@example.org"),
    ]
    assert {r.address for r in rows} == {"127.0.0.1"}
    assert rows[0].actor_user_id is None  # whoever typed it is not known to be the user
    assert rows[0].record_id == str(user.id)
    assert rows[1].record_id is None
    assert rows[2].actor_user_id == user.id


def test_the_session_cookie_is_httponly_samesite_lax_and_secure_in_production(client, make_user) -> None:
    make_user(email="ana@example.org")
    client.get("/login")
    cookie = sign_in(client, "ana@example.org").headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" in cookie
    assert "Expires" not in cookie  # ends with the browser too


def test_the_cookie_is_not_secure_in_development(app, make_user) -> None:
    app.config["SESSION_COOKIE_SECURE"] = False
    make_user(email="ana@example.org")
    with app.test_client() as client:
        assert "Secure" not in sign_in(client, "ana@example.org").headers["Set-Cookie"]


def _signed_in(client) -> bool:
    return "Sign out" in client.get("/").get_data(as_text=True)


def test_a_session_idle_longer_than_the_setting_ends(client, make_user) -> None:
    make_user(email="ana@example.org")
    sign_in(client, "ana@example.org")
    assert _signed_in(client)
    with client.session_transaction() as s:
        s["seen"] = time.time() - 8 * 3600 + 120  # idle 7 h 58 min: still signed in
    assert _signed_in(client)
    with client.session_transaction() as s:
        s["seen"] = time.time() - 8 * 3600 - 60
    assert not _signed_in(client)


def test_a_session_ends_24_hours_after_sign_in_however_busy(client, make_user) -> None:
    make_user(email="ana@example.org")
    sign_in(client, "ana@example.org")
    with client.session_transaction() as s:
        s["since"] = time.time() - 24 * 3600 - 60
    assert not _signed_in(client)


def test_the_limits_are_settings(app, client, make_user) -> None:
    app.config["SESSION_IDLE_HOURS"] = 0.5
    make_user(email="ana@example.org")
    sign_in(client, "ana@example.org")
    with client.session_transaction() as s:
        s["seen"] = time.time() - 31 * 60
    assert not _signed_in(client)


def test_disabling_an_account_ends_its_sessions(client, make_user, db) -> None:
    make_user(email="ana@example.org")
    sign_in(client, "ana@example.org")
    services.set_active(db, "ana@example.org", False, audit.command_line())
    db.flush()
    assert not _signed_in(client)


def test_password_change_keeps_this_session_and_ends_the_others(app, make_user, db) -> None:
    make_user(email="ana@example.org")
    mine, other = app.test_client(), app.test_client()
    sign_in(mine, "ana@example.org")
    sign_in(other, "ana@example.org")
    new = "a much longer new passphrase"
    page = mine.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": new,
            "confirm": new,
            "csrf_token": csrf(mine, "/account/password"),
        },
    )
    assert "Your password was changed" in page.get_data(as_text=True)
    assert _signed_in(mine)
    assert not _signed_in(other)
    assert "password_change" in actions(db)
    fresh = app.test_client()
    assert sign_in(fresh, "ana@example.org", PASSWORD).status_code == 200  # the old one fails
    assert sign_in(fresh, "ana@example.org", new).status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "confirm", "words"),
    [
        (
            "wrong current password",
            "a much longer new passphrase",
            "a much longer new passphrase",
            "not right",
        ),
        (PASSWORD, "too short", "too short", "at least 12"),
        (PASSWORD, "password1234", "password1234", "too common"),
        (PASSWORD, "a much longer new passphrase", "something else entirely", "differ"),
    ],
)
def test_password_change_refuses_with_a_sentence(client, make_user, current, new, confirm, words) -> None:
    make_user(email="ana@example.org")
    sign_in(client, "ana@example.org")
    data = {"current_password": current, "new_password": new, "confirm": confirm}
    page = client.post("/account/password", data=data | {"csrf_token": csrf(client, "/account/password")})
    assert page.status_code == 200
    assert words in page.get_data(as_text=True)


def test_the_password_page_asks_to_sign_in_first(client) -> None:
    resp = client.get("/account/password")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/login?next=/account/password"
