"""The session layer: who a browser is signed in as, kept in Flask's signed session cookie.

Our own small layer rather than Flask-Login: what we need is four values in the session
(user id, the user's session stamp, when the session began, when it was last used) and
the two time limits, which Flask-Login does not have; its remember-me cookie, which we do not
want, would be the part we would have to switch off. The identity of the request goes to
`kernel.identity`, where authorization and the audit log read it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from flask import session
from sqlalchemy.orm import Session

from accounts.models import User
from kernel.identity import ANONYMOUS, Identity

# "last used" is written back at most this often, so a page of many requests does not
# rewrite the cookie every time.
TOUCH_EVERY = dt.timedelta(minutes=1)


def begin(user: User, now: dt.datetime) -> None:
    """A new session for `user` (the old one, its CSRF token included, is dropped)."""
    session.clear()
    session["uid"] = str(user.id)
    session["stamp"] = user.session_stamp
    session["since"] = now.timestamp()
    session["seen"] = now.timestamp()


# How long a password stays good for typing the second factor's code.
CODE_WAIT = dt.timedelta(minutes=10)


def await_code(user: User, now: dt.datetime, next_url: str | None) -> None:
    """The password was right and a code is due: nobody is signed in yet, the session only
    remembers whom the code is for (and where to go after)."""
    session.clear()
    session["mfa_uid"] = str(user.id)
    session["mfa_stamp"] = user.session_stamp
    session["mfa_since"] = now.timestamp()
    if next_url:
        session["mfa_next"] = next_url


def awaiting(db: Callable[[], Session], now: dt.datetime) -> User | None:
    """The user whose code this session waits for, or None (none, too late, or changed)."""
    uid = session.get("mfa_uid")
    if not uid:
        return None
    if now.timestamp() - session.get("mfa_since", 0.0) > CODE_WAIT.total_seconds():
        end()
        return None
    try:
        user = db().get(User, uuid.UUID(uid))
    except ValueError:
        user = None
    if user is None or not user.active or user.session_stamp != session.get("mfa_stamp"):
        end()
        return None
    return user


def awaited_next() -> str | None:
    value = session.get("mfa_next")
    return value if isinstance(value, str) else None


def restamp(user: User) -> None:
    """Keep this session after the user's own password change (which ends all others)."""
    session["stamp"] = user.session_stamp


def end() -> None:
    session.clear()


def current_user(
    db: Callable[[], Session], now: dt.datetime, idle: dt.timedelta, longest: dt.timedelta
) -> User | None:
    """The signed-in user, or None; a session idle too long, too old, or whose user is
    disabled or changed password since it began is ended here."""
    uid = session.get("uid")
    if not uid:
        return None
    since, seen = session.get("since", 0.0), session.get("seen", 0.0)
    stamp = session.get("stamp")
    if now.timestamp() - seen > idle.total_seconds() or now.timestamp() - since > longest.total_seconds():
        end()
        return None
    try:
        key = uuid.UUID(uid)
    except ValueError:
        end()
        return None
    user = db().get(User, key)
    if user is None or not user.active or user.session_stamp != stamp:
        end()
        return None
    if now.timestamp() - seen > TOUCH_EVERY.total_seconds():
        session["seen"] = now.timestamp()
    return user


def identity(user: User | None) -> Identity:
    if user is None:
        return ANONYMOUS
    return Identity(
        user_id=user.id,
        email=user.email,
        role=user.role.value,
        team_id=user.team_id,
        team=user.team.name if user.team else None,
        organizations=frozenset(o.id for o in user.organizations),
    )
