"""Catalog pages: a service page and an organization page (the home page is a search page)."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

import hours
import phrases
from catalog import capacity, facts, queries, reports, rules, verification
from catalog.models import Service
from kernel.authz import CATALOG, admits
from kernel.db import get_session
from kernel.errors import Problem
from kernel.i18n import current_language
from kernel.identity import current_identity

bp = Blueprint("resources", __name__)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        abort(404, _("No record has that id."))


def _moment(tz: str) -> dt.datetime | None:
    """``?at=2026-11-26T12:00``: show the hours as they are then (no offset: the deployment's
    zone), as the search and match APIs' ``at`` do."""
    value = (request.args.get("at") or "").strip()
    if not value:
        return None
    try:
        return hours.moment(value, tz)
    except ValueError:
        abort(
            400,
            _("at must be a date and time such as 2026-05-01T23:30, not %(value)s.", value=repr(value[:40])),
        )


@bp.get("/services/<service_id>")
@admits(CATALOG)
def service(service_id: str) -> Any:
    svc = queries.service_page(get_session(), _uuid(service_id))
    if svc is None:
        abort(404, _("No service has that id."))
    now, cfg = _now(), current_app.config
    at = _moment(cfg["TIMEZONE"]) or now
    session = get_session()
    today = now.astimezone(ZoneInfo(cfg["TIMEZONE"])).date()
    by = verification.verified_by(session, [svc]).get(svc.id)
    page = render_template(
        "resources/service.html",
        service=svc,
        now=now,
        verified=phrases.verified(svc.assured_date, by, today),
        can_verify=verification.may_verify(current_identity(), svc),
        open=facts.open_now(svc, at, cfg["TIMEZONE"]),
        hours=facts.weekly_hours(svc),
        holidays=facts.holiday_hours(svc),
        ages=facts.ages(svc),
        eligibility=facts.eligibility(svc),
        types=facts.service_types(svc),
        capacities=facts.capacities(
            svc,
            now,
            rules.MaxAges.from_config(cfg),
            capacity.held_counts(get_session(), [c.id for c in svc.capacities], now),
        ),
        places=facts.places(svc),
        languages=(codes := facts.languages(svc)),
        language_names=[phrases.language(c) for c in codes],
        report=reports.Report(kind=""),
        kinds=reports.KIND_LABELS,
        reported=bool(request.args.get("reported")),
    )
    # The report form's CSRF token belongs to this visitor's session: no shared cache keeps it.
    return page, 200, {"Cache-Control": "private"}


@bp.get("/organizations/<organization_id>")
@admits(CATALOG)
def organization(organization_id: str) -> Any:
    org = queries.organization_page(get_session(), _uuid(organization_id))
    if org is None:
        abort(404, _("No organization has that id."))
    now, tz = _now(), current_app.config["TIMEZONE"]
    services = [
        {"service": s, "open": facts.open_now(s, now, tz), "address": facts.first_address(s)}
        for s in sorted(org.services, key=lambda s: s.name)
    ]
    return render_template("resources/organization.html", organization=org, services=services)


# ------------------------------------------------------------------ reporting a problem


def _report_page(svc: Any, report: reports.Report, status: int = 200, **extra: Any) -> Any:
    page = render_template(
        "resources/report.html", service=svc, report=report, kinds=reports.KIND_LABELS, **extra
    )
    return page, status


@bp.get("/services/<service_id>/report")
@admits(CATALOG)
def report_form(service_id: str) -> Any:
    svc = get_session().get(Service, _uuid(service_id))
    if svc is None:
        abort(404, _("No service has that id."))
    return _report_page(svc, reports.Report(kind=request.args.get("kind", "")))


@bp.post("/services/<service_id>/report")
@admits(CATALOG)
def report(service_id: str) -> Any:
    """Anyone may say a record is wrong; refused (a field, or too many reports) the page comes
    back with what was typed."""
    current_app.extensions["csrf"].protect()
    session, sid = get_session(), _uuid(service_id)
    svc = session.get(Service, sid)
    if svc is None:
        abort(404, _("No service has that id."))
    typed = reports.Report(
        kind=request.form.get("kind", ""),
        text=request.form.get("text", "")[: reports.MAX_TEXT * 2],
        email=request.form.get("email", "")[:300],
    )
    now = _now()
    try:
        reports.submit(
            session,
            sid,
            typed,
            language=current_language(),
            address_digest=reports.digest(current_app.config["SECRET_KEY"], request.remote_addr),
            now=now,
        )
    except reports.Throttled as exc:
        wait = max(1, math.ceil((exc.retry_at - now).total_seconds()))
        local = exc.retry_at.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
        page, status = _report_page(
            svc, typed, 429, throttled=local.strftime("%H:%M"), minutes=max(1, math.ceil(wait / 60))
        )
        return page, status, {"Retry-After": str(wait)}
    except Problem as exc:
        if exc.status != 400:
            raise
        return _report_page(svc, typed, 400, error=exc.detail, error_field=exc.param)
    return redirect(url_for("resources.service", service_id=sid, reported=1) + "#report", code=303)
