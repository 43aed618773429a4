"""The outbox: e-mail to send, written as a row in the caller's transaction.

A change and the e-mail about it (a referral sent, a problem report answered) commit
together or not at all; `linkage worker` (referrals/worker.py) sends the rows afterwards and
retries while the mail server is down, so nothing is lost and nothing waits on SMTP inside a
request. It is in the kernel because
every domain writes it (the catalog answers the people who report a problem) and the kernel
is what every domain may import.

What goes in a message: no client data. A message says that something needs attention and
links to Linkage, where the reader signs in (or uses a signed link) to see it; at most a
client's initials, never a name, birth date, phone number or what they need.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from email.utils import parseaddr

from sqlalchemy import Enum, Index, Integer, String, Text, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from kernel.db import Base, Timestamp, UTCDateTime, utcnow, uuid7
from kernel.errors import Problem

# How long after each failed attempt the next one is due: 1, 5, 15 minutes, then hourly.
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=15),
    dt.timedelta(minutes=60),
)
# A claimed row is due again after this long, so a worker that dies while sending does not
# strand it; sending one message takes far less (the SMTP timeout is 30 s).
LEASE = dt.timedelta(minutes=10)


class MessageKind(enum.StrEnum):
    email = "email"


class MessageStatus(enum.StrEnum):
    pending = "pending"  # waiting for its due time, or being sent now
    sent = "sent"
    failed = "failed"  # given up (permanent refusal, or too many attempts); kept to be seen


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_status_due_at", "status", "due_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    kind: Mapped[MessageKind] = mapped_column(
        Enum(MessageKind, native_enum=False, length=20, validate_strings=True), default=MessageKind.email
    )
    recipient: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # The same reminder enqueued twice is one row: e.g. "overdue:<referral id>:<due time>".
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[MessageStatus] = mapped_column(
        Enum(MessageStatus, native_enum=False, length=20, validate_strings=True),
        default=MessageStatus.pending,
    )
    created_at: Mapped[Timestamp]
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)  # the next attempt
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt (1-based), capped at the last step."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def _check_header(param: str, value: str) -> None:
    if not value.strip():
        raise Problem(422, f"The {param} of an e-mail cannot be empty.", param=param)
    if "\r" in value or "\n" in value:
        raise Problem(422, f"The {param} of an e-mail must be one line.", param=param)


def enqueue(
    session: Session,
    *,
    recipient: str,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    dedupe_key: str | None = None,
    due_at: dt.datetime | None = None,
) -> OutboxMessage:
    """Queue an e-mail in the caller's transaction (never commits) and return its row.

    With a `dedupe_key` already in the outbox (sent or not), nothing is added and the
    existing row is returned: a reminder computed twice, by two processes at once too, is
    sent once. The insert is `INSERT ... ON CONFLICT DO NOTHING`, so a duplicate does not
    spoil the caller's transaction.
    """
    _check_header("recipient", recipient)
    _check_header("subject", subject)
    if "@" not in parseaddr(recipient)[1]:
        raise Problem(422, f"{recipient!r} is not an e-mail address.", param="recipient")
    if dedupe_key is not None and not dedupe_key.strip():
        raise Problem(422, "A dedupe key cannot be empty (leave it out instead).", param="dedupe_key")
    now = utcnow()
    values = {
        "id": uuid7(),
        "kind": MessageKind.email,
        "recipient": recipient.strip(),
        "subject": subject.strip(),
        "body_text": body_text,
        "body_html": body_html,
        "dedupe_key": dedupe_key,
        "status": MessageStatus.pending,
        "created_at": now,
        "due_at": due_at or now,
        "attempts": 0,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert(OutboxMessage) if dialect == "postgresql" else sqlite.insert(OutboxMessage)
    stmt = insert.values(**values)
    if dedupe_key is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
    session.execute(stmt)
    found = select(OutboxMessage).execution_options(populate_existing=True)
    if dedupe_key is None:
        return session.scalars(found.where(OutboxMessage.id == values["id"])).one()
    return session.scalars(found.where(OutboxMessage.dedupe_key == dedupe_key)).one()


def waiting(session: Session, status: MessageStatus | None = None, limit: int = 100) -> list[OutboxMessage]:
    """The outbox newest first (all, or one status): what `linkage worker --list` shows."""
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return list(session.scalars(query.limit(limit)))


def retry(session: Session, message_id: uuid.UUID) -> bool:
    """Make a failed message due now with its attempts counted from zero; False if none failed."""
    done = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == MessageStatus.failed)
        .values(status=MessageStatus.pending, due_at=utcnow(), attempts=0)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(done, "rowcount", 0) == 1)
