"""Sign-in pages (/login, /login/code, /logout, /account/password, /account/second-factor) and
the admins' audit log (/admin/audit).

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
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFProtect

from accounts import audit, services, signin, totp
from accounts.audit import Actor
from accounts.forms import CodeForm, LoginForm, PasswordForm
from accounts.models import User, new_stamp
from kernel.authz import ANYONE, SIGNED_IN, admits
from kernel.db import get_session, utcnow
from kernel.errors import Problem, wants_json
from kernel.identity import current_identity, set_identity

bp = Blueprint("accounts", __name__)
csrf = CSRFProtect()

# What a person reads, in one place (a later change makes them translatable).
WRONG = _l("The e-mail address or password is not right, or the account is disabled.")
MISSING = _l("Enter your e-mail address and your password.")
WRONG_CODE = _l("That code is not right, or it was used already. Type the code the app shows now.")
NO_CODE = _l("Type the six digits your authenticator app shows, or one of your recovery codes.")
SET_UP_FIRST = _l("Your role requires a second factor: set it up before anything else.")
# What a signed-in person whose role requires a second factor they have not set up may open.
UNTIL_ENROLLED = frozenset({"accounts.second_factor", "accounts.logout", "i18n.switch", "static"})
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
def _load_identity() -> Any:
    if request.endpoint == "static":
        return
    idle, longest = _limits()
    user = signin.current_user(get_session, utcnow(), idle, longest)
    g.account_user = user
    set_identity(signin.identity(user))
    if user is not None and request.endpoint not in UNTIL_ENROLLED and _must_enrol(user):
        if wants_json():
            raise Problem(403, str(SET_UP_FIRST))
        return redirect(url_for("accounts.second_factor"))
    return None


def _mfa_roles() -> tuple[str, ...]:
    return tuple(current_app.config["MFA_ROLES"])


def _must_enrol(user: User) -> bool:
    session = get_session()
    return totp.is_required(session, user, _mfa_roles()) and not totp.enabled(session, user)


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
@admits(ANYONE)
def login() -> Any:
    form = LoginForm()
    next_url = _local(request.values.get("next"))
    error = None
    if request.method == "POST":
        csrf.protect()
        if not form.validate():
            error = MISSING
        else:
            session = get_session()
            try:
                user = services.check_password(
                    session, form.email.data or "", form.password.data or "", request.remote_addr
                )
            except services.Throttled as exc:
                return _throttled(exc.retry_at)
            if user is not None:
                return _after_password(user, next_url)
            error = WRONG
    return render_template("accounts/login.html", form=form, error=error, next=next_url)


def _after_password(user: User, next_url: str | None) -> Any:
    """A second step when the user has a second factor; enrolment first when their role
    requires one they have not set up; otherwise signed in."""
    session, now = get_session(), utcnow()
    if totp.enabled(session, user):
        signin.await_code(user, now, next_url)
        return redirect(url_for("accounts.login_code"))
    must = totp.is_required(session, user, _mfa_roles())
    detail = "second factor to be set up" if must else None
    services.complete_sign_in(session, user, request.remote_addr, now, detail=detail)
    signin.begin(user, now)
    if must:
        return redirect(url_for("accounts.second_factor", next=next_url))
    return redirect(next_url or _home())


@bp.route("/login/code", methods=["GET", "POST"])
@admits(ANYONE)
def login_code() -> Any:
    """The second step of signing in; open to anyone, but only a session whose password was
    right a moment ago has a code to give (others are sent to sign in)."""
    if g.get("account_user") is not None:
        return redirect(_home())
    now = utcnow()
    user = signin.awaiting(get_session, now)
    if user is None:
        return redirect(url_for("accounts.login"))
    form = CodeForm()
    error = None
    if request.method == "POST":
        csrf.protect()
        if not form.validate():
            error = NO_CODE
        else:
            try:
                ok = services.second_factor_sign_in(
                    get_session(), user, form.code.data or "", request.remote_addr
                )
            except services.Throttled as exc:
                return _throttled(exc.retry_at)
            if ok:
                next_url = signin.awaited_next()
                signin.begin(user, now)
                return redirect(next_url or _home())
            error = WRONG_CODE
    return render_template("accounts/login_code.html", form=form, error=error)


@bp.post("/logout")
@admits(ANYONE)
def logout() -> Any:
    csrf.protect()
    user: User | None = g.get("account_user")
    if user is not None:
        services.record_logout(get_session(), _actor(user))
    signin.end()
    return redirect(_home())


@bp.route("/account/password", methods=["GET", "POST"])
@admits(SIGNED_IN)
def password() -> Any:
    user: User = g.account_user
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


# ------------------------------------------------------------------ one's second factor


@bp.route("/account/second-factor", methods=["GET", "POST"])
@admits(SIGNED_IN)
def second_factor() -> Any:
    """Set up the authenticator app (a QR code drawn here, the secret as text, a first code to
    confirm, then the recovery codes once), or, when it is on, its state and turning it off."""
    user: User = g.account_user
    session = get_session()
    required = totp.is_required(session, user, _mfa_roles())
    next_url = _local(request.values.get("next"))
    form = CodeForm()
    error = None
    if totp.enabled(session, user):
        return _second_factor_on(user, required, form, None)
    if request.method == "POST":
        csrf.protect()
        if not form.validate():
            error = NO_CODE
        else:
            try:
                codes = totp.confirm(session, user, form.code.data or "", _actor(user))
            except Problem as exc:
                error = exc.detail
            else:
                user.session_stamp = new_stamp()  # sessions without it end
                signin.restamp(user)
                page = render_template("accounts/recovery_codes.html", codes=codes, next=next_url or _home())
                return page, 200, {"Cache-Control": "no-store"}
    enrolment = totp.pending(session, user)
    page = render_template(
        "accounts/second_factor.html",
        enrolment=enrolment,
        form=form,
        error=error,
        required=required,
        next=next_url,
    )
    return page, 400 if error else 200, {"Cache-Control": "no-store"}


def _second_factor_on(user: User, required: bool, form: CodeForm, error: Any, status: int = 200) -> Any:
    left = totp.recovery_left(get_session(), user)
    page = render_template(
        "accounts/second_factor_on.html", form=form, error=error, required=required, left=left
    )
    return page, status


@bp.post("/account/second-factor/off")
@admits(SIGNED_IN)
def second_factor_off() -> Any:
    csrf.protect()
    user: User = g.account_user
    session = get_session()
    form = CodeForm()
    required = totp.is_required(session, user, _mfa_roles())
    if not totp.enabled(session, user):
        return redirect(url_for("accounts.second_factor"))
    if not form.validate():
        return _second_factor_on(user, required, form, NO_CODE, 400)
    try:
        services.disable_second_factor(session, user, form.code.data or "", _actor(user), _mfa_roles())
    except Problem as exc:
        return _second_factor_on(user, required, form, exc.detail, exc.status)
    return redirect(url_for("accounts.second_factor"))


# ------------------------------------------------------------------ the audit log (admins)


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


@bp.get("/admin/audit")
@admits("admin", scope="audit:read")
def audit_log() -> Any:
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
        return page, 400
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
    return page


@bp.get("/admin/audit.csv")
@admits("admin", scope="audit:read")
def audit_csv() -> Any:
    user: User = g.account_user
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
    return resp
