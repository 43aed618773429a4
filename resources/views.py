"""Catalog pages: the home page with a simple search, a service page, an organization page."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, render_template, request

from app.db import get_session
from resources import queries

bp = Blueprint("resources", __name__)


@bp.get("/")
def home() -> Any:
    q = (request.args.get("q") or "").strip()
    results = queries.simple_search(get_session(), q) if q else []
    return render_template("resources/home.html", q=q, results=results)


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        abort(404)


@bp.get("/services/<service_id>")
def service(service_id: str) -> Any:
    svc = queries.service_page(get_session(), _uuid(service_id))
    if svc is None:
        abort(404, "No service has that id.")
    return render_template("resources/service.html", service=svc)


@bp.get("/organizations/<organization_id>")
def organization(organization_id: str) -> Any:
    org = queries.organization_page(get_session(), _uuid(organization_id))
    if org is None:
        abort(404, "No organization has that id.")
    return render_template("resources/organization.html", organization=org)
