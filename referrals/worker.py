"""Draining the outbox: claim one due row, send it, record the attempt; repeat.

Several workers may share one database. A row is claimed by one statement that moves its
due time a lease ahead and counts the attempt, `UPDATE ... WHERE id = (SELECT ... FOR UPDATE
SKIP LOCKED) RETURNING`: on PostgreSQL concurrent workers skip each other's locked rows, and
on SQLite the statement runs under the database's single write lock. The claim commits
before SMTP is spoken, so no lock is held while a mail server answers, and a worker that
dies mid-send leaves a row that comes due again when the lease ends.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from kernel.db import utcnow
from kernel.outbox import LEASE, MessageStatus, OutboxMessage, backoff
from referrals import mail

log = logging.getLogger("linkage.worker")

# The worker's own sessions (each claim and each record is a transaction of its own): the
# app's CatalogSession maker, or a plain one.
Sessions = sessionmaker[Any]

DEFAULT_MAX_ATTEMPTS = 12  # 1 + 5 + 15 minutes, then hourly: about 9 hours of trying


@dataclass(frozen=True)
class Claimed:
    id: uuid.UUID
    recipient: str
    subject: str
    body_text: str
    body_html: str | None
    attempts: int  # this attempt's number


@dataclass
class Report:
    """What one pass did; the worker prints it."""

    sent: list[uuid.UUID] = field(default_factory=list)
    retrying: list[uuid.UUID] = field(default_factory=list)
    failed: list[uuid.UUID] = field(default_factory=list)

    def line(self) -> str:
        return f"sent {len(self.sent)}, to retry {len(self.retrying)}, failed {len(self.failed)}"


def claim(sessions: Sessions, now: dt.datetime, max_attempts: int) -> Claimed | None:
    """Take the next due message for this worker alone, in a transaction of its own."""
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == MessageStatus.pending,
            OutboxMessage.due_at <= now,
            OutboxMessage.attempts < max_attempts,
        )
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    stmt = (
        update(OutboxMessage)
        .where(OutboxMessage.id == due)
        .values(attempts=OutboxMessage.attempts + 1, due_at=now + LEASE, last_attempt_at=now)
        .returning(
            OutboxMessage.id,
            OutboxMessage.recipient,
            OutboxMessage.subject,
            OutboxMessage.body_text,
            OutboxMessage.body_html,
            OutboxMessage.attempts,
        )
        .execution_options(synchronize_session=False)
    )
    with sessions.begin() as session:
        row = session.execute(stmt).first()
    return Claimed(*row) if row is not None else None


def give_up_stranded(sessions: Sessions, now: dt.datetime, max_attempts: int) -> list[uuid.UUID]:
    """Rows whose last allowed attempt was claimed by a worker that never reported back."""
    stmt = (
        update(OutboxMessage)
        .where(
            OutboxMessage.status == MessageStatus.pending,
            OutboxMessage.due_at <= now,
            OutboxMessage.attempts >= max_attempts,
        )
        .values(
            status=MessageStatus.failed,
            last_error="gave up: the worker stopped during the last attempt",
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    with sessions.begin() as session:
        return list(session.scalars(stmt))


def _record(sessions: Sessions, message_id: uuid.UUID, **values: object) -> None:
    with sessions.begin() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def deliver_one(
    sessions: Sessions,
    transport: mail.Transport,
    sender: str,
    *,
    now: Callable[[], dt.datetime] = utcnow,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    report: Report | None = None,
) -> Claimed | None:
    """Claim, send and record one due message; None when nothing is due."""
    report = report if report is not None else Report()
    claimed = claim(sessions, now(), max_attempts)
    if claimed is None:
        return None
    try:
        message = mail.build_message(
            sender, claimed.recipient, claimed.subject, claimed.body_text, claimed.body_html
        )
        transport.send(message)
    except Exception as exc:  # any failure of this attempt is recorded; the loop goes on
        error = mail.describe(exc)
        final = mail.is_permanent(exc) or claimed.attempts >= max_attempts
        if final:
            _record(sessions, claimed.id, status=MessageStatus.failed, last_error=error)
            report.failed.append(claimed.id)
        else:
            _record(sessions, claimed.id, due_at=now() + backoff(claimed.attempts), last_error=error)
            report.retrying.append(claimed.id)
        log.warning(
            "outbox message %s attempt %d failed%s: %s",
            claimed.id,
            claimed.attempts,
            " for good" if final else "",
            error,
        )
        return claimed
    _record(sessions, claimed.id, status=MessageStatus.sent, sent_at=now(), last_error=None)
    report.sent.append(claimed.id)
    log.info("outbox message %s sent (attempt %d)", claimed.id, claimed.attempts)
    return claimed


def deliver_due(
    sessions: Sessions,
    transport: mail.Transport,
    sender: str,
    *,
    now: Callable[[], dt.datetime] = utcnow,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    limit: int | None = None,
) -> Report:
    """One pass: every message due now (at most `limit`), each attempted once."""
    report = Report()
    report.failed.extend(give_up_stranded(sessions, now(), max_attempts))
    done = 0
    while limit is None or done < limit:
        if (
            deliver_one(sessions, transport, sender, now=now, max_attempts=max_attempts, report=report)
            is None
        ):
            break
        done += 1
    return report
