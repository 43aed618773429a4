"""Verification: a provider of the service's organization, or an admin, confirms in one step
that a record is current (HSDS `assured_date` and `assurer_email`), and the queue of records
nobody has confirmed for a while.

The HSDS fields go through the change log like every catalog write. Who confirmed, as a
role, is kept beside them in `service_verification`, because the service page says "verified
12 days ago by the provider" without ever showing the address; a date that came from an
import has no such row and is shown without a "by".
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String, func, nulls_first, select
from sqlalchemy.orm import Mapped, Session, mapped_column, selectinload

from catalog.models import Service, ServiceStatus
from kernel.authz import may_change_organization
from kernel.db import Base, Timestamp, uuid7
from kernel.errors import Problem
from kernel.identity import Identity

# The roles whose confirmation the page names; anyone else cannot confirm.
ROLES = ("provider", "admin")
PER_PAGE = 50


class ServiceVerification(Base):
    """One confirmation: which service, the date it set, and the confirming person's role."""

    __tablename__ = "service_verification"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    assured_date: Mapped[dt.date]
    role: Mapped[str] = mapped_column(String(20))
    at: Mapped[Timestamp]


def may_verify(who: Identity, service: Service) -> bool:
    """A provider of the service's organization, or an admin."""
    return who.role in ROLES and may_change_organization(who, [service.organization_id])


def confirm(session: Session, service_id: uuid.UUID, who: Identity, today: dt.date) -> Service:
    """Set `assured_date` to today and `assurer_email` to the person's address, through the
    change log (written as them); refused with nothing written for anyone else."""
    service = session.get(Service, service_id)
    if service is None:
        raise Problem(404, _("No service has that id."))
    if not may_verify(who, service) or not who.email or who.role is None:
        raise Problem(403, _("Only the service's provider or an administrator can confirm its details."))
    session.info["actor"] = who.email
    service.assured_date = today
    service.assurer_email = who.email
    session.add(ServiceVerification(service_id=service.id, assured_date=today, role=who.role))
    session.flush()
    return service


def verified_by(session: Session, services: list[Service]) -> dict[uuid.UUID, str]:
    """Service id -> "provider" or "admin", for each service whose current date is a
    confirmation made here (one query for a whole page of them)."""
    dated = {s.id: s.assured_date for s in services if s.assured_date is not None}
    if not dated:
        return {}
    query = (
        select(ServiceVerification.service_id, ServiceVerification.assured_date, ServiceVerification.role)
        .where(ServiceVerification.service_id.in_(sorted(dated)))
        .order_by(ServiceVerification.at, ServiceVerification.id)
    )
    return {sid: role for sid, day, role in session.execute(query) if dated.get(sid) == day}


@dataclass(frozen=True)
class Queue:
    services: list[Service]
    total: int
    page: int
    pages: int


def queue(session: Session, who: Identity, today: dt.date, days: float, page: int = 1) -> Queue:
    """Records not confirmed for `days` (or never), oldest first; a provider sees their own
    organizations' records, admins and coordinators all. Closed-for-good ones are left out."""
    cutoff = today - dt.timedelta(days=days)
    conditions = [
        (Service.assured_date.is_(None)) | (Service.assured_date <= cutoff),
        Service.status != ServiceStatus.defunct,
    ]
    if who.role == "provider":
        conditions.append(Service.organization_id.in_(sorted(who.organizations)))
    total = session.scalar(select(func.count()).select_from(Service).where(*conditions)) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    query = (
        select(Service)
        .where(*conditions)
        .options(selectinload(Service.organization))
        .order_by(nulls_first(Service.assured_date.asc()), Service.name, Service.id)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    )
    return Queue(list(session.scalars(query)), total, page, pages)
