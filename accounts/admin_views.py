"""The admins' pages for users, teams and API tokens (/admin/...), and a provider's own tokens
(/account/tokens).

Thin views over the same service functions the CLI calls (`services`, `tokens`), which hold
the rules and write the audit rows; a refused value comes back as a `Problem` naming its
field, shown next to that field with what was typed kept. A secret (a generated password, a
new token) is rendered once in the answer to the POST that made it and never stored.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectChoice

from accounts import queries, services, tokens, totp
from accounts.audit import Actor
from accounts.forms import (
    AddUserForm,
    OwnTokenForm,
    RequireForm,
    RoleForm,
    TeamForm,
    TokenForm,
    org_ids,
)
from accounts.models import SCOPES, Role, User
from accounts.views import csrf
from kernel.authz import admits
from kernel.db import get_session, utcnow
from kernel.errors import Problem

bp = Blueprint("accounts_admin", __name__)

# The service's name for a value -> the form's field that holds it.
_FIELDS = {"org": "organizations", "scope": "scopes", "password": "password"}
FIX = _l("Correct the field marked below.")


def _actor() -> Actor:
    user: User = g.account_user
    return Actor(user.email, user.id, request.remote_addr)


def _attach(form: FlaskForm, exc: Problem) -> Any:
    """Put the service's sentence on the field it names; the page's summary for the top."""
    name = _FIELDS.get(exc.param or "", exc.param or "")
    field: Field | None = form._fields.get(name)
    if field is None:
        return exc.detail
    field.errors = [*field.errors, exc.detail]
    return FIX


def _form_error(form: FlaskForm) -> Any:
    return FIX if form.errors else None


def _expiry(day: dt.date | None) -> dt.datetime | None:
    """A date typed in the form: the token stops working at the start of that day (UTC), as
    `linkage token create --expires DATE` does."""
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) if day else None


def _team_choices(form: AddUserForm | RoleForm) -> None:
    form.team.choices = [SelectChoice("", _("The default team (for team roles) or none"))] + [
        SelectChoice(t.name) for t in queries.teams(get_session())
    ]


def _secret_page(**context: Any) -> Any:
    """A page that shows a secret once: never kept by a cache or the browser's history."""
    return render_template("accounts/admin/secret.html", **context), 200, {"Cache-Control": "no-store"}


# ------------------------------------------------------------------ users


def _user_list(form: AddUserForm, error: str | None, status: int = 200) -> Any:
    session = get_session()
    role_arg = request.args.get("role") or ""
    team_arg = request.args.get("team") or ""
    role = Role(role_arg) if role_arg in {r.value for r in Role} else None
    team_id = None
    try:
        team_id = uuid.UUID(team_arg) if team_arg else None
    except ValueError:
        team_id = None
    page = render_template(
        "accounts/admin/users.html",
        users=queries.users(session, role=role, team_id=team_id),
        teams=queries.teams(session),
        roles=[r.value for r in Role],
        last=queries.last_sign_ins(session),
        chosen={"role": role.value if role else "", "team": str(team_id) if team_id else ""},
        form=form,
        error=error,
    )
    return page, status


@bp.get("/admin/users")
@admits("admin")
def users() -> Any:
    form = AddUserForm()
    _team_choices(form)
    return _user_list(form, None)


@bp.post("/admin/users")
@admits("admin")
def user_add() -> Any:
    csrf.protect()
    form = AddUserForm()
    _team_choices(form)
    if not form.validate():
        return _user_list(form, _form_error(form), 400)
    try:
        made = services.create_user(
            get_session(),
            form.email.data or "",
            form.role.data or "",
            _actor(),
            organizations=org_ids(form.organizations.data),
            team=form.team.data or None,
            password=form.password.data or None,
        )
    except Problem as exc:
        return _user_list(form, _attach(form, exc), exc.status)
    if made.password is None:
        return redirect(url_for("accounts_admin.user", user_id=made.user.id))
    return _secret_page(
        title=_("Account created"),
        lead=_("The account %(email)s was created with this password:", email=made.user.email),
        secret=made.password,
        label=_("Password"),
        back=url_for("accounts_admin.user", user_id=made.user.id),
    )


def _user_or_404(user_id: uuid.UUID) -> User:
    user = queries.user_by_id(get_session(), user_id)
    if user is None:
        raise Problem(404, _("There is no such account."))
    return user


def _user_page(user: User, form: RoleForm | None = None, error: str | None = None, status: int = 200) -> Any:
    if form is None:
        form = RoleForm(
            formdata=None,
            role=user.role.value,
            team=user.team.name if user.team else "",
            organizations=" ".join(str(o.id) for o in user.organizations),
        )
    _team_choices(form)
    page = render_template(
        "accounts/admin/user.html",
        user=user,
        form=form,
        error=error,
        tokens=tokens.listing(get_session(), user.email),
        now=utcnow(),
        last=queries.last_sign_ins(get_session()).get(user.email),
        second_factor=totp.enabled(get_session(), user),
    )
    return page, status


@bp.get("/admin/users/<uuid:user_id>")
@admits("admin")
def user(user_id: uuid.UUID) -> Any:
    return _user_page(_user_or_404(user_id))


@bp.post("/admin/users/<uuid:user_id>/role")
@admits("admin")
def user_role(user_id: uuid.UUID) -> Any:
    csrf.protect()
    account = _user_or_404(user_id)
    form = RoleForm()
    _team_choices(form)
    if not form.validate():
        return _user_page(account, form, _form_error(form), 400)
    try:
        services.set_role(
            get_session(),
            account.email,
            form.role.data or "",
            _actor(),
            organizations=org_ids(form.organizations.data),
            team=form.team.data or None,
        )
    except Problem as exc:
        get_session().rollback()  # nothing of a refused change stays
        return _user_page(_user_or_404(user_id), form, _attach(form, exc), exc.status)
    return redirect(url_for("accounts_admin.user", user_id=user_id))


@bp.post("/admin/users/<uuid:user_id>/active")
@admits("admin")
def user_active(user_id: uuid.UUID) -> Any:
    csrf.protect()
    account = _user_or_404(user_id)
    services.set_active(get_session(), account.email, request.form.get("active") == "1", _actor())
    return redirect(url_for("accounts_admin.user", user_id=user_id))


@bp.post("/admin/users/<uuid:user_id>/password")
@admits("admin")
def user_password(user_id: uuid.UUID) -> Any:
    csrf.protect()
    account = _user_or_404(user_id)
    password = services.reset_password(get_session(), account.email, _actor())
    return _secret_page(
        title=_("Password reset"),
        lead=_(
            "The new password of %(email)s (every session of the account has ended):", email=account.email
        ),
        secret=password,
        label=_("Password"),
        back=url_for("accounts_admin.user", user_id=user_id),
    )


@bp.post("/admin/users/<uuid:user_id>/second-factor/reset")
@admits("admin")
def user_second_factor_reset(user_id: uuid.UUID) -> Any:
    """For a lost phone, as `linkage user reset-2fa EMAIL`."""
    csrf.protect()
    account = _user_or_404(user_id)
    try:
        services.reset_second_factor(get_session(), account.email, _actor())
    except Problem as exc:
        return _user_page(account, None, exc.detail, exc.status)
    return redirect(url_for("accounts_admin.user", user_id=user_id))


# ------------------------------------------------------------------ the second factor per role


def _roles_page(form: RequireForm, status: int = 200) -> Any:
    rules = totp.role_rules(get_session(), tuple(current_app.config["MFA_ROLES"]))
    page = render_template(
        "accounts/admin/second_factor.html",
        rules=rules,
        form=form,
        configured=", ".join(current_app.config["MFA_ROLES"]),
        error=_form_error(form),
    )
    return page, status


@bp.get("/admin/second-factor")
@admits("admin")
def second_factor_roles() -> Any:
    return _roles_page(RequireForm())


@bp.post("/admin/second-factor")
@admits("admin")
def second_factor_require() -> Any:
    csrf.protect()
    form = RequireForm()
    if not form.validate():
        return _roles_page(form, 400)
    services.require_second_factor(get_session(), form.role.data or "", form.required.data == "1", _actor())
    return redirect(url_for("accounts_admin.second_factor_roles"))


# ------------------------------------------------------------------ teams


def _team_page(form: TeamForm, error: str | None = None, status: int = 200) -> Any:
    session = get_session()
    page = render_template(
        "accounts/admin/teams.html",
        teams=queries.teams(session),
        sizes=queries.team_sizes(session),
        form=form,
        error=error,
    )
    return page, status


@bp.get("/admin/teams")
@admits("admin")
def teams() -> Any:
    return _team_page(TeamForm())


@bp.post("/admin/teams")
@admits("admin")
def team_add() -> Any:
    csrf.protect()
    form = TeamForm()
    if not form.validate():
        return _team_page(form, _form_error(form), 400)
    try:
        services.add_team(get_session(), form.name.data or "", _actor())
    except Problem as exc:
        return _team_page(form, _attach(form, exc), exc.status)
    return redirect(url_for("accounts_admin.teams"))


# ------------------------------------------------------------------ tokens (admins: anyone's)


def _token_page(form: TokenForm, error: str | None = None, status: int = 200) -> Any:
    session = get_session()
    form.email.choices = [
        SelectChoice(u.email, f"{u.email} ({u.role.value})") for u in queries.users(session) if u.active
    ]
    page = render_template(
        "accounts/admin/tokens.html",
        tokens=tokens.listing(session),
        now=utcnow(),
        form=form,
        error=error,
        scopes=SCOPES,
    )
    return page, status


@bp.get("/admin/tokens")
@admits("admin")
def token_list() -> Any:
    form = TokenForm(formdata=None, email=request.args.get("email", ""))
    return _token_page(form)


@bp.post("/admin/tokens")
@admits("admin")
def token_create() -> Any:
    csrf.protect()
    form = TokenForm()
    if not form.validate():
        return _token_page(form, _form_error(form), 400)
    try:
        made = tokens.create(
            get_session(),
            form.email.data or "",
            form.scopes.data or [],
            _actor(),
            expires=_expiry(form.expires.data),
        )
    except Problem as exc:
        return _token_page(form, _attach(form, exc), exc.status)
    return _token_made(made, url_for("accounts_admin.token_list"))


def _token_made(made: tokens.NewToken, back: str) -> Any:
    t = made.token
    if t.expires:
        lead = _(
            "A token for %(email)s with the scopes %(scopes)s, until %(when)s UTC:",
            email=t.user.email,
            scopes=t.scopes,
            when=t.expires.strftime("%Y-%m-%d %H:%M"),
        )
    else:
        lead = _("A token for %(email)s with the scopes %(scopes)s:", email=t.user.email, scopes=t.scopes)
    return _secret_page(
        title=_("Token created"),
        lead=lead,
        secret=made.secret,
        label=_("Token"),
        back=back,
    )


@bp.post("/admin/tokens/<token_id>/revoke")
@admits("admin")
def token_revoke(token_id: str) -> Any:
    csrf.protect()
    token = tokens.revoke(get_session(), token_id, _actor())
    if request.form.get("back") == "user":
        return redirect(url_for("accounts_admin.user", user_id=token.user_id))
    return redirect(url_for("accounts_admin.token_list"))


# ------------------------------------------------------------------ one's own tokens (providers)


def _own_page(form: OwnTokenForm, error: str | None = None, status: int = 200) -> Any:
    user: User = g.account_user
    page = render_template(
        "accounts/own_tokens.html",
        tokens=tokens.listing(get_session(), user.email),
        now=utcnow(),
        form=form,
        error=error,
        allowed=tokens.scopes_for(user),
    )
    return page, status


@bp.get("/account/tokens")
@admits("provider", "admin")
def own_tokens() -> Any:
    return _own_page(OwnTokenForm(formdata=None))


@bp.post("/account/tokens")
@admits("provider", "admin")
def own_token_create() -> Any:
    csrf.protect()
    form = OwnTokenForm()
    if not form.validate():
        return _own_page(form, _form_error(form), 400)
    try:
        made = tokens.create_own(
            get_session(),
            g.account_user,
            form.scopes.data or [],
            _actor(),
            expires=_expiry(form.expires.data),
        )
    except Problem as exc:
        return _own_page(form, _attach(form, exc), exc.status)
    return _token_made(made, url_for("accounts_admin.own_tokens"))


@bp.post("/account/tokens/<token_id>/revoke")
@admits("provider", "admin")
def own_token_revoke(token_id: str) -> Any:
    csrf.protect()
    tokens.revoke(get_session(), token_id, _actor(), owner=g.account_user)
    return redirect(url_for("accounts_admin.own_tokens"))
