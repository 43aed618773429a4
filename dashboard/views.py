"""The coordinator dashboard's pages: /dashboard (a period form, the figures, each chart with
its table), a CSV per breakdown (/dashboard/referrals.csv?part=by_month...) and a printable
one-page summary (/dashboard/summary).

Thin views: the period comes from a GET form (no JavaScript; the page keeps what was typed
and says what is wrong with a date beside it), the figures from `dashboard.referrals`,
their pictures and tables from `dashboard.present`. Coordinators see their team's figures,
administrators every team's (`Scope`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _

from dashboard import charts, present
from dashboard import period as periods
from dashboard.referrals import Outcomes, Scope, outcomes
from kernel.authz import admits
from kernel.db import get_session, utcnow
from kernel.errors import Problem
from kernel.identity import current_identity

bp = Blueprint("dashboard", __name__)

WHO = ("coordinator", "admin")


def scope() -> Scope:
    """Whose figures the signed-in person sees: their team's, or every team's (an admin)."""
    who = current_identity()
    return Scope.of(who.role, who.team_id)


def period_or_default() -> tuple[periods.Period, dict[str, str], dict[str, str]]:
    """The period asked for (or the default, with the error beside its field) and what was typed."""
    today = utcnow().date()
    typed = {"from": request.args.get("from", ""), "to": request.args.get("to", "")}
    try:
        found = periods.parse(request.args, today)
        return found, typed, {}
    except periods.PeriodError as exc:
        messages = {
            "from": _("Give the first day as a date, on or before the last day."),
            "to": _("Give the last day as a date."),
        }
        return periods.Period.last_months(today), typed, {exc.param: messages[exc.param]}


def _figures(found: Outcomes) -> list[present.Figure]:
    parts = list(present.PART_NAMES)
    if not scope().everyone:
        parts.remove("by_team")  # one team: the breakdown by team is the totals again
    return [present.figure(found, part) for part in parts]


@bp.get("/dashboard")
@admits(*WHO)
def page() -> Any:
    chosen, typed, errors = period_or_default()
    found = outcomes(get_session(), chosen, scope())
    return render_template(
        "dashboard/page.html",
        period=chosen,
        typed=typed,
        errors=errors,
        o=found,
        t=found.totals,
        figures=_figures(found),
        everyone=scope().everyone,
        hours=present.hours,
        share=present.share,
    )


@bp.get("/dashboard/referrals.csv")
@admits(*WHO)
def referrals_csv() -> Any:
    part = request.args.get("part", "by_month")
    if part not in present.PART_NAMES:
        raise Problem(404, _("There is no such part of the dashboard."))
    try:
        chosen = periods.parse(request.args, utcnow().date())
    except periods.PeriodError as exc:
        raise Problem(422, exc.message, param=exc.param) from None
    found = outcomes(get_session(), chosen, scope())
    body = charts.csv_text(present.figure(found, part).table)
    resp = Response(body, mimetype="text/csv")
    name = f"linkage-referrals-{part}-{chosen.start.isoformat()}-{chosen.end.isoformat()}.csv"
    resp.headers["Content-Disposition"] = f"attachment; filename={name}"
    return resp


@bp.get("/dashboard/summary")
@admits(*WHO)
def summary() -> Any:
    chosen, _typed, errors = period_or_default()
    found = outcomes(get_session(), chosen, scope())
    return render_template(
        "dashboard/summary.html",
        period=chosen,
        errors=errors,
        o=found,
        t=found.totals,
        month=present.by_month(found),
        reasons=present.reasons(found),
        generated=utcnow().replace(microsecond=0, tzinfo=None),
        everyone=scope().everyone,
        hours=present.hours,
        share=present.share,
    )
