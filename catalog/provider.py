"""What the provider's page and the stale list read: a provider's services with each figure,
who gave it last and when, and which figures have gone stale.

Reads only; the Save is `catalog.services.set_figures`. Staleness is `catalog.rules`' one
rule (`free_places` with the deployment's `MaxAges`), so the page, the nav's count, the
coordinators' list and the e-mailed nudge agree with search and matching.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

import phrases
from catalog import capacity, rules
from catalog.models import CapacityHistory, Organization, Service, ServiceCapacity, ServiceStatus, Unit

# The purpose of a signed link that updates one service's figures (`kernel.links`; its
# subject is the service's id), and where it opens (`catalog.provider_views`).
LINK_PURPOSE = "capacity:update"
LINK_PATH = "/provider/l/"


@dataclass(frozen=True)
class Figure:
    """One figure as the provider sees it: the stored number they edit, its age, and who gave it."""

    capacity_id: uuid.UUID
    unit: str
    kind: str
    available: float
    maximum: float | None
    held: float
    updated: dt.datetime
    stale: bool
    max_age_hours: float
    sentence: str  # "3 of 10 beds free, updated 20 min ago" / "last known ..., 14 h ago"
    by: str | None  # who gave it (an e-mail, "e-mail link (...)", "import", ...)
    channel: str | None  # web, api, csv, email-link, import


@dataclass(frozen=True)
class ServiceFigures:
    service: Service
    figures: list[Figure]

    @property
    def stale(self) -> int:
        return sum(1 for f in self.figures if f.stale)


def _last_changes(session: Session, capacity_ids: list[uuid.UUID]) -> dict[uuid.UUID, CapacityHistory]:
    """The newest history row of each figure (who gave it, when, by which channel)."""
    if not capacity_ids:
        return {}
    h = CapacityHistory
    newest = (
        select(h.capacity_id, func.max(h.changed_at).label("at"))
        .where(h.capacity_id.in_(capacity_ids))
        .group_by(h.capacity_id)
        .subquery()
    )
    stmt = select(h).join(newest, (newest.c.capacity_id == h.capacity_id) & (newest.c.at == h.changed_at))
    return {row.capacity_id: row for row in session.scalars(stmt)}


def figures(
    session: Session, services: Iterable[Service], now: dt.datetime, max_ages: rules.MaxAges
) -> list[ServiceFigures]:
    """Each service with its figures (unit order), the holds against them and their age now."""
    services = list(services)
    caps = [c for s in services for c in s.capacities]
    held = capacity.held_counts(session, [c.id for c in caps], now)
    changes = _last_changes(session, [c.id for c in caps])
    out = []
    for svc in services:
        rows = []
        for cap in sorted(
            svc.capacities, key=lambda c: ((c.unit.name if c.unit else "").casefold(), str(c.id))
        ):
            name = cap.unit.name if cap.unit else "place"
            taken = held.get(cap.id, 0)
            fact = rules.free_places(name, cap.available, cap.maximum, cap.updated, now, max_ages, taken)
            change = changes.get(cap.id)
            rows.append(
                Figure(
                    capacity_id=cap.id,
                    unit=name,
                    kind=fact.kind,
                    available=float(cap.available),
                    maximum=fact.maximum,
                    held=fact.held,
                    updated=fact.updated or now,
                    stale=fact.stale,
                    max_age_hours=fact.max_age_hours,
                    sentence=phrases.figure(
                        fact.available, fact.maximum, name, fact.updated, now, fact.stale, fact.kind
                    ),
                    by=change.changed_by if change else None,
                    channel=change.channel if change else None,
                )
            )
        out.append(ServiceFigures(svc, rows))
    return out


def _services(session: Session, where: list[object]) -> list[Service]:
    stmt = (
        select(Service)
        .where(*where)  # type: ignore[arg-type]
        .options(
            selectinload(Service.organization),
            selectinload(Service.capacities).selectinload(ServiceCapacity.unit),
        )
        .order_by(Service.name, Service.id)
    )
    return list(session.scalars(stmt))


def services_of(session: Session, organization_ids: Iterable[uuid.UUID]) -> list[Service]:
    """The services of these organizations (a provider's own), by name."""
    ids = list(organization_ids)
    if not ids:
        return []
    return _services(session, [Service.organization_id.in_(ids)])


def service(session: Session, service_id: uuid.UUID) -> Service | None:
    found = _services(session, [Service.id == service_id])
    return found[0] if found else None


@dataclass(frozen=True)
class StaleFigure:
    """A figure gone stale, for the coordinators' list and the nudges."""

    service_id: uuid.UUID
    service: str
    organization_id: uuid.UUID | None
    organization: str | None
    contact: str | None  # where a nudge goes: the service's e-mail, else its organization's
    capacity_id: uuid.UUID
    unit: str
    available: float
    maximum: float | None
    updated: dt.datetime
    age_hours: float
    max_age_hours: float
    kind: str

    @property
    def sentence(self) -> str:
        """ "last known 3 of 10 beds free, 14 h ago", in the reader's language."""
        return phrases.figure(self.available, self.maximum, self.unit, self.updated, None, True, self.kind)


def _address(value: str | None) -> str | None:
    text = (value or "").strip()
    return text if "@" in text and "\n" not in text and "\r" not in text else None


def stale_figures(
    session: Session,
    now: dt.datetime,
    max_ages: rules.MaxAges,
    organization_ids: Iterable[uuid.UUID] | None = None,
) -> list[StaleFigure]:
    """Every stale figure of an active service (of these organizations, if given), the
    longest stale first. One query: a figure younger than the shortest maximum age is fresh
    for any kind and is not read."""
    cap, unit, svc, org = ServiceCapacity, Unit, Service, Organization
    youngest = min(max_ages.bed, max_ages.waitlist, max_ages.other)
    stmt = (
        select(
            svc.id,
            svc.name,
            svc.email,
            org.id,
            org.name,
            org.email,
            cap.id,
            unit.name,
            cap.available,
            cap.maximum,
            cap.updated,
        )  # fmt: skip
        .select_from(cap)
        .join(unit, unit.id == cap.unit_id)
        .join(svc, svc.id == cap.service_id)
        .outerjoin(org, org.id == svc.organization_id)
        .where(svc.status == ServiceStatus.active, cap.updated < now - dt.timedelta(hours=youngest))
        .order_by(cap.updated, cap.id)
    )
    if organization_ids is not None:
        stmt = stmt.where(svc.organization_id.in_(list(organization_ids)))
    out = []
    for sid, sname, semail, oid, oname, oemail, cid, uname, available, maximum, updated in session.execute(
        stmt
    ):
        fact = rules.free_places(uname, available, maximum, updated, now, max_ages)
        if not fact.stale or fact.updated is None:
            continue
        out.append(
            StaleFigure(
                sid,
                sname,
                oid,
                oname,
                _address(semail) or _address(oemail),
                cid,
                uname or "place",
                float(available),
                fact.maximum,
                fact.updated,
                fact.age_hours or 0.0,
                fact.max_age_hours,
                fact.kind,
            )  # fmt: skip
        )
    return out
