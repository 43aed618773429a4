"""The unmet-need and catalog-health parts of the dashboard as people read them: each
breakdown a chart with its table and CSV (`dashboard.charts`), in the reader's language.
The figures are `dashboard.need`'s and `dashboard.catalog_health`'s; nothing is counted here."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from dashboard import charts
from dashboard.catalog_health import CatalogHealth
from dashboard.need import UnmetReport
from dashboard.present import Figure
from matching import populations as pop

RULE_WORDS = {
    "active": _l("service not active"),
    "age": _l("age"),
    "service_area": _l("outside the service area"),
    "documents": _l("documents asked for"),
    "insurance": _l("insurance not taken"),
    "open": _l("not open when needed"),
    "capacity": _l("no capacity"),
    "pets": _l("no pets"),
    "need": _l("does not offer the need"),
    "accessibility": _l("accessibility"),
}
NEED_PARTS = ("by_need", "by_area", "by_reason", "by_month", "no_capacity_by_need", "no_capacity_by_provider")
CATALOG_PARTS = (
    "stale_by_provider",
    "missing_phone",
    "missing_hours",
    "missing_coordinates",
    "reports",
    "duplicates",
)
KIND_WORDS = {
    "wrong_phone": _l("wrong phone"),
    "closed": _l("closed for good"),
    "wrong_hours": _l("wrong hours"),
    "wrong_address": _l("wrong address"),
    "other": _l("something else"),
}
TABLE_WORDS = {"service": _l("services"), "organization": _l("organizations"), "location": _l("locations")}


def rule_word(code: str) -> str:
    """A rule code as a reader says it: "age", "no capacity", "only for: Veterans status"."""
    if code.startswith("situations:"):
        group = pop.groups().get(code.split(":", 1)[1])
        return str(_("who is eligible: %(group)s", group=_(group.name) if group else code.split(":", 1)[1]))
    return str(RULE_WORDS.get(code, code))


def _bars(rows: list[list[Any]]) -> list[tuple[str, float]]:
    """(label, value) of each table row, for its bar chart."""
    return [(str(r[0]), float(r[1])) for r in rows]


def need_word(need: str | None) -> str:
    return need or _("no need stated")


def area_word(area: str | None) -> str:
    return area or _("no place given")


def _gap_headers(first: str) -> list[str]:
    return [first, _("Found nothing"), _("Searches"), _("Matches")]


def need_figure(report: UnmetReport, part: str) -> Figure:
    """One part of the gap report (a name of NEED_PARTS) as a chart and its table."""
    if part == "by_month":
        heading = _("Searches and matches that found nothing, by month")
        found = {g.key: g for g in report.by_month}
        labels = report.period.months()
        series = [
            charts.Series(_("Searches"), [found[m].searches if m in found else 0 for m in labels]),
            charts.Series(_("Matches"), [found[m].matches if m in found else 0 for m in labels]),
        ]
        desc = _("%(total)d searches and matches found no eligible provider.", total=report.total)
        rows = [[m, *((found[m].total, found[m].searches, found[m].matches) if m in found else (0, 0, 0))]
                for m in labels]  # fmt: skip
        table = charts.bar_table(heading, _gap_headers(_("Month")), rows)
        return Figure(
            part, heading, charts.line_chart("chart-need-month", heading, desc, labels, series), table
        )
    if part in ("by_need", "by_area"):
        by_need = part == "by_need"
        heading = _("Found nothing, by need") if by_need else _("Found nothing, by area (ZIP)")
        gaps = report.by_need if by_need else report.by_area
        word = need_word if by_need else area_word
        rows = [[word(g.key), g.total, g.searches, g.matches] for g in gaps]
        desc = _("%(total)d searches and matches found no eligible provider.", total=report.total)
        chart = charts.bar_chart(f"chart-{part}", heading, desc, _bars(rows)) if rows else None
        table = charts.bar_table(heading, _gap_headers(_("Need") if by_need else _("Area (ZIP)")), rows)
        return Figure(part, heading, chart, table)
    if part == "by_reason":
        heading = _("Why the candidates were excluded")
        rows = [[rule_word(r.code), r.services, r.matches] for r in report.by_reason]
        desc = _("The services each eligibility rule excluded, over the matches that found nothing.")
        chart = charts.bar_chart("chart-by-reason", heading, desc, _bars(rows)) if rows else None
        headers = [_("Reason"), _("Services excluded"), _("Matches it affected")]
        return Figure(part, heading, chart, charts.bar_table(heading, headers, rows))
    by_need = part == "no_capacity_by_need"
    heading = (
        _("Referrals declined or failed for no capacity, by need")
        if by_need
        else _("Referrals declined or failed for no capacity, by provider")
    )
    declined = report.no_capacity_by_need if by_need else report.no_capacity_by_provider
    fallback = _("no need recorded") if by_need else _("no provider recorded")
    rows = [[(d.label or d.key or fallback), d.total, d.rejected, d.failed] for d in declined]
    desc = _("%(total)d referrals declined or failed for no capacity.", total=sum(d.total for d in declined))
    chart = charts.bar_chart(f"chart-{part}", heading, desc, _bars(rows)) if rows else None
    headers = [_("Need") if by_need else _("Provider"), _("Total"), _("Declined"), _("Failed")]
    return Figure(part, heading, chart, charts.bar_table(heading, headers, rows))


def catalog_table(health: CatalogHealth, part: str) -> charts.Table:
    """One list of the catalog-health page as a plain table (its CSV; the page links each row)."""
    if part == "stale_by_provider":
        heading = _("Stale capacity figures, by provider")
        rows = [[s.name or _("no provider recorded"), s.stale, s.figures] for s in health.stale]
        return charts.bar_table(heading, [_("Provider"), _("Stale figures"), _("Figures")], rows)
    if part.startswith("missing_"):
        kind = part.removeprefix("missing_")
        heading = {
            "phone": _("Services without a phone"),
            "hours": _("Services without opening hours"),
            "coordinates": _("Services with a place that has no coordinates"),
        }[kind]
        listed = health.missing[kind][1]
        rows = [[r.name, r.organization or "", r.id] for r in listed]
        return charts.bar_table(heading, [_("Service"), _("Provider"), _("Id")], rows)
    if part == "reports":
        heading = _("Problem reports still open")
        rows = [[r.service, str(KIND_WORDS.get(r.kind, r.kind)), r.created.date().isoformat(), r.service_id]
                for r in health.open_reports]  # fmt: skip
        return charts.bar_table(heading, [_("Service"), _("What is wrong"), _("Sent"), _("Id")], rows)
    heading = _("Possible duplicates waiting for review")
    rows = [[str(TABLE_WORDS.get(d.entity_table, d.entity_table)), d.record_a, d.record_b, round(d.score, 2)]
            for d in health.duplicate_pairs]  # fmt: skip
    return charts.bar_table(heading, [_("Records"), _("First"), _("Second"), _("Likeness")], rows)


def catalog_chart(health: CatalogHealth) -> Markup:
    """The problems of the catalog side by side, as bars."""
    rows = [
        (_("Not verified within %(days)d days", days=health.days), health.services - health.verified),
        (_("Stale capacity figures"), health.stale_figures),
        (_("Without a phone"), health.missing["phone"][0]),
        (_("Without opening hours"), health.missing["hours"][0]),
        (_("Without coordinates"), health.missing["coordinates"][0]),
        (_("Problem reports open"), health.reports),
        (_("Duplicates to review"), health.duplicates),
    ]
    heading = _("What needs fixing in the directory")
    desc = _("%(services)d active services.", services=health.services)
    return charts.bar_chart("chart-catalog", heading, desc, rows)


def share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "—"
