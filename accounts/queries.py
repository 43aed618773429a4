"""Reads of accounts: users and teams."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from accounts.models import LoginAttempt, Role, Team, User


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == email.strip().lower())).first()


def user_by_id(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def users(session: Session, role: Role | None = None, team_id: uuid.UUID | None = None) -> list[User]:
    query = (
        select(User).options(selectinload(User.team), selectinload(User.organizations)).order_by(User.email)
    )
    if role is not None:
        query = query.where(User.role == role)
    if team_id is not None:
        query = query.where(User.team_id == team_id)
    return list(session.scalars(query))


def last_sign_ins(session: Session) -> dict[str, dt.datetime]:
    """Each address's latest successful sign-in, from the attempts the throttle keeps."""
    query = (
        select(LoginAttempt.email, func.max(LoginAttempt.at))
        .where(LoginAttempt.succeeded)
        .group_by(LoginAttempt.email)
    )
    return {email: at for email, at in session.execute(query)}


def team_by_id(session: Session, team_id: uuid.UUID) -> Team | None:
    return session.get(Team, team_id)


def team_sizes(session: Session) -> dict[uuid.UUID, int]:
    query = select(User.team_id, func.count()).where(User.team_id.is_not(None)).group_by(User.team_id)
    return {team_id: n for team_id, n in session.execute(query)}


def team_by_name(session: Session, name: str) -> Team | None:
    return session.scalars(select(Team).where(Team.name == name)).first()


def teams(session: Session) -> list[Team]:
    return list(session.scalars(select(Team).order_by(Team.name)))
