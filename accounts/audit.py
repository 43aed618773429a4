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

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import AuditEvent
from kernel.db import utcnow

# The actions this log records for accounts; later issues add reads of client data.
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


def events(
    session: Session,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    action: str | None = None,
) -> Iterable[AuditEvent]:
    """Events oldest first; `since` inclusive, `until` exclusive."""
    query = select(AuditEvent).order_by(AuditEvent.at, AuditEvent.id)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return session.scalars(query.execution_options(yield_per=1000))


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
