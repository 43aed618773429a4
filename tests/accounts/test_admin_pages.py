"""The admins' pages for users, teams and tokens: each works for an admin, refuses a POST
without its CSRF token, is closed to everyone else, keeps what was typed on an error, and
shows a secret once."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from accounts import audit, queries, services, tokens
from accounts.models import ApiToken, AuditEvent, Role, Team, User

from .conftest import PASSWORD
from .test_login import csrf, sign_in

CLI = audit.command_line()
SECRET = re.compile(r'id="secret" value="([^"]+)"')


@pytest.fixture
def admin(client, make_user, db):
    make_user("admin", email="boss@example.org")
    make_user("officer", email="ana@example.org")
    services.add_team(db, "Night unit", CLI)
    db.flush()
    assert sign_in(client, "boss@example.org").status_code == 302
    return client


def ana(db) -> User:
    user = queries.user_by_email(db, "ana@example.org")
    assert user is not None
    return user


def post(client, path: str, data: dict[str, object], form_page: str | None = None):
    """A POST with the CSRF token of the page the form is on."""
    return client.post(path, data={**data, "csrf_token": csrf(client, form_page or path)})


def shown_secret(resp) -> str:
    match = SECRET.search(resp.get_data(as_text=True))
    assert match, resp.get_data(as_text=True)
    return match.group(1)


# ------------------------------------------------------------------ who may open them


def admin_pages(db) -> list[str]:
    return ["/admin/users", f"/admin/users/{ana(db).id}", "/admin/teams", "/admin/tokens", "/admin/audit"]


def test_each_page_works_for_an_admin_with_the_admin_nav(admin, db) -> None:
    for path in admin_pages(db):
        resp = admin.get(path)
        assert resp.status_code == 200, path
        body = resp.get_data(as_text=True)
        assert 'aria-label="Administration"' in body
        for link in ("/admin/users", "/admin/teams", "/admin/tokens", "/admin/audit"):
            assert f'href="{link}"' in body
        assert "<script" not in body
        assert "style=" not in body


@pytest.mark.parametrize("role", [r.value for r in Role if r is not Role.admin])
def test_other_roles_get_403(client, make_user, db, role) -> None:
    make_user("officer", email="ana@example.org")
    make_user(role, email="someone@example.org")
    paths = admin_pages(db)
    assert sign_in(client, "someone@example.org").status_code == 302
    for path in paths:
        assert client.get(path).status_code == 403, path
    resp = client.post(
        "/admin/users",
        data={"email": "x@example.org", "role": "admin", "csrf_token": csrf(client, "/account/password")},
    )
    assert resp.status_code == 403
    assert queries.user_by_email(db, "x@example.org") is None


def test_anonymous_is_sent_to_sign_in(client, make_user, db) -> None:
    make_user("officer", email="ana@example.org")
    for path in [*admin_pages(db), "/account/tokens"]:
        resp = client.get(path)
        assert resp.status_code == 302, path
        assert resp.headers["Location"].startswith("/login?next=")


# ------------------------------------------------------------------ CSRF: 400 and nothing changed


def test_each_post_without_csrf_is_400_and_changes_nothing(admin, db) -> None:
    user = ana(db)
    made = tokens.create(db, "boss@example.org", ["catalog:read"], CLI)
    db.flush()
    before_hash, before_events = (
        user.password_hash,
        db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)),
    )
    posts = [
        ("/admin/users", {"email": "new@example.org", "role": "admin"}),
        (f"/admin/users/{user.id}/role", {"role": "coordinator"}),
        (f"/admin/users/{user.id}/active", {"active": "0"}),
        (f"/admin/users/{user.id}/password", {}),
        ("/admin/teams", {"name": "Day unit"}),
        ("/admin/tokens", {"email": "ana@example.org", "scopes": "catalog:read"}),
        (f"/admin/tokens/{made.token.id}/revoke", {}),
        ("/account/tokens", {"scopes": "catalog:read"}),
        (f"/account/tokens/{made.token.id}/revoke", {}),
    ]
    for path, data in posts:
        assert admin.post(path, data=data).status_code == 400, path
        assert admin.post(path, data={**data, "csrf_token": "forged"}).status_code == 400, path
    db.expire_all()
    assert queries.user_by_email(db, "new@example.org") is None
    user = ana(db)
    assert (user.role, user.active, user.password_hash) == (Role.officer, True, before_hash)
    assert queries.team_by_name(db, "Day unit") is None
    assert db.scalars(select(ApiToken)).all() == [made.token]
    assert made.token.revoked is None
    newest = db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    assert newest == before_events


# ------------------------------------------------------------------ users


def test_the_user_list_shows_role_team_organizations_state_and_last_sign_in(admin, make_user, db) -> None:
    make_user("provider", email="desk@harbor.example")
    body = admin.get("/admin/users").get_data(as_text=True)
    assert "boss@example.org" in body
    assert "desk@harbor.example" in body
    assert "Harbor Community Services" in body
    assert "Default team" in body
    row = body[body.index("boss@example.org") :]
    assert "never" not in row[: row.index("</tr>")]  # just signed in


def test_the_user_list_filters_by_role_and_team(admin, make_user, db) -> None:
    make_user("coordinator", email="cora@example.org", team="Night unit")
    night = queries.team_by_name(db, "Night unit")
    assert night is not None
    by_role = admin.get("/admin/users?role=officer").get_data(as_text=True)
    assert "ana@example.org" in by_role
    assert "cora@example.org" not in by_role
    by_team = admin.get(f"/admin/users?team={night.id}").get_data(as_text=True)
    assert "cora@example.org" in by_team
    assert "ana@example.org" not in by_team


def test_add_user_with_a_password(admin, db) -> None:
    resp = post(
        admin,
        "/admin/users",
        {"email": "Rui@Example.org", "role": "social_worker", "team": "Night unit", "password": PASSWORD},
    )
    assert resp.status_code == 302
    user = queries.user_by_email(db, "rui@example.org")
    assert user is not None
    assert user.team is not None
    assert user.team.name == "Night unit"
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "user_create")).all()[-1]
    assert event.actor == "boss@example.org"


def test_add_a_provider_with_organizations(admin, make_org, db) -> None:
    org = make_org("Eastside Pantry")
    resp = post(
        admin,
        "/admin/users",
        {"email": "pantry@example.org", "role": "provider", "organizations": f" {org.id}, "},
    )
    assert resp.status_code == 200  # the generated password is shown
    user = queries.user_by_email(db, "pantry@example.org")
    assert user is not None
    assert [o.name for o in user.organizations] == ["Eastside Pantry"]


def test_a_generated_password_is_shown_once_and_signs_in(admin, client, db) -> None:
    resp = post(admin, "/admin/users", {"email": "new@example.org", "role": "coordinator"})
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    body = resp.get_data(as_text=True)
    assert "it will not be shown again" in body
    password = shown_secret(resp)
    user = queries.user_by_email(db, "new@example.org")
    assert user is not None
    assert password not in admin.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert password not in admin.get("/admin/users").get_data(as_text=True)
    assert password not in " ".join(e.detail or "" for e in db.scalars(select(AuditEvent)))
    admin.post("/logout", data={"csrf_token": csrf(admin, "/admin/users")})
    assert sign_in(client, "new@example.org", password).status_code == 302


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"email": "not-an-address", "role": "officer"}, "email", "is not an e-mail address"),
        ({"email": "ana@example.org", "role": "officer"}, "email", "already an account"),
        ({"email": "rui@example.org", "role": "wizard"}, "role", "Not a valid choice"),
        ({"email": "rui@example.org", "role": "officer", "password": "short"}, "password", "12 characters"),
        ({"email": "rui@example.org", "role": "officer", "password": "password1234"}, "password", "common"),
        (
            {"email": "rui@example.org", "role": "provider", "organizations": "harbor"},
            "organizations",
            "not an organization id",
        ),
        ({"email": "rui@example.org", "role": "provider"}, "organizations", "bound to one or more"),
        ({"email": "rui@example.org", "role": "officer", "team": "Nobody"}, "team", "No team is named"),
    ],
)
def test_add_user_error_names_the_field_and_keeps_what_was_typed(admin, db, data, field, words) -> None:
    count = len(queries.users(db))
    resp = post(admin, "/admin/users", data)
    assert resp.status_code in (400, 409)
    body = resp.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', body)
    assert error, body
    assert words in error.group(1).replace("&#39;", "'")
    assert f'aria-describedby="{field}-error' in body
    assert f'value="{data["email"]}"' in body
    if data["role"] != "wizard":
        assert f'<option selected value="{data["role"]}">' in body
    if data.get("organizations"):
        assert f'value="{data["organizations"]}"' in body
    assert data.get("password", "\0") not in body
    db.expire_all()
    assert len(queries.users(db)) == count


def test_change_role_and_team(admin, db) -> None:
    user = ana(db)
    resp = post(
        admin,
        f"/admin/users/{user.id}/role",
        {"role": "coordinator", "team": "Night unit"},
        f"/admin/users/{user.id}",
    )
    assert resp.status_code == 302
    db.expire_all()
    user = ana(db)
    assert user.role is Role.coordinator
    assert user.team is not None
    assert user.team.name == "Night unit"
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "role_change")).all()[-1]
    assert event.actor == "boss@example.org"
    # The move between teams is in the row too, not only the role.
    assert event.detail is not None
    assert event.detail.startswith("officer team ")
    assert event.detail.endswith(" -> coordinator team Night unit")


def test_a_refused_role_change_names_the_field_and_changes_nothing(admin, db) -> None:
    user = ana(db)
    resp = post(
        admin,
        f"/admin/users/{user.id}/role",
        {"role": "provider", "organizations": "nope"},
        f"/admin/users/{user.id}",
    )
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert 'id="organizations-error"' in body
    assert 'value="nope"' in body
    db.expire_all()
    assert ana(db).role is Role.officer


def test_disable_ends_the_users_sessions_and_enable_lets_them_back(admin, app, db) -> None:
    other = app.test_client()
    assert sign_in(other, "ana@example.org").status_code == 302
    assert other.get("/account/password").status_code == 200
    user = ana(db)
    resp = post(admin, f"/admin/users/{user.id}/active", {"active": "0"}, f"/admin/users/{user.id}")
    assert resp.status_code == 302
    assert other.get("/account/password").status_code == 302  # signed out
    assert sign_in(other, "ana@example.org").status_code != 302
    assert "disabled" in admin.get("/admin/users").get_data(as_text=True)
    post(admin, f"/admin/users/{user.id}/active", {"active": "1"}, f"/admin/users/{user.id}")
    assert sign_in(app.test_client(), "ana@example.org").status_code == 302
    actions = list(db.scalars(select(AuditEvent.action).where(AuditEvent.record_id == str(user.id))))
    assert "user_disable" in actions
    assert "user_enable" in actions


def test_reset_password_shows_the_new_one_once(admin, app, db) -> None:
    user = ana(db)
    resp = post(admin, f"/admin/users/{user.id}/password", {}, f"/admin/users/{user.id}")
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    password = shown_secret(resp)
    assert sign_in(app.test_client(), "ana@example.org").status_code != 302  # the old one
    assert sign_in(app.test_client(), "ana@example.org", password).status_code == 302


def test_an_unknown_user_is_404(admin) -> None:
    assert admin.get("/admin/users/00000000-0000-0000-0000-000000000000").status_code == 404


# ------------------------------------------------------------------ teams


def test_teams_list_and_add(admin, db) -> None:
    assert "Night unit" in admin.get("/admin/teams").get_data(as_text=True)
    assert post(admin, "/admin/teams", {"name": "  Day   unit "}).status_code == 302
    assert queries.team_by_name(db, "Day unit") is not None
    resp = post(admin, "/admin/teams", {"name": "Day unit"})
    assert resp.status_code == 409
    body = resp.get_data(as_text=True)
    assert 'id="name-error"' in body
    assert 'value="Day unit"' in body
    assert len(db.scalars(select(Team).where(Team.name == "Day unit")).all()) == 1


# ------------------------------------------------------------------ tokens (admins)


def test_admin_creates_a_token_for_anyone_shown_once_and_working(admin, app, db) -> None:
    resp = post(
        admin,
        "/admin/tokens",
        {"email": "ana@example.org", "scopes": ["catalog:read", "referrals:read"], "expires": "2999-01-01"},
    )
    assert resp.status_code == 200
    assert "Copy it now: it will not be shown again." in resp.get_data(as_text=True)
    secret = shown_secret(resp)
    token = db.scalars(select(ApiToken)).one()
    assert token.scopes == "catalog:read referrals:read"
    assert token.expires is not None
    assert token.expires.year == 2999
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.get_json()["email"] == "ana@example.org"
    listing = admin.get("/admin/tokens").get_data(as_text=True)
    assert secret not in listing
    assert "catalog:read referrals:read" in listing
    assert "2999-01-01" in listing


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "ana@example.org"}, "scopes"),
        ({"email": "ana@example.org", "scopes": "everything"}, "scopes"),
        ({"email": "ana@example.org", "scopes": "catalog:read", "expires": "2001-01-01"}, "expires"),
        ({"email": "ana@example.org", "scopes": "catalog:read", "expires": "soon"}, "expires"),
        ({"email": "ghost@example.org", "scopes": "catalog:read"}, "email"),
    ],
)
def test_a_refused_token_names_the_field_and_makes_nothing(admin, db, data, field) -> None:
    resp = post(admin, "/admin/tokens", data)
    assert resp.status_code in (400, 404)
    assert f'id="{field}-error"' in resp.get_data(as_text=True)
    assert db.scalars(select(ApiToken)).all() == []


def test_admin_revokes_any_token(admin, app, db) -> None:
    made = tokens.create(db, "ana@example.org", ["catalog:read"], CLI)
    db.flush()
    page = admin.get(f"/admin/users/{ana(db).id}").get_data(as_text=True)
    assert f"/admin/tokens/{made.token.id}/revoke" in page
    resp = post(admin, f"/admin/tokens/{made.token.id}/revoke", {}, "/admin/tokens")
    assert resp.status_code == 302
    db.expire_all()
    assert made.token.revoked is not None
    headers = {"Authorization": f"Bearer {made.secret}"}
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "token_revoke")).one()
    assert event.actor == "boss@example.org"


# ------------------------------------------------------------------ a provider's own tokens


@pytest.fixture
def provider(client, make_user, db):
    make_user("provider", email="desk@harbor.example")
    make_user("officer", email="ana@example.org")
    db.flush()
    assert sign_in(client, "desk@harbor.example").status_code == 302
    return client


def test_a_provider_makes_a_token_for_themselves(provider, app, db) -> None:
    page = provider.get("/account/tokens").get_data(as_text=True)
    assert 'value="capacity:write"' in page
    assert 'value="referrals:read"' not in page
    resp = post(provider, "/account/tokens", {"scopes": ["capacity:write", "catalog:read"]})
    assert resp.status_code == 200
    secret = shown_secret(resp)
    assert 'aria-label="Administration"' not in resp.get_data(as_text=True)
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert me["email"] == "desk@harbor.example"
    assert [o["name"] for o in me["organizations"]] == ["Harbor Community Services"]
    assert me["scopes"] == ["capacity:write", "catalog:read"]


@pytest.mark.parametrize("scope", ["referrals:read", "referrals:write", "metrics:read", "audit:read"])
def test_a_provider_may_not_give_their_token_other_scopes(provider, db, scope) -> None:
    resp = post(provider, "/account/tokens", {"scopes": ["catalog:read", scope]})
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert f"may not hold the scope &#39;{scope}&#39;" in body
    assert 'id="scopes-error"' in body
    assert db.scalars(select(ApiToken)).all() == []


def test_a_provider_sees_and_revokes_only_their_own_tokens(provider, db) -> None:
    mine = tokens.create(db, "desk@harbor.example", ["catalog:read"], CLI)
    theirs = tokens.create(db, "ana@example.org", ["catalog:read"], CLI)
    db.flush()
    page = provider.get("/account/tokens").get_data(as_text=True)
    assert f"/account/tokens/{mine.token.id}/revoke" in page
    assert str(theirs.token.id) not in page
    resp = post(provider, f"/account/tokens/{theirs.token.id}/revoke", {}, "/account/tokens")
    assert resp.status_code == 404
    db.expire_all()
    assert theirs.token.revoked is None
    assert post(provider, f"/account/tokens/{mine.token.id}/revoke", {}, "/account/tokens").status_code == 302
    db.expire_all()
    assert mine.token.revoked is not None
    # and the admins' revoke is not theirs to use
    resp = post(provider, f"/admin/tokens/{theirs.token.id}/revoke", {}, "/account/tokens")
    assert resp.status_code == 403
    db.expire_all()
    assert theirs.token.revoked is None


def test_other_roles_have_no_token_page(client, make_user) -> None:
    make_user("social_worker", email="sam@example.org")
    assert sign_in(client, "sam@example.org").status_code == 302
    assert client.get("/account/tokens").status_code == 403


def test_the_admin_pages_speak_spanish(admin, db) -> None:
    es = {"Accept-Language": "es"}
    assert "Añadir un usuario" in admin.get("/admin/users", headers=es).get_data(as_text=True)
    assert "Tokens de API" in admin.get("/admin/tokens", headers=es).get_data(as_text=True)
    assert "Añadir un equipo" in admin.get("/admin/teams", headers=es).get_data(as_text=True)
