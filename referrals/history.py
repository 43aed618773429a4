"""What the referral records say over time: each service's follow-through, which matching
ranks by, and a team's past clients, among whom a new one may be a repeat client.

`follow_through` is the `matching.facts.FollowThrough` the app keeps in
`app.extensions["follow_through"]` (matching may not import referrals: they are siblings).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, case, cast, extract, func, or_, select
from sqlalchemy.orm import Session

from accounts import audit
from kernel.db import utcnow
from referrals import repeat
from referrals.access import Actor
from referrals.models import Client, Referral, ReferralEvent

# A provider's answer: the first move off `requested` that the provider makes (or, on a logged
# referral, that the worker records for it). Cancelling and correcting are the team's.
ANSWERS = ("accepted", "rejected", "on-hold", "in-progress", "failed", "completed")
TOOK_IT = ("accepted", "in-progress", "completed")  # the provider took the client on
# A referral still unanswered within this time is not held against the provider yet; after it,
# it counts as sent and not accepted (the default follow-up of `requested`).
ANSWER_WINDOW = dt.timedelta(hours=24)


def _hours(later: Any, earlier: Any, dialect: str) -> Any:
    if dialect == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 24.0
    return extract("epoch", later - earlier) / 3600.0


def follow_through(
    session: Session, service_ids: Sequence[uuid.UUID], now: dt.datetime | None = None
) -> dict[uuid.UUID, tuple[int, int, int, float | None]]:
    """Per service, in one query: referrals sent, accepted, completed, mean hours to answer.

    Counted: every referral that was sent (reached `requested`), except one entered in error,
    one the team cancelled before the provider answered, and one still waiting within
    `ANSWER_WINDOW`."""
    if not service_ids:
        return {}
    now = now or utcnow()
    ev = ReferralEvent
    sent = (
        select(ev.referral_id, func.min(ev.at).label("at"))
        .where(ev.to_status == "requested")
        .group_by(ev.referral_id)
        .subquery("sent")
    )
    answered = (
        select(ev.referral_id, func.min(ev.at).label("at"))
        .where(ev.to_status.in_(ANSWERS))
        .group_by(ev.referral_id)
        .subquery("answered")
    )
    took = select(ev.referral_id).where(ev.to_status.in_(TOOK_IT)).distinct().subquery("took")
    dialect = session.get_bind().dialect.name
    hours = _hours(answered.c.at, sent.c.at, dialect)
    stmt = (
        select(
            Referral.service_id,
            func.count(),
            func.sum(case((took.c.referral_id.is_not(None), 1), else_=0)),
            func.sum(case((Referral.status == "completed", 1), else_=0)),
            func.avg(cast(hours, Float)),
        )
        .join(sent, sent.c.referral_id == Referral.id)
        .outerjoin(answered, answered.c.referral_id == Referral.id)
        .outerjoin(took, took.c.referral_id == Referral.id)
        .where(Referral.service_id.in_(list(service_ids)))
        .where(Referral.status != "entered-in-error")
        .where(or_(answered.c.at.is_not(None), Referral.status != "cancelled"))
        .where(
            or_(answered.c.at.is_not(None), sent.c.at <= now - ANSWER_WINDOW, Referral.status != "requested")
        )
        .group_by(Referral.service_id)
    )
    out = {}
    for service_id, total, accepted, completed, mean_hours in session.execute(stmt):
        out[service_id] = (int(total), int(accepted or 0), int(completed or 0), _float(mean_hours))
    return out


def _float(value: Any) -> float | None:
    return None if value is None else max(0.0, float(value))


def proposals(
    session: Session, actor: Actor, person: repeat.Person, now: dt.datetime | None = None
) -> list[repeat.Proposal]:
    """Clients of the actor's team who may be this person, best first (only that team's
    clients are read; each one proposed is shown to the worker, so its read is audited)."""
    if actor.team_id is None:
        return []
    rows = session.execute(
        select(Client.id, Client.display_name, Client.birth_year, Client.phone).where(
            Client.team_id == actor.team_id
        )
    )
    known = [repeat.Known(cid, repeat.Person(name, year, False, phone)) for cid, name, year, phone in rows]
    found = repeat.propose(person, known)
    at = now or utcnow()
    for p in found:
        audit.record(session, actor.audit(), "read", record_type="client", record_id=p.client_id, at=at)
    return found
