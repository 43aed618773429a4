"""A referral read from the database into `referrals.fhir.ReferralSnapshot`, the plain value
its FHIR Bundle is made from (the mapping itself stays pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy.orm import Session

from accounts.models import Team, User
from catalog.models import Organization, Service
from kernel.db import utcnow
from referrals import access, fhir, lifecycle
from referrals import consent as consent_rules
from referrals.access import Actor
from referrals.models import Referral

DEFAULT_LABELS: Mapping[str, str] = {**lifecycle.REASONS, **lifecycle.OUTCOMES}


def _named(row: Organization | Service | Team | None) -> fhir.Named | None:
    return None if row is None else fhir.Named(row.id, row.name)


def snapshot(
    session: Session,
    referral: Referral,
    actor: Actor,
    labels: Mapping[str, str] = DEFAULT_LABELS,
    now: dt.datetime | None = None,
) -> fhir.ReferralSnapshot:
    """The referral as `actor` may see it: the client fields it may read (all for the team,
    the consented ones for the receiving provider while the referral is open); the mapper
    then keeps only what the consent opens to the receiving provider."""
    now = now or utcnow()
    readable = set(access.shared_fields(actor, referral, now))
    client = referral.client
    values = {f: getattr(client, f) for f in fhir.PATIENT_FIELDS if f in readable}
    if client.contact_preference == "do_not_contact":
        values["contact_preference"] = "do_not_contact"  # a flag that protects the client
    fields = fhir.ClientFields(id=client.id, **values)
    creator = session.get(User, referral.created_by) if referral.created_by else None
    team = session.get(Team, referral.team_id)
    requester = fhir.Requester(
        user_id=creator.id if creator else referral.team_id,
        display=creator.email if creator else (team.name if team else "Linkage"),
        email=creator.email if creator else None,
        team=_named(team),
    )
    given = referral.consent
    record = None
    if given is not None:
        recorder = session.get(User, given.recorded_by) if given.recorded_by else None
        part_2 = referral.service_id is not None and consent_rules.needs_part_2(session, referral.service_id)
        record = fhir.ConsentRecord(
            id=given.id,
            given=given.given,
            method=given.method,
            organization=_named(session.get(Organization, given.organization_id))
            if given.organization_id
            else None,
            fields=given.fields,
            recorded_at=given.recorded_at,
            recorded_by=recorder.email if recorder else None,
            expires_at=given.expires_at,
            revoked_at=given.revoked_at,
            part_2=part_2,
        )
    last = referral.events[-1] if referral.events else None
    reason = None
    if last is not None and last.reason:
        words = last.note if last.reason == lifecycle.OTHER else None
        reason = fhir.Reason(last.reason, labels.get(last.reason, last.reason), words)
    return fhir.ReferralSnapshot(
        id=referral.id,
        status=referral.status,
        authored_on=referral.created,
        requester=requester,
        owner=_named(session.get(Organization, referral.organization_id))
        if referral.organization_id
        else None,
        service=_named(session.get(Service, referral.service_id)) if referral.service_id else None,
        need=fhir.Need(referral.need) if referral.need else None,
        client=fields,
        consent=record,
        reason=reason,
        last_modified=last.at if last is not None else referral.updated,
    )
