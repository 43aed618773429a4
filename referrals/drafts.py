"""Completing a draft: an officer at the scene starts a referral and saves it as a draft; a
social worker of the team (or its author) completes it later, with the client's consent, and
sends it.

A write and its rules, as in `referrals.services`: it takes a session, an `Actor` and plain
values, never commits, and raises `kernel.errors.Problem` naming the field. The consent is
recorded as the new-referral form records it (who, when, how, which data, until when); the
sending itself is `services.transition` (the event, the follow-up time, the audit row and the
provider's e-mail in the outbox), so a completed draft is sent exactly as a draft sent from
its page would be.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from accounts import audit
from catalog import capacity
from catalog.models import Service
from kernel.db import utcnow
from kernel.errors import Problem
from referrals import access, lifecycle, needs, services
from referrals.access import Actor
from referrals.models import MODES, Referral


@dataclass(frozen=True)
class Completion:
    """What the person completing a draft gives: the consent, and the draft's fields as checked."""

    consent: services.ConsentInput
    need: str | None = None
    note: str | None = None
    mode: str = "live"
    hold: bool = False
    capacity_id: uuid.UUID | None = None


def team_draft(session: Session, actor: Actor, referral_id: uuid.UUID) -> Referral:
    """The draft if it is this actor's team's (404 otherwise, as for any referral of another
    team); 409 when it was sent, cancelled or corrected meanwhile."""
    referral = services.visible_referral(session, actor, referral_id)
    if lifecycle.TEAM not in access.sides(actor, referral):
        raise Problem(404, services.NOT_FOUND)
    if referral.status != "draft":
        raise Problem(
            409,
            f"This referral is {referral.status}, not a draft: there is nothing left to complete.",
            title="Conflict",
            param="status",
        )
    return referral


def complete(
    session: Session,
    actor: Actor,
    referral_id: uuid.UUID,
    data: Completion,
    settings: services.Settings,
    now: dt.datetime | None = None,
) -> Referral:
    """Record the consent, take the checked need, note and mode (and a hold if asked and none
    is active), then send the draft. A consent refused, missing or not enough for Part 2 is a
    422 naming the consent's field, and the edge rolls everything back."""
    now = now or utcnow()
    referral = team_draft(session, actor, referral_id)
    if data.mode not in MODES:
        raise Problem(422, "mode must be live or logged.", title="Invalid field", param="mode")
    note = services._note(data.note)  # noqa: SLF001 (one length rule for every note)
    need = needs.readable(session, services._note(data.need, "need"))  # noqa: SLF001
    given = services.record_consent(
        session, actor, referral.client, data.consent, referral.organization_id, now
    )
    referral.consent_id = given.id
    referral.consent = given
    referral.need = need
    referral.note = note
    referral.mode = data.mode
    if data.hold and (referral.hold is None or referral.hold.state(now) != "active"):
        service = session.get(Service, referral.service_id) if referral.service_id else None
        if service is None:
            raise Problem(
                422, "The service no longer reports free places.", title="Invalid field", param="hold"
            )
        figure = services._capacity_to_hold(session, service, data.capacity_id)  # noqa: SLF001
        hold = capacity.take(session, figure.id, now, settings.hold_minutes, actor.user_id)
        referral.hold_id = hold.id
        referral.hold = hold
    audit.record(
        session,
        actor.audit(),
        "referral_complete",
        record_type="referral",
        record_id=referral.id,
        detail="draft completed with consent",
        at=now,
    )
    session.flush()
    return services.transition(session, actor, referral.id, "requested", settings, now=now)
