"""The audit log: append-only rows of who did what, when, and from which address.

Written in the same transaction as the change it records, so a change and its row commit
or roll back together; the table refuses UPDATE and DELETE (triggers, migration 0008).
"""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from accounts.models import AuditEvent
from kernel.db import utcnow

# The actions this log records: accounts, and client and referral data (every read too).
ACTIONS = (
    "login",
    "login_failure",
    "logout",
    "password_change",
    "user_create",
    "user_disable",
    "user_enable",
    "password_reset",
    "role_change",
    "team_add",
    "audit_export",
    "token_create",
    "token_revoke",
    "token_use",
    "mfa_enrol",
    "mfa_disable",
    "mfa_recovery_used",
    "mfa_reset",
    "mfa_require",
    "read",  # a read of client or referral data (record_type client or referral)
    "client_create",
    "consent_record",
    "consent_revoke",
    "referral_create",
    "referral_transition",
    "referral_complete",  # a draft completed with the consent, then sent
    "referral_contact",
)

CSV_COLUMNS = ("at", "actor", "actor_user_id", "action", "record_type", "record_id", "address", "detail")


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user (with the address of the request) or the command line."""

    label: str
    user_id: uuid.UUID | None = None
    address: str | None = None


def command_line() -> Actor:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (some containers)
        who = "unknown"
    return Actor(f"command line ({who})")


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    record_type: str | None = None,
    record_id: object = None,
    detail: str | None = None,
    at: dt.datetime | None = None,
) -> AuditEvent:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    event = AuditEvent(
        at=at or utcnow(),
        actor_user_id=actor.user_id,
        actor=actor.label,
        action=action,
        record_type=record_type,
        record_id=None if record_id is None else str(record_id),
        address=actor.address,
        detail=detail,
    )
    session.add(event)
    return event


def parse_bound(value: str, *, end: bool = False) -> dt.datetime:
    """An ISO date or date-time, UTC unless it says otherwise; as an end, a bare date means
    the end of that day, so since D until D is the whole of day D. ValueError otherwise."""
    text = value.strip()
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    if end and len(text) == 10:
        parsed += dt.timedelta(days=1)
    return parsed


@dataclass(frozen=True)
class Filters:
    since: dt.datetime | None = None  # inclusive
    until: dt.datetime | None = None  # exclusive
    action: str | None = None
    actor: str | None = None  # part of the actor's e-mail or label, any case

    def describe(self) -> str:
        parts = [
            f"{k}={v.isoformat() if isinstance(v, dt.datetime) else v}" for k, v in vars(self).items() if v
        ]
        return " ".join(parts) or "everything"


def _filtered(query: Select[tuple[AuditEvent]], filters: Filters) -> Select[tuple[AuditEvent]]:
    if filters.since is not None:
        query = query.where(AuditEvent.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEvent.at < filters.until)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.actor:
        query = query.where(func.lower(AuditEvent.actor).contains(filters.actor.lower(), autoescape=True))
    return query


def events(session: Session, filters: Filters | None = None) -> Iterable[AuditEvent]:
    """Every matching event, oldest first (for exports)."""
    query = _filtered(select(AuditEvent).order_by(AuditEvent.at, AuditEvent.id), filters or Filters())
    return session.scalars(query.execution_options(yield_per=1000))


def page(session: Session, filters: Filters, number: int, size: int = 100) -> tuple[list[AuditEvent], int]:
    """One page of matching events, newest first, and how many match in all."""
    total = session.scalar(_filtered(select(func.count()).select_from(AuditEvent), filters)) or 0  # type: ignore[arg-type]
    query = _filtered(select(AuditEvent), filters).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    rows = list(session.scalars(query.offset((number - 1) * size).limit(size)))
    return rows, total


def _cell(value: object) -> str:
    """A failed sign-in records whatever was typed as the e-mail: a cell starting with = + - @
    would run as a formula in a spreadsheet, so it is written with a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_csv(rows: Iterable[AuditEvent], out: IO[str]) -> int:
    """CSV with a header row; returns the number of events written."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for e in rows:
        values = (e.actor, e.actor_user_id, e.action, e.record_type, e.record_id, e.address, e.detail)
        writer.writerow([e.at.isoformat(), *(_cell(v) for v in values)])
        count += 1
    return count
