"""Reads of referrals and clients. Every read of client data goes through here and is in
the audit log (action `read`, record type `referral` or `client`), so no page or API path
can forget it; what an actor may see is `referrals.access`'s rule."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Container, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from accounts import audit
from accounts.models import Team
from catalog.models import Organization, Service
from kernel.db import utcnow
from kernel.errors import Problem
from referrals import access, history, lifecycle, repeat
from referrals.access import Actor
from referrals.models import Client, Consent, Referral, ReferralEvent
from referrals.services import visible_referral


def _read(session: Session, actor: Actor, record_type: str, record_id: object, now: dt.datetime) -> None:
    audit.record(session, actor.audit(), "read", record_type=record_type, record_id=record_id, at=now)


def referral(
    session: Session, actor: Actor, referral_id: uuid.UUID, now: dt.datetime | None = None
) -> Referral:
    """One referral with its events and contacts, if the actor may see it (else 404); the
    read is audited, and so is the client's when the actor sees any of the client's data."""
    now = now or utcnow()
    found = visible_referral(session, actor, referral_id)
    _read(session, actor, "referral", found.id, now)
    if access.shared_fields(actor, found, now):
        _read(session, actor, "client", found.client_id, now)
    return found


def client(session: Session, actor: Actor, client_id: uuid.UUID, now: dt.datetime | None = None) -> Client:
    """A client record: its team only (providers read clients through a referral)."""
    found = session.get(Client, client_id)
    if found is None or not access.may_see_client(actor, found):
        raise Problem(404, "No client has that id.")
    _read(session, actor, "client", found.id, now or utcnow())
    return found


def client_referrals(session: Session, actor: Actor, client_id: uuid.UUID) -> list[Referral]:
    """A client's referral history, newest first (the client must be the actor's team's)."""
    client(session, actor, client_id)
    stmt = select(Referral).where(Referral.client_id == client_id, access.visible(actor))
    return list(session.scalars(stmt.order_by(Referral.created.desc(), Referral.id)))


@dataclass(frozen=True)
class Filters:
    statuses: Sequence[str] = ()
    overdue: bool | None = None  # True: due time passed; False: not overdue
    service_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    since: dt.datetime | None = None  # changed at or after


def _filtered(
    stmt: Select[tuple[Referral]], actor: Actor, f: Filters, now: dt.datetime
) -> Select[tuple[Referral]]:
    stmt = stmt.where(access.visible(actor))
    if f.statuses:
        stmt = stmt.where(Referral.status.in_(list(f.statuses)))
    if f.overdue is True:
        stmt = stmt.where(Referral.due_at.is_not(None), Referral.due_at < now)
    elif f.overdue is False:
        stmt = stmt.where((Referral.due_at.is_(None)) | (Referral.due_at >= now))
    if f.service_id is not None:
        stmt = stmt.where(Referral.service_id == f.service_id)
    if f.organization_id is not None:
        stmt = stmt.where(Referral.organization_id == f.organization_id)
    if f.since is not None:
        stmt = stmt.where(Referral.updated >= f.since)
    return stmt


# The orders a page may come in: newest change first (lists), or the longest overdue first
# (the follow-up queue: the earliest follow-up time first).
ORDERS = {
    "updated": (Referral.updated.desc(), Referral.id.desc()),
    "due": (Referral.due_at.asc(), Referral.id.asc()),
}


def page(
    session: Session,
    actor: Actor,
    filters: Filters,
    number: int = 1,
    size: int = 50,
    now: dt.datetime | None = None,
    *,
    order: str = "updated",
) -> tuple[list[Referral], int]:
    """One page of the referrals this actor may see, newest change first (or `order="due"`:
    the earliest follow-up time first), and how many match; each referral listed is an
    audited read, and so is its client's when the actor sees any of the client's data (as
    in `referral`)."""
    now = now or utcnow()
    total = session.scalar(_filtered(select(func.count(Referral.id)), actor, filters, now)) or 0  # type: ignore[arg-type]
    stmt = _filtered(select(Referral), actor, filters, now).options(
        selectinload(Referral.hold), selectinload(Referral.consent), selectinload(Referral.client)
    )
    rows = list(session.scalars(stmt.order_by(*ORDERS[order]).offset((number - 1) * size).limit(size)))
    for row in rows:
        _read(session, actor, "referral", row.id, now)
        if access.shared_fields(actor, row, now):
            _read(session, actor, "client", row.client_id, now)
    return rows, total


def overdue(actor: Actor, referral: Referral, now: dt.datetime) -> bool:
    return referral.due_at is not None and referral.due_at < now


@dataclass(frozen=True)
class Overdue:
    """One referral of the follow-up queue: since when it has stood in its status (its last
    event, the log being the truth) and how far it is past its follow-up time."""

    referral: Referral
    since: dt.datetime
    late: dt.timedelta


# What the follow-up queue holds: open referrals past their due time (as overdue_count counts).
QUEUE = Filters(statuses=tuple(sorted(lifecycle.OPEN)), overdue=True)


def follow_up(
    session: Session, actor: Actor, number: int = 1, size: int = 50, now: dt.datetime | None = None
) -> tuple[list[Overdue], int]:
    """The follow-up queue: the open referrals this actor may see that are past the time the
    settings give their status, the longest overdue first, and how many there are; a page of
    `page` (so each is an audited read), with when each entered its status."""
    now = now or utcnow()
    rows, total = page(session, actor, QUEUE, number, size, now, order="due")
    entered: dict[uuid.UUID, dt.datetime] = {}
    if rows:
        last = (
            select(ReferralEvent.referral_id, func.max(ReferralEvent.at))
            .where(ReferralEvent.referral_id.in_([r.id for r in rows]))
            .group_by(ReferralEvent.referral_id)
        )
        entered = {rid: at for rid, at in session.execute(last)}
    out = []
    for row in rows:
        assert row.due_at is not None  # QUEUE holds only referrals with a due time
        out.append(Overdue(row, entered.get(row.id, row.updated), now - row.due_at))
    return out, total


def referred_to(session: Session, actor: Actor) -> list[tuple[uuid.UUID, str, uuid.UUID, str]]:
    """(organization id, its name, service id, its name) of every service the referrals this
    actor may see went to, by organization and service name: the choices of a list's
    provider and service filters (names of the catalog only; no client data, no audit)."""
    stmt = (
        select(Organization.id, Organization.name, Service.id, Service.name)
        .join(Referral, Referral.service_id == Service.id)
        .join(Organization, Organization.id == Referral.organization_id)
        .where(access.visible(actor))
        .distinct()
        .order_by(Organization.name, Service.name, Service.id)
    )
    return [(o, on, s, sn) for o, on, s, sn in session.execute(stmt)]


def organization_names(session: Session, ids: Sequence[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """Names of these organizations (a consent's provider), in one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    stmt = select(Organization.id, Organization.name).where(Organization.id.in_(wanted))
    return {oid: name for oid, name in session.execute(stmt)}


@dataclass(frozen=True)
class Incoming:
    """One referral as its receiving provider sees it: the client's consented fields only."""

    referral: Referral
    service: str | None  # the service's name
    team: str | None  # the referring team's name
    fields: tuple[str, ...]  # the client fields the consent opens to this provider
    client: dict[str, Any]  # those fields' values (and the client's id)
    moves: list[str]  # the statuses this provider may move it to now


def _incoming(session: Session, actor: Actor, rows: Sequence[Referral], now: dt.datetime) -> list[Incoming]:
    service_ids = {r.service_id for r in rows if r.service_id is not None}
    team_ids = {r.team_id for r in rows}
    services = (
        dict(session.execute(select(Service.id, Service.name).where(Service.id.in_(service_ids))).all())
        if service_ids
        else {}
    )
    teams = (
        dict(session.execute(select(Team.id, Team.name).where(Team.id.in_(team_ids))).all()) if rows else {}
    )
    out = []
    for row in rows:
        fields = access.shared_fields(actor, row, now)
        _read(session, actor, "referral", row.id, now)
        if fields:
            _read(session, actor, "client", row.client_id, now)
        out.append(
            Incoming(
                referral=row,
                service=services.get(row.service_id) if row.service_id else None,
                team=teams.get(row.team_id),
                fields=fields,
                client=access.client_values(row.client, fields) if fields else {},
                moves=lifecycle.allowed(row.status, row.mode, access.sides(actor, row)),
            )
        )
    return out


def inbox(
    session: Session,
    actor: Actor,
    *,
    open_only: bool = True,
    limit: int = 200,
    now: dt.datetime | None = None,
) -> list[Incoming]:
    """A provider's incoming referrals (its organizations', never drafts), newest first; the
    open ones only unless asked. Each is an audited read, and so is its client's when the
    consent opens any of the client's data to this provider."""
    now = now or utcnow()
    if actor.role != "provider":
        return []
    stmt = select(Referral).where(access.visible(actor))
    if open_only:
        stmt = stmt.where(Referral.status.in_(sorted(lifecycle.OPEN)))
    stmt = stmt.options(
        selectinload(Referral.hold), selectinload(Referral.consent), selectinload(Referral.client)
    )
    rows = list(session.scalars(stmt.order_by(Referral.created.desc(), Referral.id.desc()).limit(limit)))
    return _incoming(session, actor, rows, now)


def incoming(
    session: Session, actor: Actor, referral_id: uuid.UUID, now: dt.datetime | None = None
) -> Incoming:
    """One referral of the inbox with its events and handoff log (404 for anyone else's)."""
    now = now or utcnow()
    found = visible_referral(session, actor, referral_id)
    return _incoming(session, actor, [found], now)[0]


@dataclass(frozen=True)
class ClientRecord:
    client: Client
    referrals: list[Referral]
    consents: list[Consent]


def client_record(
    session: Session, actor: Actor, client_id: uuid.UUID, now: dt.datetime | None = None
) -> ClientRecord:
    """A client with their referral history and consent records, newest first: an audited
    read of the client and of each referral listed (the client must be the actor's team's,
    else 404)."""
    now = now or utcnow()
    found = client(session, actor, client_id, now)
    history = select(Referral).where(Referral.client_id == client_id, access.visible(actor))
    history = history.options(selectinload(Referral.hold), selectinload(Referral.consent))
    consents = select(Consent).where(Consent.client_id == client_id)
    referrals = list(session.scalars(history.order_by(Referral.created.desc(), Referral.id)))
    for row in referrals:
        _read(session, actor, "referral", row.id, now)
    return ClientRecord(
        found,
        referrals,
        list(session.scalars(consents.order_by(Consent.recorded_at.desc(), Consent.id))),
    )


def referring_team(session: Session, referral: Referral) -> str | None:
    """The name of the team a referral came from (no client data): whom a provider asks."""
    return session.scalar(select(Team.name).where(Team.id == referral.team_id))


def overdue_count(session: Session, actor: Actor, now: dt.datetime | None = None) -> int:
    """How many open referrals this actor may see are past their follow-up time (the nav's
    reminder; a count reads no client data, so it is not an audited read)."""
    stmt = select(func.count(Referral.id)).where(
        access.visible(actor),
        Referral.status.in_(sorted(lifecycle.OPEN)),
        Referral.due_at.is_not(None),
        Referral.due_at < (now or utcnow()),
    )
    return int(session.scalar(stmt) or 0)


def waiting_count(session: Session, actor: Actor) -> int:
    """How many referrals wait for this provider's answer (`requested`)."""
    if actor.role != "provider":
        return 0
    stmt = select(func.count(Referral.id)).where(access.visible(actor), Referral.status == "requested")
    return int(session.scalar(stmt) or 0)


def state_tag(referral: Referral) -> str:
    """The version of a referral's state, for its page's poll (an ETag): its status, its last
    event and its last handoff contact; any move or contact gives a new one."""
    last_event = referral.events[-1].id if referral.events else ""
    last_contact = referral.contacts[-1].id if referral.contacts else ""
    seed = f"{referral.id}|{referral.status}|{last_event}|{last_contact}"
    return hashlib.sha256(seed.encode()).hexdigest()[:20]


def referral_state(
    session: Session,
    actor: Actor,
    referral_id: uuid.UUID,
    seen: Container[str],
    now: dt.datetime | None = None,
) -> tuple[Referral, str, bool]:
    """The referral (404 unless the actor may see it), its `state_tag`, and whether that
    differs from every tag in `seen` (the If-None-Match of a poll). Only a changed state is an
    audited read: a poll every 15 s that learns nothing new discloses nothing, and the state
    itself holds no client data (status, when, who moved it)."""
    found = visible_referral(session, actor, referral_id)
    tag = state_tag(found)
    changed = tag not in seen
    if changed:
        _read(session, actor, "referral", found.id, now or utcnow())
    return found, tag, changed


def proposed_clients(
    session: Session, actor: Actor, person: repeat.Person, now: dt.datetime | None = None
) -> list[tuple[repeat.Proposal, Client]]:
    """The team's clients who may be this person (`history.proposals`, which audits the read
    of each one proposed), with their records to show the worker; never a merge."""
    found = history.proposals(session, actor, person, now)
    if not found:
        return []
    stmt = select(Client).where(Client.id.in_([p.client_id for p in found]), Client.team_id == actor.team_id)
    rows = {c.id: c for c in session.scalars(stmt)}
    return [(p, rows[p.client_id]) for p in found if p.client_id in rows]
