"""Catalog health: how true the directory is today. The share of active services someone
confirmed current within the verification window, the stale capacity figures by provider,
the active services missing a phone, hours or coordinates, the problem reports (change
requests) still open, and the duplicate records waiting for a person to review (`linkage
duplicates`).

Every count is SQL over the catalog; a list of records is capped (`LISTED`) while its count
is not. The catalog is everyone's, so every coordinator sees the same figures.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, false, func, or_, select, union_all
from sqlalchemy.orm import Session

from catalog import rules
from catalog.models import (
    Location,
    LocationType,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    ServiceStatus,
    Unit,
)
from catalog.reports import ChangeRequest
from catalog.reports import Status as ReportStatus
from importers.models import DuplicateCandidate, DuplicateStatus

LISTED = 100  # records listed per problem; the count is of all of them
MISSING = ("phone", "hours", "coordinates")


@dataclass(frozen=True)
class Record:
    """A service named in a list of the report, with its provider."""

    id: str
    name: str
    organization_id: str | None
    organization: str | None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "organization_id": self.organization_id,
                "organization": self.organization}  # fmt: skip


@dataclass(frozen=True)
class Stale:
    """One provider's capacity figures: how many are stale, of how many (active services)."""

    organization_id: str | None
    name: str | None
    stale: int
    figures: int


@dataclass(frozen=True)
class OpenReport:
    """A problem report nobody has decided yet: its service and what it says is wrong."""

    id: str
    service_id: str
    service: str
    kind: str
    created: dt.datetime


@dataclass(frozen=True)
class Duplicate:
    entity_table: str
    record_a: str
    record_b: str
    score: float


@dataclass(frozen=True)
class CatalogHealth:
    today: dt.date
    days: int
    services: int
    verified: int
    stale: list[Stale]
    missing: dict[str, tuple[int, list[Record]]]
    reports: int
    reports_by_kind: dict[str, int]
    open_reports: list[OpenReport]
    duplicates: int
    duplicates_by_table: dict[str, int]
    duplicate_pairs: list[Duplicate]

    @property
    def verified_share(self) -> float | None:
        return self.verified / self.services if self.services else None

    @property
    def stale_figures(self) -> int:
        return sum(s.stale for s in self.stale)

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.today.isoformat(),
            "services": self.services,
            "verified_within_days": self.days,
            "verified": self.verified,
            "verified_share": None if self.verified_share is None else round(self.verified_share, 4),
            "stale_capacity": {
                "total": self.stale_figures,
                "by_provider": [
                    {
                        "organization_id": s.organization_id,
                        "name": s.name,
                        "stale": s.stale,
                        "figures": s.figures,
                    }
                    for s in self.stale
                ],
            },
            "missing": {
                kind: {"total": total, "services": [r.as_json() for r in listed]}
                for kind, (total, listed) in self.missing.items()
            },
            "problem_reports": {
                "open": self.reports,
                "by_kind": self.reports_by_kind,
                "reports": [
                    {
                        "id": r.id,
                        "service_id": r.service_id,
                        "service": r.service,
                        "kind": r.kind,
                        "created": r.created.isoformat(),
                    }  # fmt: skip
                    for r in self.open_reports
                ],
            },
            "duplicates": {
                "open": self.duplicates,
                "by_table": self.duplicates_by_table,
                "pairs": [
                    {
                        "entity_table": d.entity_table,
                        "record_a": d.record_a,
                        "record_b": d.record_b,
                        "score": d.score,
                    }
                    for d in self.duplicate_pairs
                ],
            },
        }


def _active() -> Any:
    return Service.status == ServiceStatus.active


def _none_of(table: Any, dialect: str, *, organization: bool = False) -> Any:
    """No row of `table` (phones or schedules) for the service itself, its service at a
    location, or its locations (and, for phones, its organization).

    The services that have one are one uncorrelated union of the ways, read once: SQLite
    builds an index on it for NOT IN (0.1 s at 100,000 services, against 0.3 s for a NOT
    EXISTS per way, three lookups per service), PostgreSQL anti-joins it by hash (NOT EXISTS:
    a NOT IN list larger than the work memory would be searched row by row; 0.4 s against
    0.66 s per way). One NOT EXISTS over the ways joined by OR could use no index: PostgreSQL
    scanned every row for every service (2.8 s for the demo's 316 services)."""
    sal = ServiceAtLocation
    ways = [
        select(table.service_id.label("sid")).where(table.service_id.is_not(None)),
        select(sal.service_id)
        .join(table, table.service_at_location_id == sal.id)
        .where(sal.service_id.is_not(None)),
        select(sal.service_id)
        .join(table, table.location_id == sal.location_id)
        .where(sal.service_id.is_not(None)),
    ]
    if organization:
        owner = Service.__table__.alias("owner")
        ways.append(select(owner.c.id).join(table, table.organization_id == owner.c.organization_id))
    having = union_all(*ways)
    if dialect == "sqlite":
        return Service.id.not_in(having)  # every way's ids are not null (NOT IN and NULL)
    found = having.subquery("having")
    return ~exists().where(found.c.sid == Service.id)


def _missing(kind: str, dialect: str) -> Any:
    """The condition, on `Service`, for one kind of missing detail."""
    if kind == "phone":  # no phone of the service, its locations, its organization
        return _none_of(Phone, dialect, organization=True)
    if kind == "hours":  # no schedule of the service, at its locations, or of its locations
        return _none_of(Schedule, dialect)
    # a physical place of the service without a point (an online-only service has none to give)
    # (the services with one, uncorrelated: read once, not once per service)
    sal = ServiceAtLocation
    pointless = (
        select(sal.service_id)
        .join(Location, Location.id == sal.location_id)
        .where(
            Location.location_type == LocationType.physical,
            or_(Location.latitude.is_(None), Location.longitude.is_(None)),
        )
    )
    return Service.id.in_(pointless)


def _stale_condition(session: Session, now: dt.datetime, max_ages: rules.MaxAges) -> Any:
    """A figure older than its unit's maximum age. The unit table is small, so each unit is
    classified by `rules.unit_kind` (the rule the pages and matching use), not in SQL."""
    by_age: dict[float, list[uuid.UUID]] = {}
    for uid, name in session.execute(select(Unit.id, Unit.name)):
        by_age.setdefault(max_ages.hours(name), []).append(uid)
    parts = [
        and_(ServiceCapacity.unit_id.in_(ids), ServiceCapacity.updated < now - dt.timedelta(hours=hours))
        for hours, ids in sorted(by_age.items())
    ]
    return or_(*parts) if parts else false()


def catalog_health(session: Session, now: dt.datetime, max_ages: rules.MaxAges, days: float) -> CatalogHealth:
    """The catalog's health at `now` (see the module's docstring)."""
    today = now.date()
    since = today - dt.timedelta(days=days)
    services, verified = session.execute(
        select(func.count(), func.count(Service.id).filter(Service.assured_date >= since)).where(_active())
    ).one()
    stale = func.count(ServiceCapacity.id).filter(_stale_condition(session, now, max_ages))
    by_provider = (
        select(Organization.id, Organization.name, stale, func.count(ServiceCapacity.id))
        .select_from(ServiceCapacity)
        .join(Service, Service.id == ServiceCapacity.service_id)
        .outerjoin(Organization, Organization.id == Service.organization_id)
        .where(_active())
        .group_by(Organization.id, Organization.name)
        .having(stale > 0)
        .order_by(stale.desc(), Organization.name)
    )
    missing: dict[str, tuple[int, list[Record]]] = {}
    for kind in MISSING:
        # The first records and the count of all in one pass (the window counts every row
        # before the limit applies); none listed means none at all.
        listed = (
            select(Service.id, Service.name, Organization.id, Organization.name, func.count().over())
            .outerjoin(Organization, Organization.id == Service.organization_id)
            .where(_active(), _missing(kind, session.get_bind().dialect.name))
            .order_by(Service.name, Service.id)
            .limit(LISTED)
        )
        rows = session.execute(listed).all()
        missing[kind] = (
            int(rows[0][4]) if rows else 0,
            [Record(str(i), n, None if o is None else str(o), on) for i, n, o, on, _ in rows],
        )
    waiting = DuplicateCandidate.status == DuplicateStatus.open
    by_table = dict(
        session.execute(
            select(DuplicateCandidate.entity_table, func.count())
            .where(waiting)
            .group_by(DuplicateCandidate.entity_table)
            .order_by(DuplicateCandidate.entity_table)
        ).all()
    )
    pairs = session.execute(
        select(
            DuplicateCandidate.entity_table,
            DuplicateCandidate.record_a,
            DuplicateCandidate.record_b,
            DuplicateCandidate.score,
        )
        .where(waiting)
        .order_by(DuplicateCandidate.score.desc(), DuplicateCandidate.id)
        .limit(LISTED)
    )
    undecided = ChangeRequest.status == ReportStatus.open.value
    reports_by_kind = dict(
        session.execute(
            select(ChangeRequest.kind, func.count())
            .where(undecided)
            .group_by(ChangeRequest.kind)
            .order_by(ChangeRequest.kind)
        ).all()
    )
    open_reports = session.execute(
        select(ChangeRequest.id, Service.id, Service.name, ChangeRequest.kind, ChangeRequest.created_at)
        .join(Service, Service.id == ChangeRequest.service_id)
        .where(undecided)
        .order_by(ChangeRequest.created_at, ChangeRequest.id)
        .limit(LISTED)
    )
    return CatalogHealth(
        today=today,
        days=int(days),
        services=int(services),
        verified=int(verified),
        stale=[
            Stale(None if o is None else str(o), name, int(s), int(f))
            for o, name, s, f in session.execute(by_provider)
        ],
        missing=missing,
        reports=sum(int(n) for n in reports_by_kind.values()),
        reports_by_kind={str(k): int(n) for k, n in reports_by_kind.items()},
        open_reports=[OpenReport(str(i), str(si), sn, k, c) for i, si, sn, k, c in open_reports],
        duplicates=sum(int(n) for n in by_table.values()),
        duplicates_by_table={str(t): int(n) for t, n in by_table.items()},
        duplicate_pairs=[Duplicate(t, str(a), str(b), float(s)) for t, a, b, s in pairs],
    )
