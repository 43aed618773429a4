"""Who the current request acts for, as plain values any package may read.

`accounts` decides it (a signed-in session now; an API token later) and sets it before each
request; authorization (an `@admits(...)` declaration on a route) and the audit log read it
here, so no domain package has to import `accounts` to know who is asking.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from flask import g, has_request_context


@dataclass(frozen=True)
class Identity:
    user_id: uuid.UUID | None = None
    email: str | None = None
    role: str | None = None  # social_worker, officer, provider, coordinator, admin
    team_id: uuid.UUID | None = None
    team: str | None = None
    organizations: frozenset[uuid.UUID] = field(default_factory=frozenset)
    scopes: frozenset[str] | None = None  # a token's scopes; None for a signed-in session

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None


ANONYMOUS = Identity()


def current_identity() -> Identity:
    """The identity of the current request, or ANONYMOUS (also outside a request)."""
    if not has_request_context():
        return ANONYMOUS
    found = g.get("identity", ANONYMOUS)
    return found if isinstance(found, Identity) else ANONYMOUS


def set_identity(identity: Identity) -> None:
    g.identity = identity
