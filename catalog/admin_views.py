"""Keeping the catalog true: the one-step confirmation that a record is current and the queue
of records nobody confirmed for a while (/admin/verification).

Thin views over `catalog.verification`; who may act is declared on the route and checked
again per record there (a provider acts only for their own organizations).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

import phrases
from catalog import verification
from kernel.authz import admits
from kernel.db import get_session
from kernel.identity import current_identity

bp = Blueprint("catalog_admin", __name__)


def protect() -> None:
    """The form's CSRF token (Flask-WTF, set up by accounts), a 400 without a valid one."""
    current_app.extensions["csrf"].protect()


def today() -> dt.date:
    """The date where the deployment is: a confirmation made at 23:00 is that day's."""
    return dt.datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def local_path(target: str | None, fallback: str) -> str:
    """Only a path on this site is followed after a form (no open redirect)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return fallback
    return target


def record_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        abort(404, _("No record has that id."))


@bp.post("/services/<service_id>/verify")
@admits("provider", "admin")
def verify(service_id: str) -> Any:
    protect()
    sid = record_id(service_id)
    verification.confirm(get_session(), sid, current_identity(), today())
    back = local_path(request.form.get("next"), url_for("resources.service", service_id=sid))
    return redirect(back, code=303)


@bp.get("/admin/verification")
@admits("provider", "coordinator", "admin")
def verification_queue() -> Any:
    who = current_identity()
    day, days = today(), current_app.config["VERIFICATION_DAYS"]
    try:
        page = int(request.args.get("page") or 1)
    except ValueError:
        page = 1
    session = get_session()
    found = verification.queue(session, who, day, days, page)
    roles = verification.verified_by(session, found.services)
    rows = [
        {
            "service": s,
            "verified": phrases.verified(s.assured_date, roles.get(s.id), day),
            "can_confirm": verification.may_verify(who, s),
        }
        for s in found.services
    ]
    here = request.full_path.rstrip("?")
    return render_template("catalog/verification.html", queue=found, rows=rows, days=int(days), here=here)


# Each queue and the roles that see it, for the navigation of these pages and the header.
QUEUES = (("catalog_admin.verification_queue", ("provider", "coordinator", "admin")),)


@bp.app_context_processor
def _queues() -> dict[str, Any]:
    def upkeep_links() -> list[tuple[str, str]]:
        role = current_identity().role
        labels = {"catalog_admin.verification_queue": _("Records to verify")}
        return [(endpoint, labels[endpoint]) for endpoint, roles in QUEUES if role in roles]

    return {"upkeep_links": upkeep_links}
