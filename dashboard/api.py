"""The dashboard's figures as JSON: /api/v1/metrics/referrals?from=&to= (the same figures as
the page, from `dashboard.referrals`). A coordinator's token (or session) answers for their
team, an administrator's for every team; a token needs `metrics:read` or `referrals:read`.
Dates are ISO 8601; one that cannot be used is a 422 problem naming `from` or `to`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, json, request

from dashboard import period as periods
from dashboard.openapi_spec import PATHS, SCHEMAS
from dashboard.referrals import Scope, outcomes
from hsds import params
from kernel.authz import admits
from kernel.db import get_session, utcnow
from kernel.errors import Problem
from kernel.identity import current_identity
from kernel.openapi import register_paths

bp = Blueprint("dashboard_api", __name__)

WHO = ("coordinator", "admin")
SCOPES = ("metrics:read", "referrals:read")


def period_param() -> periods.Period:
    """The period of the query string, or a 422 problem naming the parameter at fault."""
    try:
        return periods.parse(request.args, utcnow().date())
    except periods.PeriodError as exc:
        raise Problem(422, exc.message, title="Invalid parameter", param=exc.param) from None


def scope() -> Scope:
    who = current_identity()
    return Scope.of(who.role, who.team_id)


def answer(body: Any) -> Any:
    return current_app.response_class(json.dumps(body), mimetype="application/json")


@bp.get("/api/v1/metrics/referrals")
@admits(*WHO, scope=SCOPES)
def referrals() -> Any:
    params.only(request.args, ("from", "to"))
    found = outcomes(get_session(), period_param(), scope())
    return answer(found.as_json())


register_paths(PATHS, SCHEMAS)
