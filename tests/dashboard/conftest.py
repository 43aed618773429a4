"""A fixed dataset of referrals with known fates, made through the lifecycle itself (never by
assigning a status), and the figures it must give, worked out by hand below."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session

from referrals import services
from referrals.models import Referral
from tests.referrals import conftest as referrals
from tests.referrals.conftest import SETTINGS, People, client_input

# The referrals' fixtures: two teams and a provider, a shelter, refer(...).
shelter, people, refer = referrals.shelter, referrals.people, referrals.refer

FROM, TO = "2026-10-01", "2026-11-30"


def at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.UTC)


@dataclass
class Fates:
    completed: Referral  # sent 11-02 09:00, accepted +5 h, completed +49 h
    rejected: Referral  # the same client again, sent 11-05 (after the completion): no capacity
    open: Referral  # sent 11-10, accepted +24 h, never completed: overdue (72 h follow-up)
    cancelled: Referral  # logged, sent 10-20, cancelled by the worker: client declined
    other_team: Referral  # team B, sent 11-12, accepted +2 h, failed: client did not arrive


def _move(
    db: Session, by: Any, referral: Referral, to: str, when: dt.datetime, reason: str | None = None
) -> None:
    services.transition(db, by, referral.id, to, SETTINGS, reason=reason, now=when)


@pytest.fixture
def fates(db: Session, people: People, refer: Any) -> Fates:
    p = people
    done = refer(need="Emergency Shelter (BD-1800.1900)", now=at("2026-11-02"))
    _move(db, p.provider, done, "accepted", at("2026-11-02", 14))
    _move(db, p.provider, done, "completed", at("2026-11-04", 10), "got-help")
    services.add_contact(db, p.worker, done.id, "phone", "called", at("2026-11-02", 10))
    services.add_contact(db, p.worker, done.id, "transport", "bus pass", at("2026-11-02", 11))

    again = refer(client_id=done.client_id, client=None, need="Food Pantry", now=at("2026-11-05"))
    _move(db, p.provider, again, "rejected", at("2026-11-05", 12), "no-capacity")

    waiting = refer(client=client_input(display_name="W. W."), now=at("2026-11-10"))
    _move(db, p.provider, waiting, "accepted", at("2026-11-11"))
    services.ask(db, p.provider, waiting.id, "Does the client need a lower bunk?", at("2026-11-11", 10))

    logged = refer(mode="logged", client=client_input(display_name="L. L."), now=at("2026-10-20"))
    _move(db, p.worker, logged, "cancelled", at("2026-10-21"), "client-declined")

    theirs = refer(by=p.stranger, client=client_input(display_name="Z. Z."), now=at("2026-11-12"))
    _move(db, p.provider, theirs, "accepted", at("2026-11-12", 11))
    _move(db, p.provider, theirs, "failed", at("2026-11-13"), "client-did-not-arrive")

    # Counted nowhere: a draft never sent, a referral entered in error, one sent after the period.
    refer(draft=True, client=client_input(display_name="D. D."), now=at("2026-11-15"))
    wrong = refer(client=client_input(display_name="E. E."), now=at("2026-11-16"))
    _move(db, p.worker, wrong, "entered-in-error", at("2026-11-16", 10))
    refer(client=client_input(display_name="L. A."), now=at("2026-12-01"))
    db.flush()
    return Fates(done, again, waiting, logged, theirs)


# Team A's figures, by hand: four referrals sent in the period (completed, rejected, open,
# cancelled); two taken on (5 h and 24 h to acceptance), one completed 49 h after sending.
TEAM_A: dict[str, Any] = {
    "from": FROM,
    "to": TO,
    "made": 4,
    "accepted": 2,
    "completed": 1,
    "rejected": {"total": 1, "by_reason": {"no-capacity": 1}},
    "failed": {"total": 0, "by_reason": {}},
    "cancelled": {"total": 1, "by_reason": {"client-declined": 1}},
    "open": 1,
    "overdue": 1,
    "median_hours_to_accept": 14.5,  # (5 + 24) / 2
    "p90_hours_to_accept": 22.1,  # 5 + 0.9 × (24 - 5)
    "median_hours_to_close": 49.0,
    "p90_hours_to_close": 49.0,
    "closed_within_7_days": 0.25,
    "closed_within_30_days": 0.25,
    "live": 3,
    "logged": 1,
}
