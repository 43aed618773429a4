"""Every write to accounts, with its rules and its audit row: users, teams, passwords, signing in.

Functions take a session and plain values and never commit; the CLI command or the request
commits once. Bad values raise `kernel.errors.Problem` naming the field, which the CLI prints
as one sentence and a page shows as one.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts import audit, passwords, queries, totp
from accounts.audit import Actor
from accounts.models import TEAM_ROLES, LoginAttempt, Role, Team, User, new_stamp
from catalog.models import Organization
from kernel.db import utcnow
from kernel.errors import Problem

DEFAULT_TEAM = "Default team"
# Throttling: this many failed sign-ins in the window, per account and per address, and the
# next attempt is refused until the oldest of them leaves the window.
MAX_FAILURES = 10
WINDOW = dt.timedelta(minutes=15)

_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


def normalize_email(email: str) -> str:
    """The form an address is stored and compared in: trimmed, lower-case; a bad one is a 400."""
    value = (email or "").strip().lower()
    if not value or len(value) > 254 or not _EMAIL.match(value):
        raise Problem(400, f"{email!r} is not an e-mail address (name@example.org).", param="email")
    return value


def parse_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise Problem(400, f"Unknown role {role!r}: use one of {names}.", param="role") from None


def _check_password(password: str, email: str, param: str = "password") -> None:
    try:
        passwords.check(password, email)
    except passwords.WeakPassword as exc:
        raise Problem(400, str(exc), param=param) from None


def default_team(session: Session, actor: Actor) -> Team:
    """The deployment's default team, made the first time it is needed."""
    team = session.scalars(select(Team).where(Team.is_default)).first()
    if team is None:
        team = add_team(session, DEFAULT_TEAM, actor, is_default=True)
    return team


def add_team(session: Session, name: str, actor: Actor, *, is_default: bool = False) -> Team:
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise Problem(400, "A team needs a name of 1 to 200 characters.", param="name")
    if queries.team_by_name(session, name) is not None:
        raise Problem(409, f"There is already a team named {name!r}.", param="name")
    team = Team(id=uuid.uuid4(), name=name, is_default=is_default)
    session.add(team)
    session.flush()
    audit.record(session, actor, "team_add", record_type="team", record_id=team.id, detail=name)
    return team


def _organizations(session: Session, ids: Sequence[str]) -> list[Organization]:
    found: list[Organization] = []
    for raw in ids:
        try:
            key = uuid.UUID(str(raw))
        except ValueError:
            raise Problem(400, f"{raw!r} is not an organization id (a UUID).", param="org") from None
        org = session.get(Organization, key)
        if org is None:
            raise Problem(400, f"No organization in the catalog has the id {raw}.", param="org")
        if org not in found:
            found.append(org)
    return found


def _placement(
    session: Session, role: Role, org_ids: Sequence[str], team_name: str | None, actor: Actor
) -> tuple[list[Organization], Team | None]:
    """The organizations and team a user of `role` gets: providers speak for organizations;
    social workers, officers and coordinators belong to a team (the default one unless named)."""
    if role is Role.provider and not org_ids:
        raise Problem(
            400, "A provider is bound to one or more organizations: give --org ORG_ID.", param="org"
        )
    if role is not Role.provider and org_ids:
        raise Problem(400, "Only providers are bound to organizations.", param="org")
    orgs = _organizations(session, org_ids)
    team: Team | None = None
    if team_name:
        team = queries.team_by_name(session, " ".join(team_name.split()))
        if team is None:
            raise Problem(400, f"No team is named {team_name!r} (linkage team add NAME).", param="team")
    elif role in TEAM_ROLES:
        team = default_team(session, actor)
    return orgs, team


@dataclass(frozen=True)
class NewUser:
    user: User
    password: str | None  # the generated password, to be shown once; None when one was given


def create_user(
    session: Session,
    email: str,
    role: str,
    actor: Actor,
    *,
    organizations: Sequence[str] = (),
    team: str | None = None,
    password: str | None = None,
) -> NewUser:
    address = normalize_email(email)
    kind = parse_role(role)
    if queries.user_by_email(session, address) is not None:
        raise Problem(409, f"There is already an account for {address}.", param="email")
    orgs, home = _placement(session, kind, organizations, team, actor)
    generated = None
    if password is None:
        password = generated = passwords.generate()
    _check_password(password, address)
    user = User(
        id=uuid.uuid4(),
        email=address,
        password_hash=passwords.hash_password(password),
        role=kind,
        team=home,
        organizations=orgs,
    )
    session.add(user)
    session.flush()
    detail = f"role={kind.value}"
    if home is not None:
        detail += f" team={home.name}"
    if orgs:
        detail += " organizations=" + ",".join(str(o.id) for o in orgs)
    audit.record(session, actor, "user_create", record_type="user", record_id=user.id, detail=detail)
    return NewUser(user, generated)


def _existing(session: Session, email: str) -> User:
    user = queries.user_by_email(session, normalize_email(email))
    if user is None:
        raise Problem(404, f"There is no account for {email.strip().lower()}.", param="email")
    return user


def set_active(session: Session, email: str, active: bool, actor: Actor) -> User:
    """Disable or enable an account; disabling ends its sessions at once."""
    user = _existing(session, email)
    if not active and actor.user_id == user.id:
        raise Problem(409, "You cannot disable your own account: ask another administrator.", param="email")
    if user.active != active:
        user.active = active
        if not active:
            user.session_stamp = new_stamp()
    action = "user_enable" if active else "user_disable"
    audit.record(session, actor, action, record_type="user", record_id=user.id)
    return user


def _placement_words(role: str, team: Any, organizations: Sequence[Any]) -> str:
    words = [role]
    if team is not None:
        words.append(f"team {team.name}")
    if organizations:
        words.append("organizations " + ",".join(sorted(str(o.id) for o in organizations)))
    return " ".join(words)


def set_role(
    session: Session,
    email: str,
    role: str,
    actor: Actor,
    *,
    organizations: Sequence[str] = (),
    team: str | None = None,
) -> User:
    user = _existing(session, email)
    kind = parse_role(role)
    if actor.user_id == user.id and user.role is Role.admin and kind is not Role.admin:
        # An admin demoting themselves could leave the deployment with none.
        raise Problem(
            409, "You cannot take the admin role from yourself: ask another administrator.", param="role"
        )
    if team is None and kind in TEAM_ROLES and user.team is not None:
        team = user.team.name  # a team role keeps its team unless another is named
    orgs, home = _placement(session, kind, organizations, team, actor)
    before = _placement_words(user.role.value, user.team, user.organizations)
    user.role, user.team, user.organizations = kind, home, orgs
    user.session_stamp = new_stamp()  # what a session may do changes: sign in again
    # The row says what changed, team and organizations included, so an auditor reading
    # "role_change" sees a move between teams too.
    detail = f"{before} -> {_placement_words(kind.value, home, orgs)}"
    audit.record(session, actor, "role_change", record_type="user", record_id=user.id, detail=detail)
    return user


def reset_password(session: Session, email: str, actor: Actor) -> str:
    """A new generated password (shown once); the old one and every session end."""
    user = _existing(session, email)
    password = passwords.generate()
    _store_password(user, password)
    audit.record(session, actor, "password_reset", record_type="user", record_id=user.id)
    return password


def _store_password(user: User, password: str) -> None:
    user.password_hash = passwords.hash_password(password)
    user.password_changed = utcnow()
    user.session_stamp = new_stamp()


def change_password(session: Session, user: User, current: str, new: str, actor: Actor) -> None:
    """The user's own change: the current password first, then the rule for the new one."""
    if not passwords.verify(user.password_hash, current):
        raise Problem(400, "The current password is not right.", param="current_password")
    _check_password(new, user.email, "new_password")
    if passwords.verify(user.password_hash, new):
        raise Problem(400, "The new password must differ from the current one.", param="new_password")
    _store_password(user, new)
    audit.record(session, actor, "password_change", record_type="user", record_id=user.id)


# ------------------------------------------------------------------ signing in


def record_logout(session: Session, actor: Actor) -> None:
    audit.record(session, actor, "logout", record_type="user", record_id=actor.user_id)


class Throttled(Exception):
    """Too many failed attempts for this account or from this address."""

    def __init__(self, retry_at: dt.datetime) -> None:
        super().__init__(f"too many failed sign-ins; retry at {retry_at.isoformat()}")
        self.retry_at = retry_at


def _tenth_latest_failure(session: Session, *conditions: object) -> dt.datetime | None:
    """The time of the MAX_FAILURES-th most recent failure in the window, when there are that many."""
    query = (
        select(LoginAttempt.at)
        .where(~LoginAttempt.succeeded, *conditions)  # type: ignore[arg-type]
        .order_by(LoginAttempt.at.desc())
        .offset(MAX_FAILURES - 1)
        .limit(1)
    )
    return session.scalar(query)


def retry_at(session: Session, email: str, address: str | None, now: dt.datetime) -> dt.datetime | None:
    """When the next attempt may be made, or None when it may be made now.

    Per account, the failures since its last successful sign-in count; per address, all of
    them. Both are read from the database, so every process and host sees the same count.
    """
    start = now - WINDOW
    last_ok = session.scalar(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.email == email, LoginAttempt.succeeded)
    )
    since = max(start, last_ok) if last_ok else start
    times = [_tenth_latest_failure(session, LoginAttempt.email == email, LoginAttempt.at > since)]
    if address:
        times.append(_tenth_latest_failure(session, LoginAttempt.address == address, LoginAttempt.at > start))
    blocked = [t + WINDOW for t in times if t is not None]
    return max(blocked) if blocked else None


def check_password(
    session: Session, email: str, password: str, address: str | None, now: dt.datetime | None = None
) -> User | None:
    """The user whose e-mail and password these are, or None; raises Throttled.

    The answer is the same for an unknown address, a wrong password and a disabled account,
    and each costs one password hash, so neither the message nor the time says which. A
    failure is recorded here; a success is not yet a sign-in (see `complete_sign_in`), so a
    right password alone never clears the account's count of failed second-factor codes.
    """
    now = now or utcnow()
    tried = (email or "").strip().lower()[:254]
    _refuse_if_throttled(session, tried, address, now)
    user = queries.user_by_email(session, tried) if tried else None
    if user is None:
        ok = passwords.verify_nobody(password)
    else:
        ok = passwords.verify(user.password_hash, password) and user.active
    if not ok or user is None:
        session.add(LoginAttempt(at=now, email=tried, address=address, succeeded=False))
        actor = Actor(tried or "(no e-mail given)", None, address)  # whoever typed it
        audit.record(
            session, actor, "login_failure", record_type="user", record_id=user.id if user else None, at=now
        )
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def _refuse_if_throttled(session: Session, email: str, address: str | None, now: dt.datetime) -> None:
    blocked = retry_at(session, email, address, now)
    if blocked is not None and blocked > now:
        raise Throttled(blocked)


def complete_sign_in(
    session: Session,
    user: User,
    address: str | None,
    now: dt.datetime | None = None,
    detail: str | None = None,
) -> None:
    """The sign-in succeeded (password, and the second factor when the user has one)."""
    now = now or utcnow()
    session.add(LoginAttempt(at=now, email=user.email, address=address, succeeded=True))
    actor = Actor(user.email, user.id, address)
    audit.record(session, actor, "login", record_type="user", record_id=user.id, at=now, detail=detail)


def sign_in(
    session: Session, email: str, password: str, address: str | None, now: dt.datetime | None = None
) -> User | None:
    """Password only: for an account without a second factor (the page asks for one when due)."""
    now = now or utcnow()
    user = check_password(session, email, password, address, now)
    if user is not None:
        complete_sign_in(session, user, address, now)
    return user


def second_factor_sign_in(
    session: Session, user: User, code: str, address: str | None, now: dt.datetime | None = None
) -> bool:
    """The second step: a code from the app or a recovery code. A wrong code is a failed
    sign-in attempt, counted by the same throttle as wrong passwords; raises Throttled."""
    now = now or utcnow()
    _refuse_if_throttled(session, user.email, address, now)
    actor = Actor(user.email, user.id, address)
    how = totp.check(session, user, code, now)
    if how is None:
        session.add(LoginAttempt(at=now, email=user.email, address=address, succeeded=False))
        audit.record(
            session,
            actor,
            "login_failure",
            record_type="user",
            record_id=user.id,
            at=now,
            detail="second factor",
        )
        return False
    if how == "recovery code":
        left = totp.recovery_left(session, user)
        audit.record(
            session,
            actor,
            "mfa_recovery_used",
            record_type="user",
            record_id=user.id,
            at=now,
            detail=f"{left} left",
        )
    complete_sign_in(session, user, address, now, detail=f"second factor: {how}")
    return True


# ------------------------------------------------------------------ the second factor


def disable_second_factor(
    session: Session, user: User, code: str, actor: Actor, configured: tuple[str, ...]
) -> None:
    """The user's own choice to turn it off: not when their role requires it, and only with a
    current code (a session left open is not enough)."""
    if totp.is_required(session, user, configured):
        raise Problem(409, _("Your role requires a second factor, so it cannot be turned off."), param="code")
    if not totp.enabled(session, user):
        raise Problem(409, _("The second factor is not on."), param="code")
    if totp.check(session, user, code) is None:
        raise Problem(400, _("That code is not right."), param="code")
    totp.remove(session, user)
    audit.record(session, actor, "mfa_disable", record_type="user", record_id=user.id)


def reset_second_factor(session: Session, email: str, actor: Actor) -> User:
    """For a lost phone: the secret and recovery codes go, every session ends; the user enrols
    again at the next sign-in if their role requires it, or when they choose."""
    user = _existing(session, email)
    if not totp.remove(session, user):
        raise Problem(409, _("%(email)s has no second factor to reset.", email=user.email), param="email")
    user.session_stamp = new_stamp()
    audit.record(session, actor, "mfa_reset", record_type="user", record_id=user.id)
    return user


def require_second_factor(session: Session, role: str, required: bool, actor: Actor) -> Role:
    kind = parse_role(role)
    totp.set_required(session, kind, required, actor)
    return kind
