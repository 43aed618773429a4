"""Who acts on a referral, and what each may see: the team rule in one place.

A client and its referrals belong to the team that made them: its social workers, officers
and coordinators see and change them. The receiving provider's users (those bound to the
referral's organization) see a referral once it is sent, and the client's data only while
the referral is open and the client's consent naming them is given, unexpired and not
revoked; then only the fields the consent covers. Administrators and other teams see
nothing. `visible` is the same rule in SQL, for lists.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, false
from sqlalchemy.sql.elements import ColumnElement

from accounts import audit
from accounts.models import TEAM_ROLES, User
from kernel.identity import Identity
from referrals import consent as consent_rules
from referrals.lifecycle import OPEN, PROVIDER, TEAM
from referrals.models import CLIENT_FIELDS, Client, Referral

_TEAM_ROLES = frozenset(r.value for r in TEAM_ROLES)


@dataclass(frozen=True)
class Actor:
    """Who makes a move or reads: a user (from a session or a token), or the holder of a
    provider's signed link (no account; `organizations` names the provider it speaks for)."""

    label: str
    user_id: uuid.UUID | None = None
    role: str | None = None
    team_id: uuid.UUID | None = None
    organizations: frozenset[uuid.UUID] = field(default_factory=frozenset)
    address: str | None = None
    channel: str = "web"  # web, api, email-link, phone

    @classmethod
    def of(cls, who: Identity, *, address: str | None = None, channel: str = "web") -> Actor:
        return cls(who.email or "", who.user_id, who.role, who.team_id, who.organizations, address, channel)

    @classmethod
    def of_user(cls, user: User, *, address: str | None = None, channel: str = "web") -> Actor:
        orgs = frozenset(o.id for o in user.organizations)
        return cls(user.email, user.id, user.role.value, user.team_id, orgs, address, channel)

    @classmethod
    def signed_link(cls, organization_id: uuid.UUID, label: str, *, address: str | None = None) -> Actor:
        """A provider answering from an e-mailed link: acts as that provider, channel email-link."""
        return cls(label, None, "provider", None, frozenset({organization_id}), address, "email-link")

    def audit(self) -> audit.Actor:
        return audit.Actor(self.label, self.user_id, self.address)

    def with_channel(self, channel: str) -> Actor:
        return Actor(
            self.label, self.user_id, self.role, self.team_id, self.organizations, self.address, channel
        )


def in_team(actor: Actor, team_id: uuid.UUID | None) -> bool:
    return actor.role in _TEAM_ROLES and actor.team_id is not None and actor.team_id == team_id


def is_receiving_provider(actor: Actor, referral: Referral) -> bool:
    return (
        actor.role == "provider"
        and referral.organization_id is not None
        and referral.organization_id in actor.organizations
    )


def sides(actor: Actor, referral: Referral) -> frozenset[str]:
    """team, provider, both or neither, for the lifecycle table."""
    out = set()
    if in_team(actor, referral.team_id):
        out.add(TEAM)
    if is_receiving_provider(actor, referral) and referral.status != "draft":
        out.add(PROVIDER)
    return frozenset(out)


def may_see(actor: Actor, referral: Referral) -> bool:
    return bool(sides(actor, referral))


def may_see_client(actor: Actor, client: Client) -> bool:
    """The client record itself (not through a referral): its team only."""
    return in_team(actor, client.team_id)


def shared_fields(actor: Actor, referral: Referral, now: dt.datetime) -> tuple[str, ...]:
    """The client fields this actor may read through this referral (all of them for the team)."""
    if in_team(actor, referral.team_id):
        return CLIENT_FIELDS
    if not is_receiving_provider(actor, referral) or referral.status not in OPEN:
        return ()
    given = referral.consent
    if given is None or not consent_rules.valid_for(given, referral.organization_id, now):
        return ()
    return tuple(f for f in CLIENT_FIELDS if f in given.fields)


def visible(actor: Actor) -> ColumnElement[bool]:
    """The referrals this actor may list, as a WHERE clause."""
    if actor.role in _TEAM_ROLES and actor.team_id is not None:
        return Referral.team_id == actor.team_id
    if actor.role == "provider" and actor.organizations:
        return and_(Referral.organization_id.in_(actor.organizations), Referral.status != "draft")
    return false()


def client_values(client: Client, fields: tuple[str, ...]) -> dict[str, Any]:
    return {"id": str(client.id), **{f: getattr(client, f) for f in fields}}
