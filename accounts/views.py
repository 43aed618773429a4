"""Sign-in pages (/login, /logout, /account/password) and the admins' audit log (/admin/audit).

The blueprint also carries what every request needs from accounts: on registration it sets
up CSRF tokens (Flask-WTF) and, before each request, reads the session into
`kernel.identity` (see `signin`). Forms are checked for their CSRF token explicitly
(`csrf.protect()`, a 400 without a valid one) so the JSON API, which will take bearer
tokens, is not asked for one.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_wtf.csrf import CSRFProtect

from accounts import audit, services, signin
from accounts.audit import Actor
from accounts.forms import LoginForm, PasswordForm
from accounts.models import Role, User
from kernel.db import get_session, utcnow
from kernel.errors import Problem
from kernel.identity import current_identity, set_identity

bp = Blueprint("accounts", __name__)
csrf = CSRFProtect()

# What a person reads, in one place (a later change makes them translatable).
WRONG = "The e-mail address or password is not right, or the account is disabled."
MISSING = "Enter your e-mail address and your password."
ADMINS_ONLY = "Only an administrator may see the audit log."
PER_PAGE = 100


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    app = state.app
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked per form, see above
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # a token lives as long as its session
    csrf.init_app(app)


def _limits() -> tuple[dt.timedelta, dt.timedelta]:
    cfg = current_app.config
    return dt.timedelta(hours=cfg["SESSION_IDLE_HOURS"]), dt.timedelta(hours=cfg["SESSION_MAX_HOURS"])


@bp.before_app_request
def _load_identity() -> None:
    if request.endpoint == "static":
        return
    idle, longest = _limits()
    user = signin.current_user(get_session, utcnow(), idle, longest)
    g.account_user = user
    set_identity(signin.identity(user))


@bp.app_context_processor
def _identity_for_templates() -> dict[str, Any]:
    return {"current_identity": current_identity()}


def _actor(user: User) -> Actor:
    return Actor(user.email, user.id, request.remote_addr)


def _local(target: str | None) -> str | None:
    """Only a path on this site is followed after signing in (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    return target


def _home() -> str:
    return request.script_root + "/"


def _throttled(retry_at: dt.datetime) -> Any:
    now = utcnow()
    minutes = max(1, math.ceil((retry_at - now).total_seconds() / 60))
    local = retry_at.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    page = render_template("accounts/throttled.html", at=local.strftime("%H:%M"), minutes=minutes)
    seconds = max(1, math.ceil((retry_at - now).total_seconds()))
    return page, 429, {"Retry-After": str(seconds)}


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    next_url = _local(request.values.get("next"))
    error = None
    if request.method == "POST":
        csrf.protect()
        if not form.validate():
            error = MISSING
        else:
            try:
                user = services.sign_in(
                    get_session(), form.email.data or "", form.password.data or "", request.remote_addr
                )
            except services.Throttled as exc:
                return _throttled(exc.retry_at)
            if user is not None:
                signin.begin(user, utcnow())
                return redirect(next_url or _home())
            error = WRONG
    return render_template("accounts/login.html", form=form, error=error, next=next_url)


@bp.post("/logout")
def logout() -> Any:
    csrf.protect()
    user: User | None = g.get("account_user")
    if user is not None:
        services.record_logout(get_session(), _actor(user))
    signin.end()
    return redirect(_home())


@bp.route("/account/password", methods=["GET", "POST"])
def password() -> Any:
    user: User | None = g.get("account_user")
    if user is None:
        return redirect(url_for("accounts.login", next=request.path))
    form = PasswordForm()
    error = None
    if request.method == "POST":
        csrf.protect()
        if not form.validate():
            error = next(iter(e for errs in form.errors.values() for e in errs), MISSING)
        else:
            try:
                services.change_password(
                    get_session(),
                    user,
                    form.current_password.data or "",
                    form.new_password.data or "",
                    _actor(user),
                )
            except Problem as exc:
                error = exc.detail
            else:
                signin.restamp(user)
                return render_template("accounts/password_changed.html")
    return render_template("accounts/password.html", form=form, error=error)


# ------------------------------------------------------------------ the audit log (admins)


def _admin() -> User | Any:
    """The signed-in admin; a redirect to sign in for the anonymous, a 403 for other roles.

    Until routes declare whom they admit in one place, this is that declaration here."""
    user: User | None = g.get("account_user")
    if user is None:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if user.role is not Role.admin:
        raise Problem(403, ADMINS_ONLY)
    return user


def _filters() -> tuple[audit.Filters, str | None]:
    """The filters of the query string, and a sentence naming the field that is wrong."""
    args = request.args
    bounds: dict[str, dt.datetime | None] = {}
    for name in ("since", "until"):
        value = (args.get(name) or "").strip()
        try:
            bounds[name] = audit.parse_bound(value, end=name == "until") if value else None
        except ValueError:
            return audit.Filters(), f"{name}: {value!r} is not a date such as 2026-12-01."
    action = (args.get("action") or "").strip() or None
    if action and action not in audit.ACTIONS:
        return audit.Filters(), f"action: {action!r} is not an action of the log."
    actor = (args.get("actor") or "").strip()[:254] or None
    return audit.Filters(since=bounds["since"], until=bounds["until"], action=action, actor=actor), None


def _no_store(response: Any) -> Any:
    resp = current_app.make_response(response)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/admin/audit")
def audit_log() -> Any:
    user = _admin()
    if not isinstance(user, User):
        return user
    filters, error = _filters()
    try:
        number = max(1, int(request.args.get("page", "1")))
    except ValueError:
        number, error = 1, "page: must be a whole number."
    kept = {k: v for k, v in request.args.items() if k in ("since", "until", "action", "actor") and v}
    if error:
        page = render_template(
            "accounts/audit.html", rows=[], total=0, error=error, args=kept, number=1, pages=1
        )
        return _no_store((page, 400))
    rows, total = audit.page(get_session(), filters, number, PER_PAGE)
    pages = max(1, math.ceil(total / PER_PAGE))
    page = render_template(
        "accounts/audit.html",
        rows=rows,
        total=total,
        error=None,
        args=kept,
        number=number,
        pages=pages,
        actions=audit.ACTIONS,
    )
    return _no_store(page)


@bp.get("/admin/audit.csv")
def audit_csv() -> Any:
    user = _admin()
    if not isinstance(user, User):
        return user
    filters, error = _filters()
    if error:
        raise Problem(400, error)
    session = get_session()
    out = io.StringIO()
    count = audit.write_csv(audit.events(session, filters), out)
    detail = f"{count} events; {filters.describe()}"
    audit.record(session, _actor(user), "audit_export", record_type="audit_event", detail=detail)
    resp = Response(out.getvalue(), mimetype="text/csv")
    resp.headers["Content-Disposition"] = "attachment; filename=linkage-audit.csv"
    return _no_store(resp)
