"""The referral part of the dashboard as people read it: each breakdown as a chart with its
table and CSV (`dashboard.charts`), in the reader's language. The figures themselves are
`dashboard.referrals`'; nothing is counted here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from dashboard import charts
from dashboard.referrals import Counts, Outcomes, Repeats, Row

REASON_WORDS = {
    "no-capacity": _l("no capacity"),
    "not-eligible": _l("not eligible"),
    "could-not-contact": _l("could not contact"),
    "client-declined": _l("client declined"),
    "client-did-not-arrive": _l("client did not arrive"),
    "referred-elsewhere": _l("referred elsewhere"),
    "other": _l("other"),
    "unknown": _l("no reason recorded"),
}
FATE_WORDS = {"rejected": _l("Declined"), "failed": _l("Failed"), "cancelled": _l("Cancelled")}


@dataclass(frozen=True)
class Figure:
    """One picture of the page with its table, and the CSV part that downloads it."""

    part: str
    heading: str
    chart: Markup | None
    table: charts.Table


def reason_word(code: str) -> str:
    return str(REASON_WORDS.get(code, code))


def _count_headers(first: str) -> list[str]:
    return [
        first,
        _("Made"),
        _("Accepted"),
        _("Completed"),
        _("Declined"),
        _("Failed"),
        _("Cancelled"),
        _("Still open"),
        _("Overdue"),
        _("Completed within 7 days"),
        _("Live"),
        _("Logged"),
    ]


def _count_cells(c: Counts) -> list[int]:
    return [
        c.made,
        c.accepted,
        c.completed,
        c.rejected,
        c.failed,
        c.cancelled,
        c.open,
        c.overdue,
        c.closed_within_7_days,
        c.live,
        c.logged,
    ]


def _label(part: str, row: Row) -> str:
    if row.label:
        return row.label
    return str(
        {
            "by_provider": _("no provider recorded"),
            "by_need": _("no need recorded"),
            "by_worker": _("no worker recorded"),
        }.get(part, row.key)
    )


def months(outcomes: Outcomes) -> tuple[list[str], dict[str, Counts]]:
    """Every month of the period, and the counts of those that had referrals."""
    found = {r.key: r.counts for r in outcomes.parts.get("by_month", [])}
    return outcomes.period.months(), found


def by_month(outcomes: Outcomes) -> Figure:
    labels, found = months(outcomes)
    empty = Counts()
    made = charts.Series(_("Made"), [found.get(m, empty).made for m in labels])
    done = charts.Series(_("Completed"), [found.get(m, empty).completed for m in labels])
    gone = charts.Series(
        _("Declined or failed"), [found.get(m, empty).rejected + found.get(m, empty).failed for m in labels]
    )
    heading = _("Referrals made and completed, by month")
    desc = _(
        "%(made)d referrals made in the period, %(done)d of them completed.",
        made=outcomes.totals.made,
        done=outcomes.totals.completed,
    )
    chart = charts.line_chart("chart-by-month", heading, desc, labels, [made, done, gone])
    rows = [[m, *_count_cells(found.get(m, empty))] for m in labels]
    return Figure("by_month", heading, chart, charts.bar_table(heading, _count_headers(_("Month")), rows))


BREAKDOWNS = {
    "by_provider": (_l("Referrals by provider"), _l("Provider")),
    "by_need": (_l("Referrals by need"), _l("Need")),
    "by_team": (_l("Referrals by team"), _l("Team")),
    "by_worker": (_l("Referrals by referring worker"), _l("Worker")),
}


def breakdown(outcomes: Outcomes, part: str) -> Figure:
    heading, first = (str(w) for w in BREAKDOWNS[part])
    rows = outcomes.parts.get(part, [])
    bars = [(_label(part, r), float(r.counts.made)) for r in rows]
    desc = _("Referrals made in the period, the most first; the table beside it has every row and outcome.")
    chart = charts.bar_chart(f"chart-{part.replace('_', '-')}", heading, desc, bars) if rows else None
    table = charts.bar_table(
        heading, _count_headers(first), [[_label(part, r), *_count_cells(r.counts)] for r in rows]
    )
    return Figure(part, heading, chart, table)


def reasons(outcomes: Outcomes) -> Figure:
    heading = _("Why referrals were declined, failed or were cancelled")
    groups = (
        ("rejected", outcomes.rejected_by),
        ("failed", outcomes.failed_by),
        ("cancelled", outcomes.cancelled_by),
    )
    rows = [
        [str(FATE_WORDS[fate]), reason_word(code), n] for fate, found in groups for code, n in found.items()
    ]
    bars = [(f"{fate} · {reason}", float(n)) for fate, reason, n in rows]  # type: ignore[arg-type]
    desc = _("How many referrals ended for each reason, by how they ended.")
    chart = charts.bar_chart("chart-reasons", heading, desc, bars) if rows else None
    return Figure(
        "reasons",
        heading,
        chart,
        charts.bar_table(heading, [_("Outcome"), _("Reason"), _("Referrals")], rows),
    )


def interactions(outcomes: Outcomes) -> Figure:
    heading = _("Client interactions by month")
    labels = [m for m, _c, _f in outcomes.interactions]
    contacts = charts.Series(_("Handoff contacts"), [c for _m, c, _f in outcomes.interactions])
    follow = charts.Series(_("Follow-ups"), [f for _m, _c, f in outcomes.interactions])
    total = sum(c + f for _m, c, f in outcomes.interactions)
    desc = _("%(num)d interactions with clients in the period: handoff contacts and follow-ups.", num=total)
    chart = charts.line_chart("chart-interactions", heading, desc, labels, [contacts, follow])
    rows = [[m, c, f, c + f] for m, c, f in outcomes.interactions]
    headers = [_("Month"), _("Handoff contacts"), _("Follow-ups"), _("Total")]
    return Figure("interactions", heading, chart, charts.bar_table(heading, headers, rows))


def _share(value: float | None) -> str:
    return "" if value is None else f"{round(value * 100)}%"


def repeat_table(found: Sequence[Repeats], total: Repeats | None) -> Figure:
    heading = _("Repeat contacts")
    headers = [
        _("Team"),
        _("Clients referred"),
        _("Referred again within 30 days"),
        _("Referred again within 90 days"),
        _("Clients with a completed referral"),
        _("Came back after it"),
        _("Share who came back"),
    ]
    rows: list[list[str | int | float | None]] = [
        [
            r.team or "",
            r.clients,
            r.within_30_days,
            r.within_90_days,
            r.after_completed,
            r.came_back,
            _share(r.came_back_share),
        ]
        for r in found
    ]
    if total is not None and len(found) > 1:
        t = total
        rows.append(
            [
                _("All teams"),
                t.clients,
                t.within_30_days,
                t.within_90_days,
                t.after_completed,
                t.came_back,
                _share(t.came_back_share),
            ]
        )
    bars = [(r.team or "", float(r.within_30_days)) for r in found]
    desc = _("Clients referred more than once within 30 days, by team.")
    chart = charts.bar_chart("chart-repeats", heading, desc, bars) if len(found) > 1 else None
    return Figure("repeats", heading, chart, charts.bar_table(heading, headers, rows))


PART_NAMES = (
    "by_month",
    "by_provider",
    "by_need",
    "by_team",
    "by_worker",
    "reasons",
    "interactions",
    "repeats",
)


def figure(outcomes: Outcomes, part: str) -> Figure:
    """The figure of one part (the page shows them all; the CSV download gives one)."""
    if part == "by_month":
        return by_month(outcomes)
    if part in BREAKDOWNS:
        return breakdown(outcomes, part)
    if part == "reasons":
        return reasons(outcomes)
    if part == "interactions":
        return interactions(outcomes)
    if part == "repeats":
        return repeat_table(outcomes.repeats, outcomes.repeats_total)
    raise KeyError(part)


def hours(value: float | None) -> str:
    """Hours as a person reads them at a glance ("—" when nothing was measured)."""
    if value is None:
        return "—"
    if value < 48:
        amount = f"{value:.1f}"
        return str(_("%(num)s h", num=amount))
    amount = f"{value / 24:.1f}"
    return str(_("%(num)s days", num=amount))


def share(part: int, whole: int) -> str:
    return "—" if not whole else f"{round(100 * part / whole)}%"
