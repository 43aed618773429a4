"""The capacity API: `GET` and `PUT /api/v1/services/{id}/capacity`, for providers' systems.

Thin views: `catalog.services` checks and writes (all or nothing, through the change log);
the edge commits, or rolls back whatever a refused request wrote. Reading is open like the
catalog; writing takes a `capacity:write` token (or a signed-in session) of a provider bound
to the service's organization, or of an administrator.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, current_app, json, request

from catalog import rules, services
from catalog.openapi_spec import PATHS, SCHEMAS
from kernel.authz import CATALOG, admits
from kernel.db import begin_write, get_session, utcnow
from kernel.errors import Problem
from kernel.identity import current_identity
from kernel.openapi import register_paths
from wording import _

bp = Blueprint("capacity_api", __name__)

MAX_FIGURES = 1000


def _service_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise Problem(404, _("No service has that id."), param="service_id") from None


def _body() -> Any:
    """The request's JSON, or a 422 saying what is wrong with it (never a traceback)."""
    if not request.is_json:
        raise services.invalid("body", _("Send JSON, with Content-Type: application/json."))
    try:
        return json.loads(request.get_data(as_text=True))
    except ValueError:
        raise services.invalid("body", _("The body is not valid JSON.")) from None


def _num(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def shape(service_id: uuid.UUID, figures: list[services.StoredFigure]) -> dict[str, Any]:
    return {
        "service_id": str(service_id),
        "figures": [
            {
                "id": str(f.capacity_id),
                "unit": f.unit,
                "available": _num(f.available),
                "maximum": _num(f.maximum),
                "held": _num(f.held),
                "free": _num(f.free),
                "updated": f.updated.isoformat(),
                "age": f.age_seconds,
                "stale": f.stale,
            }
            for f in figures
        ],
    }


def _ages() -> rules.MaxAges:
    return rules.MaxAges.from_config(current_app.config)


def _answer(body: Any) -> Response:
    return current_app.response_class(json.dumps(body), status=200, mimetype="application/json")


@bp.get("/api/v1/services/<service_id>/capacity")
@admits(CATALOG)
def figures(service_id: str) -> Any:
    sid = _service_id(service_id)
    found = services.figures_of(get_session(), sid, utcnow(), _ages())
    if found is None:
        raise Problem(404, _("No service has that id."), param="service_id")
    return _answer(shape(sid, found))


@bp.put("/api/v1/services/<service_id>/capacity")
@admits("provider", "admin", scope="capacity:write")
def put_figures(service_id: str) -> Any:
    sid = _service_id(service_id)
    session, who = get_session(), current_identity()
    begin_write(session)
    # Whose service it is comes first: another organization's service is a 403 whatever the body.
    for refusal in services.refusals(session, who, sid, []):
        raise refusal.problem
    body = _body()
    if isinstance(body, list) and len(body) > MAX_FIGURES:
        raise services.invalid("body", _("Send at most %(n)d figures at once.", n=MAX_FIGURES))
    figures = services.parse_figures(body)
    stored = services.set_figures(session, who, sid, figures, utcnow(), channel="api", max_ages=_ages())
    return _answer(shape(sid, stored))


register_paths(PATHS, SCHEMAS)
