"""A referral (and a client) as plain JSON-ready values, for the API and for pages alike.

One shape everywhere: what an actor may read of the client is `access.shared_fields`, the
moves it may make are the lifecycle table's (`services.allowed_moves`), and a hold's state is
decided at `now` (an expired hold is simply expired; nothing had to run). These functions
read what their caller loaded through `referrals.queries`, which audits every read.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.capacity import Hold
from catalog.models import Organization, Service
from referrals import access, consent, lifecycle, queries
from referrals.access import Actor
from referrals.models import CLIENT_FIELDS, Client, Consent, Referral, ReferralContact, ReferralEvent
from referrals.services import Settings, allowed_moves


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _id(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


def labels(settings: Settings) -> dict[str, str]:
    """Reason and outcome codes to their labels (both share an event's `reason`)."""
    return {**settings.reasons.terms, **settings.outcomes.terms}


def hold(row: Hold | None, now: dt.datetime) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "id": str(row.id),
        "capacity_id": str(row.capacity_id),
        "expires_at": _when(row.expires_at),
        "state": row.state(now),  # active, expired, released or accepted
        "accepted_at": _when(row.accepted_at),
        "released_at": _when(row.released_at),
    }


def consent_summary(row: Consent | None, organization_id: uuid.UUID | None, now: dt.datetime) -> Any:
    """What the client agreed to share, with whom, until when (no client data in it)."""
    if row is None:
        return None
    return {
        "id": str(row.id),
        "given": row.given,
        "method": row.method,
        "scope": {"organization_id": _id(row.organization_id), "data": list(row.fields)},
        "recorded_at": _when(row.recorded_at),
        "expires_at": _when(row.expires_at),
        "revoked_at": _when(row.revoked_at),
        "valid": consent.valid_for(row, organization_id, now),
    }


def event(row: ReferralEvent, names: Mapping[str, str]) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "at": _when(row.at),
        "actor": row.actor,
        "from": row.from_status,
        "to": row.to_status,
        "reason": row.reason,
        "reason_label": names.get(row.reason) if row.reason else None,
        "note": row.note,
        "channel": row.channel,
    }


def contact(row: ReferralContact) -> dict[str, Any]:
    return {"id": str(row.id), "at": _when(row.at), "actor": row.actor, "kind": row.kind, "note": row.note}


def names_of(session: Session, referrals: Iterable[Referral]) -> dict[uuid.UUID, str]:
    """Names of the services and organizations these referrals point at, in two queries."""
    rows = list(referrals)
    service_ids = {r.service_id for r in rows if r.service_id is not None}
    org_ids = {r.organization_id for r in rows if r.organization_id is not None}
    out: dict[uuid.UUID, str] = {}
    if service_ids:
        stmt = select(Service.id, Service.name).where(Service.id.in_(service_ids))
        out.update((row[0], row[1]) for row in session.execute(stmt))
    if org_ids:
        orgs = select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))
        out.update((row[0], row[1]) for row in session.execute(orgs))
    return out


def referral(
    row: Referral,
    actor: Actor,
    now: dt.datetime,
    names: Mapping[uuid.UUID, str],
    settings: Settings,
    *,
    detail: bool = True,
) -> dict[str, Any]:
    """The referral as this actor may see it. `detail` adds its events and contacts (a list
    leaves them out, so a page of fifty loads no event logs)."""
    fields = access.shared_fields(actor, row, now)
    body: dict[str, Any] = {
        "id": str(row.id),
        "status": row.status,
        "mode": row.mode,
        "client_id": str(row.client_id),
        "client": access.client_values(row.client, fields),
        "service": _named(row.service_id, names),
        "location_id": _id(row.location_id),
        "organization": _named(row.organization_id, names),
        "need": row.need,
        "note": row.note,
        "created": _when(row.created),
        "updated": _when(row.updated),
        "due_at": _when(row.due_at),
        "overdue": queries.overdue(actor, row, now),
        "hold": hold(row.hold, now),
        "consent": consent_summary(row.consent, row.organization_id, now),
        "allowed_moves": allowed_moves(actor, row),
        "open": row.status in lifecycle.OPEN,
    }
    if detail:
        reason_names = labels(settings)
        body["events"] = [event(e, reason_names) for e in row.events]
        body["contacts"] = [contact(c) for c in row.contacts]
    return body


def _named(value: uuid.UUID | None, names: Mapping[uuid.UUID, str]) -> dict[str, Any] | None:
    return None if value is None else {"id": str(value), "name": names.get(value)}


def client(row: Client, consents: Sequence[Consent], now: dt.datetime) -> dict[str, Any]:
    """A client record for its team: every field, and its consent records."""
    body = access.client_values(row, CLIENT_FIELDS)
    body["created"] = _when(row.created)
    body["consents"] = [consent_summary(c, c.organization_id, now) for c in consents]
    return body


def page_of(total: int, number: int, per_page: int, contents: list[Any]) -> dict[str, Any]:
    """The page envelope the HSDS API answers with (HSDS 3.0 `Page`), so an integrator meets
    one style of pagination across Linkage's APIs."""
    total_pages = math.ceil(total / per_page) if total else 0
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": number,
        "size": len(contents),
        "first_page": number == 1,
        "last_page": number >= total_pages,
        "empty": not contents,
        "contents": contents,
    }
