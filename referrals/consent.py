"""The consent rules: nothing about a client reaches a provider without it.

Sharing with a provider needs a consent that is given, unexpired, not revoked and names
that provider (its organization). A referral to a substance-use treatment service needs
more, as 42 CFR Part 2 requires: the consent must be written or electronic (not verbal)
and name the receiving provider. A service is such a service when the catalog files it
under the taxonomy term "Addiction & Recovery" or any of its descendants (Detox,
Outpatient Treatment, Residential Treatment, ...), or marks it with an attribute of
`link_type` `part_2`.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import Attribute, TaxonomyTerm
from referrals.models import Consent

PART_2_TERM = "addiction & recovery"  # compared case-insensitively, with its descendants
PART_2_LINK = "part_2"
PART_2_METHODS = ("written", "electronic")
# Said in plain words on the form and in the API's 422.
PART_2_RULE = (
    "This is a substance-use treatment service. Federal law (42 CFR Part 2) requires the "
    "client's written or electronic consent naming this provider before anything is shared; "
    "verbal consent is not enough."
)
NOT_GIVEN = "The client has not consented to sharing with this provider, so the referral cannot be sent."
_MAX_DEPTH = 12  # taxonomies are shallow; a cycle in bad data must not loop forever


def valid_for(consent: Consent, organization_id: uuid.UUID | None, now: dt.datetime) -> bool:
    """Given, unexpired, unrevoked, and naming this provider."""
    return (
        consent.given
        and consent.revoked_at is None
        and (consent.expires_at is None or consent.expires_at > now)
        and organization_id is not None
        and consent.organization_id == organization_id
    )


def meets_part_2(consent: Consent, organization_id: uuid.UUID | None, now: dt.datetime) -> bool:
    return valid_for(consent, organization_id, now) and consent.method in PART_2_METHODS


def needs_part_2(session: Session, service_id: uuid.UUID) -> bool:
    """Is this a substance-use treatment service (its terms or their ancestors, or the
    catalog's `part_2` attribute)?"""
    attrs = select(Attribute.link_type, Attribute.taxonomy_term_id).where(Attribute.link_id == service_id)
    frontier: set[uuid.UUID] = set()
    for link_type, term_id in session.execute(attrs):
        if (link_type or "").strip().lower() == PART_2_LINK:
            return True
        if term_id is not None:
            frontier.add(term_id)
    seen: set[uuid.UUID] = set()
    for _ in range(_MAX_DEPTH):
        frontier -= seen
        if not frontier:
            return False
        seen |= frontier
        rows = session.execute(
            select(func.lower(TaxonomyTerm.name), TaxonomyTerm.parent_id).where(TaxonomyTerm.id.in_(frontier))
        ).all()
        if any(name == PART_2_TERM for name, _ in rows):
            return True
        frontier = {parent for _, parent in rows if parent is not None}
    return False
