"""API tokens: made for a user with scopes, shown once, kept hashed, revocable, may expire.

`linkage token create` makes them (an admin's tool, for anyone); `authenticate` turns an
`Authorization: Bearer` value into the token's user, or says why not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from accounts import audit, queries
from accounts.audit import Actor
from accounts.models import SCOPES, ApiToken, Role, User
from kernel.db import utcnow
from kernel.errors import Problem

LAST_USE_EVERY = dt.timedelta(minutes=1)
# The scopes a provider's own token may hold: their catalog and their services' capacity.
PROVIDER_SCOPES = ("catalog:read", "capacity:write")
PREFIX = "lkt_"  # makes a leaked token easy to recognise (secret scanners, logs)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def create(
    session: Session,
    email: str,
    scopes: Sequence[str],
    actor: Actor,
    *,
    expires: dt.datetime | None = None,
) -> NewToken:
    user = queries.user_by_email(session, email)
    if user is None:
        raise Problem(404, f"There is no account for {email.strip().lower()}.", param="email")
    if not user.active:
        raise Problem(400, f"The account {user.email} is disabled.", param="email")
    if not scopes:
        raise Problem(400, "Give at least one --scope: " + ", ".join(SCOPES) + ".", param="scope")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise Problem(400, f"Unknown scope {unknown[0]!r}: use " + ", ".join(SCOPES) + ".", param="scope")
    if expires is not None and expires <= utcnow():
        raise Problem(400, "The expiry must be in the future.", param="expires")
    secret = PREFIX + secrets.token_urlsafe(32)
    wanted = " ".join(s for s in SCOPES if s in scopes)
    token = ApiToken(id=uuid.uuid4(), user=user, token_hash=_digest(secret), scopes=wanted, expires=expires)
    session.add(token)
    session.flush()
    detail = f"for {user.email}; scopes {wanted}" + (f"; expires {expires.isoformat()}" if expires else "")
    audit.record(session, actor, "token_create", record_type="api_token", record_id=token.id, detail=detail)
    return NewToken(token, secret)


def scopes_for(user: User) -> tuple[str, ...]:
    """The scopes a user may put on a token they make for themselves."""
    return SCOPES if user.role is Role.admin else PROVIDER_SCOPES


def create_own(
    session: Session,
    user: User,
    scopes: Sequence[str],
    actor: Actor,
    *,
    expires: dt.datetime | None = None,
) -> NewToken:
    """A token a provider (or an admin) makes for themselves: it acts as them, so a provider's
    reaches only their own organizations, and holds only the scopes their role may hold."""
    allowed = scopes_for(user)
    refused = [s for s in scopes if s not in allowed]
    if refused:
        raise Problem(
            400,
            f"Your token may not hold the scope {refused[0]!r}: choose from " + ", ".join(allowed) + ".",
            param="scope",
        )
    return create(session, user.email, scopes, actor, expires=expires)


def revoke(session: Session, token_id: str, actor: Actor, *, owner: User | None = None) -> ApiToken:
    """Revoke a token; with `owner`, only one of theirs (another's is "no such token")."""
    try:
        key = uuid.UUID(token_id)
    except ValueError:
        raise Problem(400, f"{token_id!r} is not a token id.", param="id") from None
    token = session.get(ApiToken, key)
    if token is None or (owner is not None and token.user_id != owner.id):
        raise Problem(404, f"No token has the id {token_id}.", param="id")
    if token.revoked is None:
        token.revoked = utcnow()
    audit.record(session, actor, "token_revoke", record_type="api_token", record_id=token.id)
    return token


def listing(session: Session, email: str | None = None) -> list[ApiToken]:
    query = select(ApiToken).options(selectinload(ApiToken.user)).order_by(ApiToken.created)
    if email:
        query = query.join(User).where(User.email == email.strip().lower())
    return list(session.scalars(query))


def record_use(session: Session, token: ApiToken, address: str | None, method: str, path: str) -> None:
    """The audit row of one request made with `token`: the method and path only, never the
    query string (it may hold the text of a search)."""
    actor = Actor(token.user.email, token.user_id, address)
    audit.record(
        session, actor, "token_use", record_type="api_token", record_id=token.id, detail=f"{method} {path}"
    )


class Unauthorized(Exception):
    """No usable token; the message says why, for the 401 problem document."""


def authenticate(session: Session, header: str, now: dt.datetime) -> ApiToken:
    """The token of an `Authorization: Bearer ...` value; records its last use."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("The Authorization header must be 'Bearer <token>'.")
    token = session.scalars(
        select(ApiToken)
        .options(selectinload(ApiToken.user))
        .where(ApiToken.token_hash == _digest(value.strip()))
    ).first()
    if token is None:
        raise Unauthorized("The token is not known.")
    if token.revoked is not None:
        raise Unauthorized("The token was revoked.")
    if token.expires is not None and token.expires <= now:
        raise Unauthorized("The token has expired.")
    if not token.user.active:
        raise Unauthorized("The token's account is disabled.")
    if token.last_used is None or now - token.last_used > LAST_USE_EVERY:
        token.last_used = now  # at most once a minute, so a busy feed does not write every request
    return token
