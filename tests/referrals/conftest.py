"""Factories for referrals: people of two teams and a provider, a shelter with beds, and a
referral brought to any status through the lifecycle itself (never by assigning status)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session

from accounts import audit, passwords
from accounts import services as accounts
from accounts.models import Role, User
from catalog.models import Organization, Service
from referrals import lifecycle, services
from referrals.access import Actor
from referrals.models import Referral

PASSWORD = "correct horse battery staple"
PASSWORD_HASH = passwords.hash_password(PASSWORD)  # once per run
NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
SETTINGS = services.Settings()


@dataclass
class People:
    worker: Actor  # social worker of team A, who refers
    officer: Actor  # officer of team A
    coordinator: Actor  # coordinator of team A
    stranger: Actor  # social worker of team B
    provider: Actor  # bound to the receiving organization
    other_provider: Actor  # bound to another organization
    admin: Actor
    organization: Organization


def make_people(db: Session, organization: Organization, other: Organization) -> People:
    cli = audit.command_line()
    teams = {"Team A": accounts.add_team(db, "Team A", cli), "Team B": accounts.add_team(db, "Team B", cli)}

    def user(email: str, role: str, team: str | None = None, organizations: tuple[str, ...] = ()) -> Actor:
        # Rows made directly: an argon2 hash per person would cost most of each test's time
        # (tests that sign in use accounts.services.create_user with PASSWORD_HASH below).
        made = User(
            id=uuid.uuid4(),
            email=email,
            password_hash=PASSWORD_HASH,
            role=Role(role),
            team=teams[team] if team else None,
            organizations=[db.get_one(Organization, uuid.UUID(o)) for o in organizations],
        )
        db.add(made)
        db.flush()
        return Actor.of_user(made, channel="api")

    return People(
        worker=user("worker@a.example.org", "social_worker", team="Team A"),
        officer=user("officer@a.example.org", "officer", team="Team A"),
        coordinator=user("coordinator@a.example.org", "coordinator", team="Team A"),
        stranger=user("worker@b.example.org", "social_worker", team="Team B"),
        provider=user("intake@shelter.example.org", "provider", organizations=(str(organization.id),)),
        other_provider=user("intake@other.example.org", "provider", organizations=(str(other.id),)),
        admin=user("admin@example.org", "admin"),
        organization=organization,
    )


@pytest.fixture
def shelter(make_service: Any, make_org: Any) -> Service:
    return make_service(
        "Harbor Night Shelter",
        organization=make_org("Harbor Shelter Inc."),
        beds=3,
        beds_max=20,
        beds_updated=NOW - dt.timedelta(hours=1),  # reported before the tests' clock, whatever today is
    )


@pytest.fixture
def people(db: Session, shelter: Service, make_org: Any) -> People:
    assert shelter.organization is not None
    return make_people(db, shelter.organization, make_org("Elsewhere Services"))


def client_input(**kw: Any) -> services.ClientInput:
    base: dict[str, Any] = {"display_name": "J. D.", "birth_year": 1984, "gender": "female", "language": "es"}
    return services.ClientInput(**{**base, **kw})


def consent_input(**kw: Any) -> services.ConsentInput:
    base: dict[str, Any] = {"given": True, "method": "verbal"}
    return services.ConsentInput(**{**base, **kw})


@pytest.fixture
def refer(db: Session, people: People, shelter: Service) -> Any:
    """refer(mode="live", hold=False, consent=..., service=..., by=..., now=...) -> Referral."""

    def factory(**kw: Any) -> Referral:
        by = kw.pop("by", people.worker)
        now = kw.pop("now", NOW)
        data = {
            "service_id": shelter.id,
            "client": client_input(),
            "consent": consent_input(),
            "mode": "live",
            **kw,
        }
        return services.create_referral(db, by, services.ReferralInput(**data), SETTINGS, now)

    return factory


def _path(start: str, goal: str) -> list[tuple[str, str]]:
    """(to, side) moves from start to goal by the table (breadth first)."""
    seen, queue = {start}, deque([(start, [])])
    while queue:
        status, path = queue.popleft()
        if status == goal:
            return path
        for to, who in lifecycle.TRANSITIONS[status].items():
            if to not in seen:
                seen.add(to)
                queue.append((to, [*path, (to, who)]))
    raise AssertionError(f"no path from {start} to {goal}")


@pytest.fixture
def bring(db: Session, people: People, refer: Any) -> Any:
    """bring(status, mode="live") -> a referral moved there through `transition`."""

    def factory(status: str, mode: str = "live", **kw: Any) -> Referral:
        start = "draft" if status == "draft" or kw.get("draft") else "requested"
        made = refer(mode=mode, draft=start == "draft", **kw)
        for to, who in _path(start, status):
            by = people.provider if who == lifecycle.PROVIDER and mode == "live" else people.worker
            reason = "got-help" if to == "completed" else ("other" if to in lifecycle.NEEDS_REASON else None)
            services.transition(db, by, made.id, to, SETTINGS, reason=reason, note="setting up", now=NOW)
        assert made.status == status
        return made

    return factory


def new_id() -> uuid.UUID:
    return uuid.uuid4()
