"""Writes and rules of referrals: clients, consent, creating a referral (with its hold),
moving it through the lifecycle, and the handoff log.

Every function takes a session and an `Actor` (referrals.access) and plain values, never
`request`, and never commits: the edge (a view, the API, a signed link, the CLI) commits
once or rolls back, so a refused write changes nothing. Expected refusals raise
`kernel.errors.Problem` naming the field: 422 for a value, 409 for a conflict (a move the
table forbids, with `allowed`; no place left to hold), 404 for what the actor may not see.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from accounts import audit
from catalog import capacity
from catalog.models import Organization, Service, ServiceAtLocation, ServiceCapacity, ServiceStatus, Unit
from kernel.db import utcnow
from kernel.errors import Problem
from referrals import access, lifecycle, needs, notify
from referrals import consent as rules
from referrals.access import Actor
from referrals.models import (
    CLIENT_FIELDS,
    CONSENT_METHODS,
    CONTACT_KINDS,
    CONTACT_PREFERENCES,
    MODES,
    Client,
    Consent,
    Referral,
    ReferralContact,
    ReferralEvent,
)

NOTE_MAX = 4000
# How far ahead of our clock a caller's "when it happened" may be (their clock may run fast).
CLOCK_SKEW = dt.timedelta(minutes=5)
NOT_FOUND = "No referral has that id."
# The client fields a consent covers when it does not say: everything but the department's
# own record number, which a provider never needs.
DEFAULT_SHARED = tuple(f for f in CLIENT_FIELDS if f != "incident_ref")


def _unprocessable(param: str, detail: str) -> Problem:
    return Problem(422, detail, title="Invalid field", param=param)


@dataclass(frozen=True)
class Settings:
    """The deployment's referral settings (LINKAGE_HOLD_MINUTES, _REFERRAL_REASONS, ...)."""

    hold_minutes: float = 120.0
    reasons: lifecycle.Vocabulary = field(default_factory=lambda: lifecycle.Vocabulary(lifecycle.REASONS))
    outcomes: lifecycle.Vocabulary = field(default_factory=lambda: lifecycle.Vocabulary(lifecycle.OUTCOMES))
    follow_up_hours: Mapping[str, float] = field(default_factory=lambda: dict(lifecycle.FOLLOW_UP_HOURS))
    # E-mail to write into the outbox (a live referral's signed links); None when mail is off.
    outgoing: notify.Outgoing | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        unknown = set(config.get("FOLLOW_UP_HOURS") or {}) - set(lifecycle.STATUSES)
        if unknown:
            raise ValueError(f"LINKAGE_FOLLOW_UP_HOURS names no referral status: {sorted(unknown)}")
        return cls(
            hold_minutes=float(config.get("HOLD_MINUTES") or 120.0),
            reasons=lifecycle.Vocabulary(config.get("REFERRAL_REASONS") or lifecycle.REASONS),
            outcomes=lifecycle.Vocabulary(config.get("REFERRAL_OUTCOMES") or lifecycle.OUTCOMES),
            follow_up_hours={**lifecycle.FOLLOW_UP_HOURS, **(config.get("FOLLOW_UP_HOURS") or {})},
            outgoing=notify.Outgoing.from_config(config),
        )


# ---------------------------------------------------------------- clients


@dataclass(frozen=True)
class ClientInput:
    display_name: str
    birth_year: int | None = None
    age: int | None = None
    gender: str | None = None
    language: str | None = None
    contact_preference: str = "do_not_contact"
    phone: str | None = None
    email: str | None = None
    incident_ref: str | None = None


def _require_team(actor: Actor) -> uuid.UUID:
    if actor.role not in ("social_worker", "officer", "coordinator") or actor.team_id is None:
        raise Problem(403, "Only members of a team (social workers, officers, coordinators) make referrals.")
    return actor.team_id


def create_client(
    session: Session, actor: Actor, data: ClientInput, now: dt.datetime | None = None
) -> Client:
    """A client of the actor's team, with only the contact detail its preference needs."""
    team_id = _require_team(actor)
    now = now or utcnow()
    name = (data.display_name or "").strip()
    if not name:
        raise _unprocessable("client.display_name", "A display name or initials are needed.")
    if data.contact_preference not in CONTACT_PREFERENCES:
        raise _unprocessable(
            "client.contact_preference",
            f"contact_preference must be one of {', '.join(CONTACT_PREFERENCES)}.",
        )
    birth_year = data.birth_year
    if birth_year is not None and not now.year - 120 <= birth_year <= now.year:
        raise _unprocessable(
            "client.birth_year", f"birth_year must be a year from {now.year - 120} to {now.year}."
        )
    if data.age is not None:
        if birth_year is not None:
            raise _unprocessable("client.age", "Give birth_year or age, not both.")
        if not 0 <= data.age <= 120:
            raise _unprocessable("client.age", "age must be a whole number from 0 to 120.")
        birth_year = now.year - data.age
    needs = {"phone": "phone", "text": "phone", "email": "email"}.get(data.contact_preference)
    for detail in ("phone", "email"):
        value = (getattr(data, detail) or "").strip()
        if detail == needs and not value:
            raise _unprocessable(
                f"client.{detail}", f"A contact preference of {data.contact_preference} needs the {detail}."
            )
        if detail != needs and value:
            raise _unprocessable(
                f"client.{detail}",
                f"Leave out the {detail}: the contact preference {data.contact_preference} does not use it "
                "(Linkage keeps only the data the job needs).",
            )
    client = Client(
        id=uuid.uuid4(),
        team_id=team_id,
        created_by=actor.user_id,
        created=now,
        display_name=name,
        birth_year=birth_year,
        gender=(data.gender or "").strip() or None,
        language=(data.language or "").strip() or None,
        contact_preference=data.contact_preference,
        phone=(data.phone or "").strip() or None if needs == "phone" else None,
        email=(data.email or "").strip() or None if needs == "email" else None,
        incident_ref=(data.incident_ref or "").strip() or None,
    )
    session.add(client)
    audit.record(session, actor.audit(), "client_create", record_type="client", record_id=client.id, at=now)
    return client


def team_client(session: Session, actor: Actor, client_id: uuid.UUID) -> Client:
    """A client of the actor's team, or 404 (another team's client is not said to exist)."""
    client = session.get(Client, client_id)
    if client is None or not access.may_see_client(actor, client):
        raise _unprocessable("client_id", "No client of your team has that id.")
    return client


# ---------------------------------------------------------------- consent


@dataclass(frozen=True)
class ConsentInput:
    given: bool
    method: str | None = None
    organization_id: uuid.UUID | None = None  # scope: the provider; default the referral's
    data: tuple[str, ...] | None = None  # scope: the client fields; default DEFAULT_SHARED
    expires_at: dt.datetime | None = None


def record_consent(
    session: Session,
    actor: Actor,
    client: Client,
    given: ConsentInput,
    organization_id: uuid.UUID | None,
    now: dt.datetime | None = None,
) -> Consent:
    """Record what the client agreed to (or refused): how, with whom, which data, until when."""
    now = now or utcnow()
    if not access.in_team(actor, client.team_id):
        raise Problem(403, "Only the client's team records their consent.")
    if given.method is not None and given.method not in CONSENT_METHODS:
        raise _unprocessable("consent.method", f"method must be one of {', '.join(CONSENT_METHODS)}.")
    if given.given and given.method is None:
        raise _unprocessable("consent.method", "Say how consent was given: verbal, written or electronic.")
    fields = DEFAULT_SHARED if given.data is None else given.data
    unknown = [f for f in fields if f not in CLIENT_FIELDS]
    if unknown:
        raise _unprocessable(
            "consent.scope", f"The consent's data may name only {', '.join(CLIENT_FIELDS)}, not {unknown[0]}."
        )
    if given.expires_at is not None and given.expires_at <= now:
        raise _unprocessable("consent.expires_at", "expires_at must be in the future.")
    if given.organization_id is not None and session.get(Organization, given.organization_id) is None:
        raise _unprocessable("consent.scope.organization_id", "No provider (organization) has that id.")
    row = Consent(
        id=uuid.uuid4(),
        client_id=client.id,
        given=given.given,
        method=given.method,
        organization_id=given.organization_id or organization_id,
        data=" ".join(dict.fromkeys(fields)),
        recorded_at=now,
        recorded_by=actor.user_id,
        expires_at=given.expires_at,
    )
    session.add(row)
    audit.record(session, actor.audit(), "consent_record", record_type="consent", record_id=row.id, at=now)
    return row


def revoke_consent(
    session: Session,
    actor: Actor,
    consent_id: uuid.UUID,
    now: dt.datetime | None = None,
    *,
    client_id: uuid.UUID | None = None,
) -> Consent:
    """Revoking stops sharing at once: every referral reading this consent shares nothing.
    With `client_id`, the consent must be that client's (an API path names both)."""
    now = now or utcnow()
    row = session.get(Consent, consent_id)
    client = session.get(Client, row.client_id) if row is not None else None
    if client_id is not None and row is not None and row.client_id != client_id:
        client = None
    if row is None or client is None or not access.in_team(actor, client.team_id):
        raise Problem(404, "No consent of your team's clients has that id.")
    if row.revoked_at is None:
        row.revoked_at = now
        audit.record(
            session, actor.audit(), "consent_revoke", record_type="consent", record_id=row.id, at=now
        )
    return row


def _current_consent(
    session: Session, client_id: uuid.UUID, organization_id: uuid.UUID | None, now: dt.datetime
) -> Consent | None:
    """The newest consent of this client naming this provider that is still valid."""
    stmt = (
        select(Consent)
        .where(Consent.client_id == client_id, Consent.organization_id == organization_id)
        .order_by(Consent.recorded_at.desc())
    )
    for row in session.scalars(stmt):
        if rules.valid_for(row, organization_id, now):
            return row
    return None


def check_consent(session: Session, referral: Referral, now: dt.datetime) -> None:
    """Before a referral is sent: consent given, valid, naming the provider; Part 2's too."""
    given = referral.consent
    if given is None or not rules.valid_for(given, referral.organization_id, now):
        param = "consent.given" if given is not None and not given.given else "consent"
        raise _unprocessable(param, rules.NOT_GIVEN)
    part_2 = referral.service_id is not None and rules.needs_part_2(session, referral.service_id)
    if part_2 and not rules.meets_part_2(given, referral.organization_id, now):
        raise _unprocessable("consent.method", rules.PART_2_RULE)


# ---------------------------------------------------------------- referrals


@dataclass(frozen=True)
class ReferralInput:
    service_id: uuid.UUID
    client: ClientInput | None = None
    client_id: uuid.UUID | None = None
    consent: ConsentInput | None = None
    location_id: uuid.UUID | None = None
    need: str | None = None
    mode: str = "live"
    hold: bool = False
    capacity_id: uuid.UUID | None = None  # which figure to hold when the service has several
    note: str | None = None
    draft: bool = False


def _event(
    session: Session,
    referral: Referral,
    actor: Actor,
    from_status: str | None,
    to_status: str,
    now: dt.datetime,
    reason: str | None = None,
    note: str | None = None,
) -> ReferralEvent:
    row = ReferralEvent(
        referral_id=referral.id,
        at=now,
        actor_user_id=actor.user_id,
        actor=actor.label,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        note=note,
        channel=actor.channel,
    )
    referral.events.append(row)  # saved with the referral (adding it first would list it twice)
    return row


def _capacity_to_hold(session: Session, service: Service, wanted: uuid.UUID | None) -> ServiceCapacity:
    stmt = (
        select(ServiceCapacity)
        .join(Unit, Unit.id == ServiceCapacity.unit_id)
        .where(ServiceCapacity.service_id == service.id)
        .order_by(Unit.name, ServiceCapacity.id)
    )
    figures = list(session.scalars(stmt))
    if not figures:
        raise _unprocessable("hold", "This service does not report free places, so none can be held.")
    if wanted is None:
        return figures[0]
    for figure in figures:
        if figure.id == wanted:
            return figure
    raise _unprocessable("capacity_id", "This service has no capacity figure with that id.")


def _note(value: str | None, param: str = "note") -> str | None:
    text = (value or "").strip()
    if len(text) > NOTE_MAX:
        raise _unprocessable(param, f"{param} may hold at most {NOTE_MAX} characters.")
    return text or None


def create_referral(
    session: Session, actor: Actor, data: ReferralInput, settings: Settings, now: dt.datetime | None = None
) -> Referral:
    """A referral from the actor's team to a service: the client (new or known), their
    consent, the first event, its follow-up time and, if asked, a hold on one free place
    (409 when none is left). On SQLite a hold needs the transaction begun with
    `kernel.db.begin_write` (see catalog.capacity.take)."""
    now = now or utcnow()
    team_id = _require_team(actor)
    if data.mode not in MODES:
        raise _unprocessable("mode", "mode must be live or logged.")
    service = session.get(Service, data.service_id)
    if service is None:
        raise _unprocessable("service_id", "No service has that id.")
    if service.status != ServiceStatus.active:
        raise _unprocessable("service_id", f"This service is {service.status.value}: it takes no referrals.")
    if data.location_id is not None:
        offered = session.scalar(
            select(ServiceAtLocation.id).where(
                ServiceAtLocation.service_id == service.id, ServiceAtLocation.location_id == data.location_id
            )
        )
        if offered is None:
            raise _unprocessable("location_id", "The service is not offered at that location.")
    if (data.client is None) == (data.client_id is None):
        raise _unprocessable("client", "Give either client (a new client) or client_id (a known one).")
    note = _note(data.note)
    need = needs.readable(session, _note(data.need, "need"))
    if data.client is not None:
        client = create_client(session, actor, data.client, now)
    else:
        assert data.client_id is not None
        client = team_client(session, actor, data.client_id)
    organization_id = service.organization_id
    if data.consent is not None:
        given = record_consent(session, actor, client, data.consent, organization_id, now)
    else:
        given = _current_consent(session, client.id, organization_id, now)
    status = "draft" if data.draft else "requested"
    referral = Referral(
        id=uuid.uuid4(),
        client_id=client.id,
        team_id=team_id,
        created_by=actor.user_id,
        consent_id=given.id if given is not None else None,
        service_id=service.id,
        location_id=data.location_id,
        organization_id=organization_id,
        need=need,
        mode=data.mode,
        status=status,
        note=note,
        created=now,
        updated=now,
        due_at=lifecycle.due_at(status, now, settings.follow_up_hours),
    )
    referral.client = client
    referral.consent = given
    if status != "draft":
        check_consent(session, referral, now)
    session.add(referral)
    session.flush()
    _event(session, referral, actor, None, status, now, note=note)
    if data.hold:
        figure = _capacity_to_hold(session, service, data.capacity_id)
        hold = capacity.take(session, figure.id, now, settings.hold_minutes, actor.user_id)
        referral.hold_id = hold.id
        referral.hold = hold
    audit.record(
        session, actor.audit(), "referral_create", record_type="referral", record_id=referral.id, at=now
    )
    session.flush()
    notify.referral_sent(session, referral, settings.outgoing, now)  # a row of the outbox, or nothing
    return referral


def visible_referral(session: Session, actor: Actor, referral_id: uuid.UUID) -> Referral:
    """The referral if this actor may see it, else 404 (another team's is not said to exist)."""
    referral = session.get(Referral, referral_id)
    if referral is None or not access.may_see(actor, referral):
        raise Problem(404, NOT_FOUND)
    return referral


def _reason(to: str, reason: str | None, note: str | None, settings: Settings) -> str | None:
    given = (reason or "").strip()
    if to in lifecycle.NEEDS_OUTCOME:
        vocabulary, what = settings.outcomes, "an outcome"
    elif to in lifecycle.NEEDS_REASON:
        vocabulary, what = settings.reasons, "a reason"
    else:
        vocabulary, what = settings.reasons, ""
    choices = ", ".join(f"{code} ({label})" for code, label in vocabulary.terms.items())
    if not given:
        if what:
            raise _unprocessable("reason", f"Moving to {to} needs {what} in reason: one of {choices}.")
        return None
    code = vocabulary.code_of(given)
    if code is None:
        raise _unprocessable(
            "reason", f"{given[:60]!r} is not a known reason for {to}: use one of {choices}."
        )
    if code == lifecycle.OTHER and not note:
        raise _unprocessable("note", "A reason of other needs words of its own in note.")
    return code


def transition(
    session: Session,
    actor: Actor,
    referral_id: uuid.UUID,
    to: str,
    settings: Settings,
    *,
    reason: str | None = None,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> Referral:
    """Move a referral, if the table lets this actor: the event appended and the status set
    in the same transaction (a conditional UPDATE, so two answers at once cannot both
    apply). 409 with `allowed` for a move the table forbids; 422 naming reason or note."""
    now = now or utcnow()
    referral = visible_referral(session, actor, referral_id)
    if to not in lifecycle.STATUSES:
        raise _unprocessable("to", f"to must be one of {', '.join(lifecycle.STATUSES)}.")
    current = referral.status
    allowed = lifecycle.allowed(current, referral.mode, access.sides(actor, referral))
    if to not in allowed:
        raise Problem(
            409,
            f"A referral that is {current} cannot be moved to {to} by you.",
            title="Transition not allowed",
            param="to",
            allowed=allowed,
        )
    text = _note(note)
    code = _reason(to, reason, text, settings)
    if current == "draft" and to == "requested":
        check_consent(session, referral, now)
    moved = session.execute(
        update(Referral)
        .where(Referral.id == referral.id, Referral.status == current)
        .values(status=to, updated=now, due_at=lifecycle.due_at(to, now, settings.follow_up_hours))
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise Problem(409, "The referral changed meanwhile; read it again.", title="Conflict", allowed=[])
    session.refresh(referral, ["status", "updated", "due_at"])
    _event(session, referral, actor, current, to, now, code, text)
    if referral.hold is not None:
        if to == "accepted":
            capacity.accept(referral.hold, now)
        elif to in lifecycle.RELEASES_HOLD:
            capacity.release(referral.hold, now)
    notify.withdraw_links(session, referral, to, now)  # an e-mailed link answers no more
    if current == "draft" and to == "requested":
        notify.referral_sent(session, referral, settings.outgoing, now)
    audit.record(
        session,
        actor.audit(),
        "referral_transition",
        record_type="referral",
        record_id=referral.id,
        detail=f"{current} -> {to}",
        at=now,
    )
    session.flush()
    return referral


def add_contact(
    session: Session,
    actor: Actor,
    referral_id: uuid.UUID,
    kind: str,
    note: str | None = None,
    now: dt.datetime | None = None,
    *,
    at: dt.datetime | None = None,
) -> ReferralContact:
    """A line of the warm handoff: a call, a visit, transport arranged; `at` when it was
    made earlier than it is recorded (never later than now)."""
    now = now or utcnow()
    referral = visible_referral(session, actor, referral_id)
    if kind not in CONTACT_KINDS:
        raise _unprocessable("kind", f"kind must be one of {', '.join(CONTACT_KINDS)}.")
    if at is not None and at > now + CLOCK_SKEW:
        raise _unprocessable("at", "at is in the future: record a contact once it has happened.")
    row = ReferralContact(
        referral_id=referral.id,
        at=at or now,
        actor_user_id=actor.user_id,
        actor=actor.label,
        kind=kind,
        note=_note(note),
    )
    referral.contacts.append(row)
    audit.record(
        session, actor.audit(), "referral_contact", record_type="referral", record_id=referral.id, at=now
    )
    session.flush()
    return row


def allowed_moves(actor: Actor, referral: Referral) -> list[str]:
    return lifecycle.allowed(referral.status, referral.mode, access.sides(actor, referral))


def statuses_named(values: Sequence[str]) -> list[str]:
    unknown = [v for v in values if v not in lifecycle.STATUSES]
    if unknown:
        raise Problem(400, f"status must be among {', '.join(lifecycle.STATUSES)}.", param="status")
    return list(values)


QUESTION_MAX = 1000


def ask(
    session: Session,
    actor: Actor,
    referral_id: uuid.UUID,
    question: str | None,
    now: dt.datetime | None = None,
    outgoing: notify.Outgoing | None = None,
) -> ReferralContact:
    """The receiving provider asks the referring team for more before answering: a contact of
    kind `question` in the handoff log, which the team sees on the referral; the status and
    its due time do not change (the answer is still owed). Only the receiving provider of a
    live, open referral asks; a question needs words (422 naming `question`)."""
    now = now or utcnow()
    referral = visible_referral(session, actor, referral_id)
    if lifecycle.PROVIDER not in access.sides(actor, referral) or referral.mode != "live":
        raise Problem(403, "Only the receiving provider asks the referring team a question.")
    if referral.status not in lifecycle.OPEN:
        raise Problem(409, f"A referral that is {referral.status} takes no more questions.", title="Conflict")
    text = (question or "").strip()
    if not text:
        raise _unprocessable("question", "Write the question for the referring team.")
    if len(text) > QUESTION_MAX:
        raise _unprocessable("question", f"A question may hold at most {QUESTION_MAX} characters.")
    row = ReferralContact(
        referral_id=referral.id,
        at=now,
        actor_user_id=actor.user_id,
        actor=actor.label,
        kind="question",
        note=text,
    )
    referral.contacts.append(row)
    audit.record(
        session, actor.audit(), "referral_contact", record_type="referral", record_id=referral.id, at=now
    )
    session.flush()
    notify.question_asked(session, referral, row.id, outgoing)  # the worker hears of it
    return row
