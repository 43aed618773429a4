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

from sqlalchemy import and_, case, func, nulls_last, select
from sqlalchemy.orm import Session

from catalog.models import Organization
from dashboard.period import Period
from dashboard.referrals import Scope, month_of
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


def _gaps(session: Session, key: Any, inside: Any) -> list[Gap]:
    searches = func.sum(case((UnmetNeed.kind == "search", 1), else_=0))
    matches = func.sum(case((UnmetNeed.kind == "match", 1), else_=0))
    stmt = (
        select(key.label("key"), func.count().label("n"), searches, matches)
        .where(inside)
        .group_by(key)
        .order_by(func.count().desc(), nulls_last(key.asc()))
    )
    return [Gap(k, int(n), int(s or 0), int(m or 0)) for k, n, s, m in session.execute(stmt)]


def unmet_need(session: Session, period: Period, scope: Scope) -> UnmetReport:
    """The gap report of `period` (see the module's docstring)."""
    dialect = session.get_bind().dialect.name
    inside = and_(UnmetNeed.hour >= period.lower, UnmetNeed.hour < period.upper)
    by_month = sorted(_gaps(session, month_of(UnmetNeed.hour, dialect), inside), key=lambda g: g.key or "")
    pairs = (
        select(UnmetNeed.need, UnmetNeed.area, func.count())
        .where(inside)
        .group_by(UnmetNeed.need, UnmetNeed.area)
        .order_by(func.count().desc(), UnmetNeed.need, nulls_last(UnmetNeed.area.asc()))
    )
    reasons = (
        select(UnmetNeedReason.code, func.count(), func.sum(UnmetNeedReason.services))
        .join(UnmetNeed, UnmetNeed.id == UnmetNeedReason.unmet_need_id)
        .where(inside)
        .group_by(UnmetNeedReason.code)
        .order_by(func.sum(UnmetNeedReason.services).desc(), UnmetNeedReason.code)
    )
    return UnmetReport(
        period=period,
        searches=sum(g.searches for g in by_month),
        matches=sum(g.matches for g in by_month),
        by_need=_gaps(session, UnmetNeed.need, inside),
        by_area=_gaps(session, UnmetNeed.area, inside),
        by_month=by_month,
        by_need_area=[(n, a, int(c)) for n, a, c in session.execute(pairs)],
        by_reason=[Reason(code, int(m), int(s or 0)) for code, m, s in session.execute(reasons)],
        no_capacity_by_need=_declined(session, period, scope, Referral.need, Referral.need),
        no_capacity_by_provider=_declined(session, period, scope, Referral.organization_id, _org_name()),
    )


def _org_name() -> Any:
    return select(Organization.name).where(Organization.id == Referral.organization_id).scalar_subquery()


def _declined(session: Session, period: Period, scope: Scope, key: Any, label: Any) -> list[Declined]:
    """Referrals whose provider declined them, or whose placement failed, for no capacity in
    the period (by the event's time), one team's or every team's; none entered in error."""
    rejected = func.sum(case((ReferralEvent.to_status == "rejected", 1), else_=0))
    failed = func.sum(case((ReferralEvent.to_status == "failed", 1), else_=0))
    stmt = (
        select(key, label, rejected, failed)
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
        .group_by(key)
        .order_by((rejected + failed).desc(), nulls_last(key.asc()))
    )
    rows: Sequence[Any] = session.execute(stmt).all()
    return [Declined(None if k is None else str(k), lab, int(r or 0), int(f or 0)) for k, lab, r, f in rows]
