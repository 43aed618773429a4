"""Users, teams, the organizations a provider speaks for, sign-in attempts and the audit log."""

from __future__ import annotations

import datetime as dt
import enum
import secrets
import uuid

from sqlalchemy import BigInteger, Boolean, Column, Enum, ForeignKey, Index, String, Table, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Organization
from kernel.db import Base, Timestamp, UTCDateTime, UUIDPk, uuid7


class Role(enum.StrEnum):
    social_worker = "social_worker"
    officer = "officer"
    provider = "provider"
    coordinator = "coordinator"
    admin = "admin"


# Client and referral data will belong to a team: these roles always have one.
TEAM_ROLES = frozenset({Role.social_worker, Role.officer, Role.coordinator})


def new_stamp() -> str:
    """A value kept in the user's row and in each of their sessions; changing it (password
    change or reset, disabling) ends every session made before."""
    return secrets.token_hex(16)


user_organization = Table(
    "user_organization",
    Base.metadata,
    Column("user_id", Uuid, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", Uuid, ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True),
)


class Team(Base):
    __tablename__ = "team"
    id: Mapped[UUIDPk]
    name: Mapped[str] = mapped_column(Text, unique=True)
    # The deployment's default team: where a user goes when `--team` is not given.
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[Timestamp]


class User(Base):
    # "user" is a reserved word in PostgreSQL.
    __tablename__ = "user_account"
    id: Mapped[UUIDPk]
    email: Mapped[str] = mapped_column(Text, unique=True)  # stored lower-case
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20, validate_strings=True))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("team.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_stamp: Mapped[str] = mapped_column(String(32), default=new_stamp)
    created: Mapped[Timestamp]
    password_changed: Mapped[Timestamp]
    team: Mapped[Team | None] = relationship()
    organizations: Mapped[list[Organization]] = relationship(
        secondary=user_organization, order_by="Organization.name"
    )


class LoginAttempt(Base):
    """One row per sign-in attempt: the throttle counts these, so it holds across processes and hosts."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_email_at", "email", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    at: Mapped[Timestamp]
    email: Mapped[str] = mapped_column(Text)  # as tried, lower-case; the account may not exist
    address: Mapped[str | None] = mapped_column(Text)
    succeeded: Mapped[bool] = mapped_column(Boolean)


class AuditEvent(Base):
    """Append-only (triggers refuse UPDATE and DELETE): who, when, what, which action, from where."""

    __tablename__ = "audit_event"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    at: Mapped[Timestamp] = mapped_column(index=True)
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The user's e-mail, the e-mail tried by a failed sign-in, or "command line (<os user>)".
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(40), index=True)
    record_type: Mapped[str | None] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)


# What a token may be allowed to do; a token acts as its user, and scopes only narrow that.
SCOPES = (
    "catalog:read",
    "capacity:write",
    "referrals:read",
    "referrals:write",
    "metrics:read",
    "audit:read",
)


class ApiToken(Base):
    """A bearer token for the JSON API. Only the SHA-256 of the secret is kept: the token is 32
    random bytes, so a fast hash is as safe as a slow one and costs nothing per request."""

    __tablename__ = "api_token"
    id: Mapped[UUIDPk]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(Text)  # space-separated, from SCOPES
    created: Mapped[Timestamp]
    expires: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class TotpCredential(Base):
    """A user's authenticator-app secret (RFC 6238). The secret is encrypted with a key derived
    from the deployment's SECRET_KEY (accounts.totp), so a copy of the database alone cannot
    make codes; `enabled` stays empty until the user confirmed a code, and `last_step` is the
    time-step of the last code accepted, so one code cannot be used twice."""

    __tablename__ = "totp_credential"
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    secret_encrypted: Mapped[str] = mapped_column(Text)
    created: Mapped[Timestamp]
    enabled: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_step: Mapped[int | None] = mapped_column(BigInteger)


class RecoveryCode(Base):
    """One single-use recovery code, kept as the SHA-256 of an 80-bit random code (as for API
    tokens, a slow hash adds nothing at that entropy)."""

    __tablename__ = "recovery_code"
    id: Mapped[UUIDPk]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SecondFactorRule(Base):
    """An admin's choice for one role: a second factor required or not, over LINKAGE_MFA_ROLES."""

    __tablename__ = "second_factor_rule"
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, validate_strings=True), primary_key=True
    )
    required: Mapped[bool] = mapped_column(Boolean)
    changed: Mapped[Timestamp]
