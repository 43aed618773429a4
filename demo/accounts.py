"""The demo's accounts: one per role, with generated passwords, so each view can be tried.

The only accounts Linkage ever makes by itself; a real deployment starts with
`linkage user add EMAIL --role admin`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import audit, queries, services
from accounts.models import Role
from catalog.models import Organization, Service

DOMAIN = "demo.linkage.example"  # .example is reserved (RFC 2606): no one receives mail there


def shelter_organization(session: Session) -> Organization | None:
    """The organization of the demo's first shelter by name: the provider account's."""
    query = (
        select(Organization)
        .join(Service, Service.organization_id == Organization.id)
        .where(Service.name.ilike("%shelter%"))
        .order_by(Service.name)
        .limit(1)
    )
    return session.scalars(query).first()


def create_demo_accounts(session: Session) -> list[tuple[str, str, str | None]]:
    """(email, role, password) for each role; the password is None when the account existed."""
    actor = audit.command_line()
    out: list[tuple[str, str, str | None]] = []
    for role in Role:
        email = f"{role.value.replace('_', '-')}@{DOMAIN}"
        if queries.user_by_email(session, email) is not None:
            out.append((email, role.value, None))
            continue
        orgs: list[str] = []
        if role is Role.provider:
            org = shelter_organization(session)
            if org is None:
                continue
            orgs = [str(org.id)]
        made = services.create_user(session, email, role.value, actor, organizations=orgs)
        out.append((email, role.value, made.password))
    return out
