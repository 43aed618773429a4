"""The gap report: for a period, the searches and matches that found no eligible provider (the
rows of `search.unmet`) by need, by area, by month and by the rules that excluded the
candidates; and the referrals declined or failed for no capacity.

Every figure is one SQL query over those rows and the referral events; nothing is counted in
Python. The unmet-need rows carry no team (they keep nothing of who searched), so every
coordinator sees the same gap figures; the referrals declined for no capacity are the
team's (an administrator's: every team's), as the referral figures are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal_column, null, nulls_last, select, union_all
from sqlalchemy.orm import Session

from catalog.models import Organization
from dashboard.period import Period
from dashboard.referrals import Scope, canonical_id, month_of
from referrals.models import Referral, ReferralEvent
from search.unmet import UnmetNeed, UnmetNeedReason

NO_CAPACITY = "no-capacity"
# The referral statuses that say "no place": the provider declined, or the placement failed.
NO_PLACE = ("rejected", "failed")


@dataclass(frozen=True)
class Gap:
    """Searches and matches that found nothing, for one need, one area or one month."""

    key: str | None  # the need, the ZIP or the month ("YYYY-MM"); None: no area given
    total: int
    searches: int
    matches: int

    def as_json(self, name: str) -> dict[str, Any]:
        return {name: self.key, "total": self.total, "searches": self.searches, "matches": self.matches}


@dataclass(frozen=True)
class Reason:
    """One eligibility rule: in how many matches it excluded a service, and how many services."""

    code: str
    matches: int
    services: int


@dataclass(frozen=True)
class Declined:
    """Referrals declined or failed for no capacity, for one need or one provider."""

    key: str | None
    label: str | None
    rejected: int
    failed: int

    @property
    def total(self) -> int:
        return self.rejected + self.failed


@dataclass(frozen=True)
class UnmetReport:
    period: Period
    searches: int
    matches: int
    by_need: list[Gap]
    by_area: list[Gap]
    by_month: list[Gap]
    by_need_area: list[tuple[str, str | None, int]]
    by_reason: list[Reason]
    no_capacity_by_need: list[Declined] = field(default_factory=list)
    no_capacity_by_provider: list[Declined] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.searches + self.matches

    @property
    def no_capacity(self) -> tuple[int, int]:
        """(declined, failed) for no capacity, over the period."""
        rows = self.no_capacity_by_need
        return sum(r.rejected for r in rows), sum(r.failed for r in rows)

    def as_json(self) -> dict[str, Any]:
        rejected, failed = self.no_capacity
        return {
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "total": self.total,
            "searches": self.searches,
            "matches": self.matches,
            "by_need": [g.as_json("need") for g in self.by_need],
            "by_area": [g.as_json("area") for g in self.by_area],
            "by_month": [g.as_json("month") for g in self.by_month],
            "by_need_and_area": [{"need": n, "area": a, "total": c} for n, a, c in self.by_need_area],
            "by_reason": [
                {"code": r.code, "matches": r.matches, "services": r.services} for r in self.by_reason
            ],
            "no_capacity": {
                "total": rejected + failed,
                "rejected": rejected,
                "failed": failed,
                "by_need": [
                    {"need": d.key, "rejected": d.rejected, "failed": d.failed, "total": d.total}
                    for d in self.no_capacity_by_need
                ],
                "by_provider": [
                    {
                        "organization_id": d.key,
                        "name": d.label,
                        "rejected": d.rejected,
                        "failed": d.failed,
                        "total": d.total,
                    }
                    for d in self.no_capacity_by_provider
                ],
            },
        }


def _kinds() -> tuple[Any, Any]:
    """The searches and the matches among the grouped rows."""
    searches = func.sum(case((UnmetNeed.kind == "search", 1), else_=0))
    matches = func.sum(case((UnmetNeed.kind == "match", 1), else_=0))
    return searches, matches


def _ranked(part: str, keys: Sequence[Any], shown: Sequence[Any], values: Sequence[Any]) -> Any:
    """Rows of a small grouped CTE summed again by `keys`, in one shape for a UNION ALL: the
    part's name, the two shown keys (None where the part has no such key), the sums, and
    each group's place in the order the report lists it (most first, then by key, none
    last), as the database sorts it."""
    totals = [func.sum(v) for v in values]
    order = [totals[0].desc(), *(nulls_last(k.asc()) for k in keys)]
    return select(
        literal_column(f"'{part}'"), *shown, *totals, func.row_number().over(order_by=order)
    ).group_by(*keys)


def _gaps_and_pairs(
    session: Session, inside: Any
) -> tuple[list[Gap], list[Gap], list[tuple[str, str | None, int]]]:
    """By need, by area and by need and area together, from one pass over the period's rows:
    the rows grouped by need and area (a few hundred groups), then those groups summed by
    need and by area in the same statement."""
    searches, matches = _kinds()
    pairs = (
        select(
            UnmetNeed.need.label("need"),
            UnmetNeed.area.label("area"),
            func.count().label("n"),
            searches.label("s"),
            matches.label("m"),
        )
        .where(inside)
        .group_by(UnmetNeed.need, UnmetNeed.area)
        .cte("pairs")
    )
    c = pairs.c
    sums = (c.n, c.s, c.m)
    none = cast(null(), String)
    stmt = union_all(
        _ranked("need", [c.need], [c.need, none], sums),
        _ranked("area", [c.area], [none, c.area], sums),
        _ranked("pair", [c.need, c.area], [c.need, c.area], sums),
    )
    needs: list[tuple[int, Gap]] = []
    areas: list[tuple[int, Gap]] = []
    both: list[tuple[int, tuple[str, str | None, int]]] = []
    for part, need, area, n, s, m, rank in session.execute(stmt):
        if part == "need":
            needs.append((rank, Gap(need, int(n), int(s or 0), int(m or 0))))
        elif part == "area":
            areas.append((rank, Gap(area, int(n), int(s or 0), int(m or 0))))
        else:
            both.append((rank, (need, area, int(n))))
    return [g for _, g in sorted(needs)], [g for _, g in sorted(areas)], [p for _, p in sorted(both)]


def _by_month(session: Session, inside: Any, dialect: str) -> list[Gap]:
    month = month_of(UnmetNeed.hour, dialect)
    searches, matches = _kinds()
    stmt = select(month, func.count(), searches, matches).where(inside).group_by(month).order_by(month)
    return [Gap(k, int(n), int(s or 0), int(m or 0)) for k, n, s, m in session.execute(stmt)]


def unmet_need(session: Session, period: Period, scope: Scope) -> UnmetReport:
    """The gap report of `period` (see the module's docstring)."""
    dialect = session.get_bind().dialect.name
    inside = and_(UnmetNeed.hour >= period.lower, UnmetNeed.hour < period.upper)
    by_month = _by_month(session, inside, dialect)
    by_need, by_area, pairs = _gaps_and_pairs(session, inside)
    # Only a match records reasons: its rows are a range of ix_unmet_need_kind_hour_id, and
    # each one's reasons a lookup of the covering ix_unmet_need_reason_services (walking every
    # row of the period and fetching its id from the table took 0.5 s at 100,000 rows).
    reasons = (
        select(UnmetNeedReason.code, func.count(), func.sum(UnmetNeedReason.services))
        .join(UnmetNeed, UnmetNeed.id == UnmetNeedReason.unmet_need_id)
        .where(UnmetNeed.kind == "match", inside)
        .group_by(UnmetNeedReason.code)
        .order_by(func.sum(UnmetNeedReason.services).desc(), UnmetNeedReason.code)
    )
    by_need_declined, by_provider_declined = _declined(session, period, scope)
    return UnmetReport(
        period=period,
        searches=sum(g.searches for g in by_month),
        matches=sum(g.matches for g in by_month),
        by_need=by_need,
        by_area=by_area,
        by_month=by_month,
        by_need_area=pairs,
        by_reason=[Reason(code, int(m), int(s or 0)) for code, m, s in session.execute(reasons)],
        no_capacity_by_need=by_need_declined,
        no_capacity_by_provider=by_provider_declined,
    )


def _declined(session: Session, period: Period, scope: Scope) -> tuple[list[Declined], list[Declined]]:
    """Referrals whose provider declined them, or whose placement failed, for no capacity in
    the period (by the event's time), one team's or every team's; none entered in error: by
    need and by provider, from one pass grouped by both."""
    rejected = func.sum(case((ReferralEvent.to_status == "rejected", 1), else_=0))
    failed = func.sum(case((ReferralEvent.to_status == "failed", 1), else_=0))
    pairs = (
        select(
            Referral.need.label("need"),
            Referral.organization_id.label("org"),
            rejected.label("r"),
            failed.label("f"),
        )
        .select_from(ReferralEvent)
        .join(Referral, Referral.id == ReferralEvent.referral_id)
        .where(
            ReferralEvent.to_status.in_(NO_PLACE),
            ReferralEvent.reason == NO_CAPACITY,
            ReferralEvent.at >= period.lower,
            ReferralEvent.at < period.upper,
            Referral.status != "entered-in-error",
            scope.where(),
        )
        .group_by(Referral.need, Referral.organization_id)
        .cte("declined")
    )
    c = pairs.c
    name = select(Organization.name).where(Organization.id == c.org).scalar_subquery()
    sums = (c.r + c.f, c.r, c.f)
    stmt = union_all(
        _ranked("need", [c.need], [c.need, cast(null(), String)], sums),
        _ranked("org", [c.org], [cast(c.org, String), func.max(name)], sums),
    )
    needs: list[tuple[int, Declined]] = []
    orgs: list[tuple[int, Declined]] = []
    for part, key, label, _total, r, f, rank in session.execute(stmt):
        if part == "need":
            needs.append((rank, Declined(key, key, int(r or 0), int(f or 0))))
        else:
            orgs.append((rank, Declined(canonical_id(key), label, int(r or 0), int(f or 0))))
    return [d for _, d in sorted(needs)], [d for _, d in sorted(orgs)]
