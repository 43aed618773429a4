"""Holds on a service's capacity, and the one rule of free places in SQL.

A hold takes one unit (a bed, a slot) of one capacity figure for a while. What is free is
the provider's last figure (`ServiceCapacity.available`) minus the holds that are active
now (not expired, not released, not yet accepted) minus the holds accepted since that
figure was given (`updated`): a place taken on acceptance is the person's until the
provider reports a new figure, which then counts it itself. Expiry is decided when read
(`expires_at > now`), so no process has to run for a held bed to come back.

`held_counts` and `held_subquery` count what the rule subtracts; `catalog.rules.free_places`
does the subtraction, so the service page, search and matching show the same number.
`take` is the only way a hold is made: it locks the capacity row (PostgreSQL `SELECT ...
FOR UPDATE`; on SQLite the caller's transaction began with the write lock, see
`kernel.db.begin_write`) and counts and inserts under that lock, so two workers never get
the last place.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from sqlalchemy import Float, ForeignKey, Select, and_, cast, false, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from catalog import rules
from catalog.models import ServiceCapacity, Unit
from kernel.db import Base, Timestamp, UTCDateTime, UUIDPk, holds_write_lock
from kernel.errors import Problem

NO_PLACE = "No place is left to hold at this service: every one is taken or held."


class Hold(Base):
    """One unit of a capacity figure held for a referral until `expires_at`."""

    __tablename__ = "capacity_hold"
    id: Mapped[UUIDPk]
    capacity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service_capacity.id", ondelete="CASCADE"), index=True
    )
    created: Mapped[Timestamp]
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Who held it (an account id; accounts sit above the catalog, so no foreign key here).
    held_by: Mapped[uuid.UUID | None] = mapped_column()

    def state(self, now: dt.datetime) -> str:
        """active, expired, released or accepted."""
        if self.released_at is not None:
            return "released"
        if self.accepted_at is not None:
            return "accepted"
        return "active" if self.expires_at > now else "expired"


def counted(now: ColumnElement[dt.datetime] | dt.datetime) -> ColumnElement[bool]:
    """The holds the rule subtracts from their figure: active now, or accepted since it."""
    h, cap = Hold.__table__.c, ServiceCapacity.__table__.c
    return and_(
        h.released_at.is_(None),
        or_(
            and_(h.accepted_at.is_(None), h.expires_at > now),
            h.accepted_at > cap.updated,
        ),
    )


def held_subquery(now: ColumnElement[dt.datetime] | dt.datetime) -> Select[tuple[uuid.UUID, float]]:
    """capacity_id, held: one row per figure with holds counted against it (join it outer)."""
    h, cap = Hold.__table__.c, ServiceCapacity.__table__
    return (
        select(h.capacity_id, cast(func.count(), Float).label("held"))
        .select_from(Hold.__table__.join(cap, cap.c.id == h.capacity_id))
        .where(counted(now))
        .group_by(h.capacity_id)
    )


def free_column(held: ColumnElement[float] | None) -> ColumnElement[float]:
    """available - held in SQL, for filters ("only services with a place free now")."""
    cap = ServiceCapacity.__table__.c
    return cap.available - func.coalesce(held, 0.0)


def fresh_places(
    conn: Connection | Session, now: dt.datetime, max_ages: rules.MaxAges
) -> ColumnElement[bool]:
    """The figures that may count as places free now, in SQL: younger than their unit's
    maximum age (``rules.MaxAges``, by the unit's kind) and not a waitlist. The unit table is
    small (one row per kind of place a deployment counts), so it is read and classified by
    ``rules.unit_kind`` here, the rule the page and matching use, rather than in SQL."""
    cap = ServiceCapacity.__table__.c
    by_age: dict[float, list[uuid.UUID]] = {}
    for uid, name in conn.execute(select(Unit.__table__.c.id, Unit.__table__.c.name)):
        if rules.unit_kind(name) != "waitlist":
            by_age.setdefault(max_ages.hours(name), []).append(uid)
    parts = [
        and_(cap.unit_id.in_(ids), cap.updated >= now - dt.timedelta(hours=hours))
        for hours, ids in sorted(by_age.items())
    ]
    return or_(*parts) if parts else false()


def free_services(
    conn: Connection | Session, now: dt.datetime, max_ages: rules.MaxAges
) -> Select[tuple[uuid.UUID]]:
    """Ids of services with a place free now: a fresh figure (``fresh_places``) above the holds
    counted against it. A stale figure never passes, whatever it says: the "places free now"
    filter of search and the provider's own page ask this."""
    cap = ServiceCapacity.__table__
    held = held_subquery(now).subquery()
    return (
        select(cap.c.service_id)
        .select_from(cap.outerjoin(held, held.c.capacity_id == cap.c.id))
        .where(free_column(held.c.held) > 0, fresh_places(conn, now, max_ages))
    )


def held_counts(
    session: Session, capacity_ids: Iterable[uuid.UUID], now: dt.datetime
) -> dict[uuid.UUID, int]:
    """How many units of each figure are held now (active or accepted since the figure)."""
    ids = list(capacity_ids)
    if not ids:
        return {}
    stmt = held_subquery(now).where(Hold.__table__.c.capacity_id.in_(ids))
    return {row.capacity_id: int(row.held) for row in session.execute(stmt)}


def free_now(session: Session, capacity: ServiceCapacity, now: dt.datetime) -> float:
    held = held_counts(session, [capacity.id], now).get(capacity.id, 0)
    return rules.free_places(
        None, capacity.available, capacity.maximum, capacity.updated, now, 1, held
    ).available


def take(
    session: Session, capacity_id: uuid.UUID, now: dt.datetime, minutes: float, held_by: uuid.UUID | None
) -> Hold:
    """Hold one unit, or raise a 409 Problem when none is free. Counting and inserting happen
    under a lock on the figure, so of twenty workers racing for the last bed one gets it."""
    if session.get_bind().dialect.name == "postgresql":
        stmt = select(ServiceCapacity).where(ServiceCapacity.id == capacity_id).with_for_update()
        capacity = session.scalars(stmt.execution_options(populate_existing=True)).one()
    else:
        if not holds_write_lock(session):
            raise RuntimeError("on SQLite a hold needs a transaction begun with kernel.db.begin_write")
        capacity = session.get_one(ServiceCapacity, capacity_id, populate_existing=True)
    if free_now(session, capacity, now) < 1:
        raise Problem(409, NO_PLACE, title="No place left", param="hold")
    hold = Hold(
        id=uuid.uuid4(),
        capacity_id=capacity.id,
        created=now,
        expires_at=now + dt.timedelta(minutes=minutes),
        held_by=held_by,
    )
    session.add(hold)
    session.flush()
    return hold


def release(hold: Hold, now: dt.datetime) -> None:
    """Give the unit back (the referral was cancelled, rejected, failed, or was an error)."""
    if hold.released_at is None:
        hold.released_at = now


def accept(hold: Hold, now: dt.datetime) -> None:
    """On acceptance the held unit becomes the person's place (counted until the provider's
    next figure), even if the hold had run out: the provider said yes to a place."""
    if hold.released_at is None and hold.accepted_at is None:
        hold.accepted_at = now
