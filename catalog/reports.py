"""Problem reports: anyone, without an account, says a record is wrong (wrong phone, closed for
good, wrong hours, wrong address, other); each report is a change request that the service's
provider or an admin accepts, entering the corrected values (applied through the change log,
so the history shows them and they can be reverted), or rejects with a note.

Abuse is throttled in the database, per address and per address and service, so every
process and host counts the same reports. The address is kept only as a keyed digest (HMAC
with the deployment's secret), and the reporter's e-mail only until they are answered: the
decision clears both.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from catalog.models import Address, Location, Phone, Schedule, Service, ServiceAtLocation, ServiceStatus
from kernel import outbox
from kernel.authz import may_change_organization
from kernel.db import Base, Timestamp, UTCDateTime, uuid7
from kernel.errors import Problem
from kernel.identity import Identity

# At most this many reports an hour from one address, and this many about one service.
PER_HOUR = 5
PER_HOUR_PER_SERVICE = 2
WINDOW = dt.timedelta(hours=1)
MAX_TEXT = 2000
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class Kind(enum.StrEnum):
    phone = "wrong_phone"
    closed = "closed"
    hours = "wrong_hours"
    address = "wrong_address"
    other = "other"


KIND_LABELS = {
    Kind.phone: _l("The phone number is wrong"),
    Kind.closed: _l("It has closed for good"),
    Kind.hours: _l("The hours are wrong"),
    Kind.address: _l("The address is wrong"),
    Kind.other: _l("Something else"),
}


class Status(enum.StrEnum):
    open = "open"
    accepted = "accepted"
    rejected = "rejected"


# How the page names a service's status and a report's (the values stay HSDS's and ours).
SERVICE_STATUS_LABELS = {
    ServiceStatus.active.value: _l("active (open as usual)"),
    ServiceStatus.inactive.value: _l("inactive"),
    ServiceStatus.defunct.value: _l("closed for good (defunct)"),
    ServiceStatus.temporarily_closed.value: _l("temporarily closed"),
}
STATUS_LABELS = {
    Status.open.value: _l("Waiting for a decision"),
    Status.accepted.value: _l("Accepted and applied"),
    Status.rejected.value: _l("Rejected with a note"),
}


class ChangeRequest(Base):
    __tablename__ = "change_request"
    __table_args__ = (Index("ix_change_request_address_digest_created_at", "address_digest", "created_at"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    reporter_email: Mapped[str | None] = mapped_column(Text)  # cleared when answered
    reporter_language: Mapped[str] = mapped_column(String(5), default="en")
    address_digest: Mapped[str | None] = mapped_column(String(64))  # cleared when answered
    status: Mapped[str] = mapped_column(String(20), default=Status.open, index=True)
    created_at: Mapped[Timestamp]
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    service: Mapped[Service] = relationship()


class Throttled(Exception):
    """Too many reports from this address (or about this service from it) in the last hour."""

    def __init__(self, retry_at: dt.datetime) -> None:
        super().__init__(f"too many reports; retry at {retry_at.isoformat()}")
        self.retry_at = retry_at


@dataclass(frozen=True)
class Report:
    """What a person typed, as typed (the form shows it again when it is refused)."""

    kind: str
    text: str = ""
    email: str = ""


def digest(secret: str, address: str | None) -> str | None:
    if not address:
        return None
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()


def _nth_latest(session: Session, n: int, *conditions: object) -> dt.datetime | None:
    query = (
        select(ChangeRequest.created_at)
        .where(*conditions)  # type: ignore[arg-type]
        .order_by(ChangeRequest.created_at.desc())
        .offset(n - 1)
        .limit(1)
    )
    return session.scalar(query)


def retry_at(
    session: Session, service_id: uuid.UUID, address_digest: str | None, now: dt.datetime
) -> dt.datetime | None:
    """When this address may report again, or None when it may now."""
    if address_digest is None:
        return None
    since = ChangeRequest.created_at > now - WINDOW
    mine = ChangeRequest.address_digest == address_digest
    times = [
        _nth_latest(session, PER_HOUR, mine, since),
        _nth_latest(session, PER_HOUR_PER_SERVICE, mine, since, ChangeRequest.service_id == service_id),
    ]
    blocked = [t + WINDOW for t in times if t is not None]
    return max(blocked) if blocked else None


def check(report: Report) -> tuple[Kind, str, str | None]:
    """The report's values, or a Problem naming the field at fault."""
    try:
        kind = Kind(report.kind)
    except ValueError:
        raise Problem(400, _("Choose what is wrong."), param="kind") from None
    text = report.text.strip()
    if kind is Kind.other and not text:
        raise Problem(400, _("Say what is wrong, in a few words."), param="text")
    if len(text) > MAX_TEXT:
        raise Problem(400, _("Write at most %(num)d characters.", num=MAX_TEXT), param="text")
    email = report.email.strip().lower() or None
    if email is not None and (len(email) > 254 or not _EMAIL.match(email)):
        raise Problem(400, _("This is not an e-mail address (name@example.org)."), param="email")
    return kind, text, email


def submit(
    session: Session,
    service_id: uuid.UUID,
    report: Report,
    *,
    language: str,
    address_digest: str | None,
    now: dt.datetime,
) -> ChangeRequest:
    """A change request from anyone; raises Problem (a field at fault) or Throttled."""
    if session.get(Service, service_id) is None:
        raise Problem(404, _("No service has that id."))
    kind, text, email = check(report)
    blocked = retry_at(session, service_id, address_digest, now)
    if blocked is not None and blocked > now:
        raise Throttled(blocked)
    made = ChangeRequest(
        service_id=service_id,
        kind=kind.value,
        text=text,
        reporter_email=email,
        reporter_language=language if language in ("en", "es") else "en",
        address_digest=address_digest,
        status=Status.open.value,
        created_at=now,
    )
    session.add(made)
    session.flush()
    return made


def _organizations(who: Identity) -> list[uuid.UUID]:
    return sorted(who.organizations)


def queue(session: Session, who: Identity, status: Status = Status.open) -> list[ChangeRequest]:
    """Reports waiting (or decided), oldest first; a provider sees their organizations' only."""
    query = (
        select(ChangeRequest)
        .join(Service, Service.id == ChangeRequest.service_id)
        .where(ChangeRequest.status == status.value)
        .options(selectinload(ChangeRequest.service).selectinload(Service.organization))
        .order_by(ChangeRequest.created_at, ChangeRequest.id)
        .limit(200)
    )
    if who.role != "admin":
        query = query.where(Service.organization_id.in_(_organizations(who)))
    return list(session.scalars(query))


def for_decision(session: Session, request_id: uuid.UUID, who: Identity) -> ChangeRequest:
    """The request, when `who` may decide it; another organization's is a 404, as if absent."""
    found = session.get(ChangeRequest, request_id)
    if found is None or not may_change_organization(who, [found.service.organization_id]):
        raise Problem(404, _("No report has that id."))
    return found


# ------------------------------------------------------------------ the corrections


@dataclass(frozen=True)
class Field:
    """One value a decider may correct: `key` is "<record type>:<id>:<column>"."""

    key: str
    group: str  # a Kind's value: which kind of report it answers
    label: str
    value: str
    choices: tuple[str, ...] = ()


def _fields_of(service: Service) -> list[Field]:
    out: list[Field] = []
    sid = service.id
    out.append(
        Field(
            f"service:{sid}:status",
            Kind.closed,
            _("Status"),
            service.status.value,
            tuple(s.value for s in ServiceStatus),
        )
    )
    out.append(Field(f"service:{sid}:name", Kind.other, _("Name"), service.name))
    out.append(Field(f"service:{sid}:email", Kind.other, _("E-mail"), service.email or ""))
    out.append(Field(f"service:{sid}:url", Kind.other, _("Website"), service.url or ""))
    out.append(Field(f"service:{sid}:alert", Kind.other, _("Notice"), service.alert or ""))
    locations = [sal.location for sal in service.service_at_locations if sal.location is not None]
    phones = list(service.phones) + [p for loc in locations for p in loc.phones]
    for phone in phones:
        out.append(Field(f"phone:{phone.id}:number", Kind.phone, _("Phone"), phone.number))
    for loc in locations:
        for a in loc.addresses:
            out.append(Field(f"address:{a.id}:address_1", Kind.address, _("Street address"), a.address_1))
            out.append(Field(f"address:{a.id}:city", Kind.address, _("City"), a.city))
            out.append(Field(f"address:{a.id}:state_province", Kind.address, _("State"), a.state_province))
            out.append(Field(f"address:{a.id}:postal_code", Kind.address, _("ZIP code"), a.postal_code))
    schedules = (
        list(service.schedules)
        + [s for sal in service.service_at_locations for s in sal.schedules]
        + [s for loc in locations for s in loc.schedules]
    )
    for s in schedules:
        days = s.byday or s.description or ""
        out.append(
            Field(f"schedule:{s.id}:opens_at", Kind.hours, _("Opens (%(days)s)", days=days), s.opens_at or "")
        )
        out.append(
            Field(
                f"schedule:{s.id}:closes_at", Kind.hours, _("Closes (%(days)s)", days=days), s.closes_at or ""
            )
        )
    return out


def fields(session: Session, service_id: uuid.UUID) -> list[Field]:
    """Every value the decider may correct, the report's own kind first (the page orders them)."""
    query = (
        select(Service)
        .where(Service.id == service_id)
        .options(
            selectinload(Service.phones),
            selectinload(Service.schedules),
            selectinload(Service.service_at_locations).selectinload(ServiceAtLocation.schedules),
            selectinload(Service.service_at_locations)
            .selectinload(ServiceAtLocation.location)
            .options(
                selectinload(Location.addresses),
                selectinload(Location.phones),
                selectinload(Location.schedules),
            ),
        )
    )
    service = session.scalars(query).one()
    return _fields_of(service)


_MODELS: dict[str, type[Service | Phone | Address | Schedule]] = {
    "service": Service,
    "phone": Phone,
    "address": Address,
    "schedule": Schedule,
}
_REQUIRED = {"name", "number", "address_1", "city", "state_province", "postal_code", "status"}


def _value(key: str, text: str) -> object:
    """The typed text as the column's value, or a Problem naming the field."""
    column = key.rsplit(":", 1)[1]
    if not text and column in _REQUIRED:
        raise Problem(400, _("This cannot be empty."), param=key)
    if column == "status":
        try:
            return ServiceStatus(text)
        except ValueError:
            raise Problem(400, _("Choose one of the statuses."), param=key) from None
    if column in ("opens_at", "closes_at"):
        if text and not _TIME.match(text):
            raise Problem(400, _("Write the time as 24-hour HH:MM, such as 09:00 or 17:30."), param=key)
        return text or None
    if column == "number" and not re.search(r"\d", text):
        raise Problem(400, _("A phone number needs digits."), param=key)
    if len(text) > MAX_TEXT:
        raise Problem(400, _("Write at most %(num)d characters.", num=MAX_TEXT), param=key)
    return text or None


def _apply(session: Session, service_id: uuid.UUID, typed: dict[str, str]) -> int:
    """Set each corrected value that differs from the record (all checked first, so a refused
    one sets none); the change log writes a row for each."""
    todo: list[tuple[str, object]] = []
    for f in fields(session, service_id):
        text = typed.get(f.key, f.value).strip()
        if text != f.value:
            todo.append((f.key, _value(f.key, text)))
    for key, value in todo:
        kind, record, column = key.split(":")
        target = session.get(_MODELS[kind], uuid.UUID(record))
        if target is not None:
            setattr(target, column, value)
    return len(todo)


def _answer(session: Session, request: ChangeRequest, mail: bool) -> None:
    """Tell the reporter (when they left an address and mail is on), then forget the address."""
    if request.reporter_email and mail:
        with force_locale(request.reporter_language):
            subject = _("Your report about %(service)s", service=request.service.name)
            body = render_template(
                "mail/report_decided.txt", request=request, accepted=request.status == "accepted"
            )
        outbox.enqueue(
            session,
            recipient=request.reporter_email,
            subject=subject,
            body_text=body,
            dedupe_key=f"report:{request.id}:decided",
        )
    request.reporter_email = None
    request.address_digest = None


def _decided(
    session: Session, request: ChangeRequest, who: Identity, status: Status, note: str, now: dt.datetime
) -> None:
    if request.status != Status.open.value:
        raise Problem(409, _("This report was decided already."))
    request.status = status.value
    request.decided_at = now
    request.decided_by = who.email
    request.note = note or None


def accept(
    session: Session,
    request_id: uuid.UUID,
    who: Identity,
    typed: dict[str, str],
    *,
    note: str = "",
    mail: bool,
    now: dt.datetime,
) -> ChangeRequest:
    """Apply the corrected values through the change log, written as `who`; at least one."""
    request = for_decision(session, request_id, who)
    if request.status != Status.open.value:
        raise Problem(409, _("This report was decided already."))
    session.info["actor"] = who.email or "web"
    if len(note.strip()) > MAX_TEXT:
        raise Problem(400, _("Write at most %(num)d characters.", num=MAX_TEXT), param="note")
    if _apply(session, request.service_id, typed) == 0:
        raise Problem(400, _("Enter the corrected value in its field, or reject the report."), param="values")
    session.flush()
    _decided(session, request, who, Status.accepted, note.strip(), now)
    _answer(session, request, mail)
    session.flush()
    return request


def reject(
    session: Session, request_id: uuid.UUID, who: Identity, note: str, *, mail: bool, now: dt.datetime
) -> ChangeRequest:
    """Nothing in the record changes; the note says why (the reporter reads it)."""
    request = for_decision(session, request_id, who)
    text = note.strip()
    if not text:
        raise Problem(400, _("Say why the report is rejected: the reporter may read it."), param="note")
    if len(text) > MAX_TEXT:
        raise Problem(400, _("Write at most %(num)d characters.", num=MAX_TEXT), param="note")
    _decided(session, request, who, Status.rejected, text, now)
    _answer(session, request, mail)
    session.flush()
    return request
