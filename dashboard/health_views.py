"""The gap report and catalog health: pages (/dashboard/need, /dashboard/catalog, a CSV per
table) and JSON (/api/v1/metrics/unmet-need?from=&to=, /api/v1/metrics/catalog) for
coordinators and administrators, and their tokens with `metrics:read`.

Thin views: the period from a GET form or the query string, the figures from
`dashboard.need` and `dashboard.catalog_health`, their pictures and tables from
`dashboard.health_present`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, json, render_template, request, url_for
from flask_babel import gettext as _

from catalog import rules
from dashboard import charts, health_present
from dashboard import period as periods
from dashboard.catalog_health import CatalogHealth, catalog_health
from dashboard.health_openapi import PATHS, SCHEMAS
from dashboard.need import UnmetReport, unmet_need
from dashboard.referrals import Scope
from dashboard.views import period_or_default
from hsds import params
from kernel.authz import admits
from kernel.db import get_session, utcnow
from kernel.errors import Problem
from kernel.identity import current_identity
from kernel.openapi import register_paths

bp = Blueprint("dashboard_health", __name__)
register_paths(PATHS, SCHEMAS)

WHO = ("coordinator", "admin")
SCOPE = "metrics:read"


def _scope() -> Scope:
    who = current_identity()
    return Scope.of(who.role, who.team_id)


def _report(chosen: periods.Period) -> UnmetReport:
    return unmet_need(get_session(), chosen, _scope())


def _health() -> CatalogHealth:
    cfg = current_app.config
    return catalog_health(
        get_session(), utcnow(), rules.MaxAges.from_config(cfg), float(cfg["VERIFICATION_DAYS"])
    )


def _period_strict() -> periods.Period:
    """The period of the query string, or a 422 problem naming `from` or `to`."""
    try:
        return periods.parse(request.args, utcnow().date())
    except periods.PeriodError as exc:
        raise Problem(422, exc.message, title="Invalid parameter", param=exc.param) from None


def _csv(table: charts.Table, name: str) -> Response:
    resp = Response(charts.csv_text(table), mimetype="text/csv")
    resp.headers["Content-Disposition"] = f"attachment; filename={name}.csv"
    return resp


def _json(body: Any) -> Any:
    return current_app.response_class(json.dumps(body), mimetype="application/json")


@bp.get("/dashboard/need")
@admits(*WHO)
def need_page() -> Any:
    chosen, typed, errors = period_or_default()
    report = _report(chosen)
    figures = [health_present.need_figure(report, part) for part in health_present.NEED_PARTS]
    return render_template(
        "dashboard/need.html", period=chosen, typed=typed, errors=errors, report=report, figures=figures
    )


@bp.get("/dashboard/need.csv")
@admits(*WHO)
def need_csv() -> Any:
    part = request.args.get("part", "by_need")
    if part not in health_present.NEED_PARTS:
        raise Problem(404, _("There is no such part of the dashboard."))
    chosen = _period_strict()
    table = health_present.need_figure(_report(chosen), part).table
    return _csv(table, f"linkage-unmet-need-{part}-{chosen.start.isoformat()}-{chosen.end.isoformat()}")


@bp.get("/dashboard/catalog")
@admits(*WHO)
def catalog_page() -> Any:
    health = _health()
    return render_template(
        "dashboard/catalog.html",
        health=health,
        chart=health_present.catalog_chart(health),
        tables={part: health_present.catalog_table(health, part) for part in health_present.CATALOG_PARTS},
        urls=_record_urls(health),
        share=health_present.share,
    )


def _record_urls(health: CatalogHealth) -> dict[str, list[str | None]]:
    """Each listed row's record page (a service's or a provider's), in the tables' order."""

    def service(sid: str | None) -> str | None:
        return url_for("resources.service", service_id=sid) if sid else None

    def org(oid: str | None) -> str | None:
        return url_for("resources.organization", organization_id=oid) if oid else None

    pages = {"service": service, "organization": org}
    urls: dict[str, list[str | None]] = {
        "stale_by_provider": [org(s.organization_id) for s in health.stale],
        "reports": [service(r.service_id) for r in health.open_reports],
        "duplicates": [
            pages[d.entity_table](d.record_a) if d.entity_table in pages else None
            for d in health.duplicate_pairs
        ],
    }
    for kind in health.missing:
        urls[f"missing_{kind}"] = [service(r.id) for r in health.missing[kind][1]]
    return urls


@bp.get("/dashboard/catalog.csv")
@admits(*WHO)
def catalog_csv() -> Any:
    part = request.args.get("part", "stale_by_provider")
    if part not in health_present.CATALOG_PARTS:
        raise Problem(404, _("There is no such part of the dashboard."))
    health = _health()
    return _csv(
        health_present.catalog_table(health, part), f"linkage-catalog-{part}-{health.today.isoformat()}"
    )


@bp.get("/api/v1/metrics/unmet-need")
@admits(*WHO, scope=SCOPE)
def api_unmet_need() -> Any:
    params.only(request.args, ("from", "to"))
    return _json(_report(_period_strict()).as_json())


@bp.get("/api/v1/metrics/catalog")
@admits(*WHO, scope=SCOPE)
def api_catalog() -> Any:
    params.only(request.args, ())
    return _json(_health().as_json())
