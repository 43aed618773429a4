"""Keeping the catalog true: the one-step confirmation that a record is current and the queue
of records nobody confirmed for a while (/admin/verification); the problem reports people
sent, accepted with corrected values or rejected with a note (/admin/reports); a record's
history field by field, with a revert per change (/admin/history/...).

Thin views over `catalog.verification`, `catalog.reports` and `catalog.history`; who may act
is declared on the route and checked again per record there (a provider acts only for their
own organizations).
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
from catalog import history, reports, verification
from kernel.authz import admits
from kernel.db import get_session, utcnow
from kernel.errors import Problem
from kernel.identity import current_identity

bp = Blueprint("catalog_admin", __name__)
# The statuses a report queue can show, by the `status` of its address.
SHOWN = {s.value: s for s in reports.Status}


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


# ------------------------------------------------------------------ problem reports


def _mail_on() -> bool:
    """Whether an answer can go out at all (SMTP configured); the outbox keeps it otherwise."""
    return bool(current_app.config.get("SMTP_HOST"))


@bp.get("/admin/reports")
@admits("provider", "admin")
def report_queue() -> Any:
    status = SHOWN.get(request.args.get("status") or "open", reports.Status.open)
    found = reports.queue(get_session(), current_identity(), status)
    return render_template(
        "catalog/reports.html", requests=found, status=status.value, labels=reports.KIND_LABELS
    )


def _decision_page(request_id: uuid.UUID, status: int = 200, **extra: Any) -> Any:
    session, who = get_session(), current_identity()
    found = reports.for_decision(session, request_id, who)
    fields = sorted(reports.fields(session, found.service_id), key=lambda f: f.group != found.kind)
    typed = extra.pop("typed", {})
    page = render_template(
        "catalog/report.html",
        change=found,
        fields=fields,
        typed=typed,
        labels=reports.KIND_LABELS,
        statuses=reports.SERVICE_STATUS_LABELS,
        decisions=reports.STATUS_LABELS,
        mail_on=_mail_on(),
        **extra,
    )
    return page, status


@bp.get("/admin/reports/<request_id>")
@admits("provider", "admin")
def report(request_id: str) -> Any:
    return _decision_page(record_id(request_id))


@bp.post("/admin/reports/<request_id>/accept")
@admits("provider", "admin")
def report_accept(request_id: str) -> Any:
    protect()
    rid = record_id(request_id)
    typed = {k[len("value:") :]: v for k, v in request.form.items() if k.startswith("value:")}
    note = request.form.get("note", "")
    try:
        reports.accept(
            get_session(), rid, current_identity(), typed, note=note, mail=_mail_on(), now=utcnow()
        )
    except Problem as exc:
        if exc.status != 400:
            raise
        return _decision_page(rid, 400, typed=typed, note=note, error=exc.detail, error_field=exc.param)
    return redirect(url_for("catalog_admin.report_queue"), code=303)


@bp.post("/admin/reports/<request_id>/reject")
@admits("provider", "admin")
def report_reject(request_id: str) -> Any:
    protect()
    rid = record_id(request_id)
    note = request.form.get("note", "")
    try:
        reports.reject(get_session(), rid, current_identity(), note, mail=_mail_on(), now=utcnow())
    except Problem as exc:
        if exc.status != 400:
            raise
        return _decision_page(rid, 400, reject_note=note, reject_error=exc.detail)
    return redirect(url_for("catalog_admin.report_queue"), code=303)


# ------------------------------------------------------------------ history and revert


@bp.get("/admin/history/<record_type>/<record_id_>")
@admits("admin")
def record_history(record_type: str, record_id_: str) -> Any:
    record, rows = history.entries(get_session(), record_type, record_id(record_id_))
    here = request.full_path.rstrip("?")
    return render_template(
        "catalog/history.html", record=record, record_type=record_type, rows=rows, here=here
    )


@bp.post("/admin/history/revert/<change_id>")
@admits("admin")
def history_revert(change_id: str) -> Any:
    protect()
    who = current_identity()
    change = history.revert(get_session(), record_id(change_id), f"{who.email} (revert)")
    fallback = url_for(
        "catalog_admin.record_history", record_type=change.resource_type, record_id_=change.resource_id
    )
    return redirect(local_path(request.form.get("next"), fallback), code=303)


# Each queue and the roles that see it, for the navigation of these pages and the header.
QUEUES = (
    ("catalog_admin.verification_queue", ("provider", "coordinator", "admin")),
    ("catalog_admin.report_queue", ("provider", "admin")),
)


@bp.app_context_processor
def _queues() -> dict[str, Any]:
    def upkeep_links() -> list[tuple[str, str]]:
        role = current_identity().role
        labels = {
            "catalog_admin.verification_queue": _("Records to verify"),
            "catalog_admin.report_queue": _("Problem reports"),
        }
        return [(endpoint, labels[endpoint]) for endpoint, roles in QUEUES if role in roles]

    return {"upkeep_links": upkeep_links}
