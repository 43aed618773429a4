"""Clients, their consent, referrals, the referral's event log and its handoff contacts.

A client record carries the least data that does the job; it belongs to the team that made
it. A referral's `status` is only ever set by `referrals.services.transition` (and on
creation), in the same transaction as the event that records the move: the event log is
append-only (triggers refuse UPDATE and DELETE, migration 0011) and is the truth.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.capacity import Hold
from kernel.db import Base, Timestamp, UTCDateTime, UUIDPk, uuid7

CONTACT_PREFERENCES = ("phone", "text", "email", "do_not_contact")
CONSENT_METHODS = ("verbal", "written", "electronic")
MODES = ("live", "logged")
CHANNELS = ("web", "api", "email-link", "phone")
# "question": the receiving provider asks the referring team for more (referrals.services.ask);
# the team reads it in the handoff log, the referral keeps its status.
CONTACT_KINDS = ("phone", "in_person", "transport", "email", "text", "other", "question")
# The client fields a consent may cover (its data scope).
CLIENT_FIELDS = (
    "display_name",
    "birth_year",
    "gender",
    "language",
    "contact_preference",
    "phone",
    "email",
    "incident_ref",
)


class Client(Base):
    __tablename__ = "client"
    id: Mapped[UUIDPk]
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("team.id"), index=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    created: Mapped[Timestamp]
    display_name: Mapped[str] = mapped_column(Text)  # a display name or initials
    birth_year: Mapped[int | None] = mapped_column(Integer)
    gender: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str | None] = mapped_column(String(20))
    contact_preference: Mapped[str] = mapped_column(String(20), default="do_not_contact")
    phone: Mapped[str | None] = mapped_column(Text)  # only when the preference needs it
    email: Mapped[str | None] = mapped_column(Text)
    incident_ref: Mapped[str | None] = mapped_column(Text)  # the department's own record (CAD, case)


class Consent(Base):
    """What the client agreed to share, with whom, how it was given, until when."""

    __tablename__ = "consent"
    id: Mapped[UUIDPk]
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), index=True)
    given: Mapped[bool] = mapped_column(Boolean)
    method: Mapped[str | None] = mapped_column(String(20))  # verbal, written, electronic
    # Scope: the receiving provider (an organization of the catalog) and the client fields.
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL"), index=True
    )
    data: Mapped[str] = mapped_column(Text, default="")  # space-separated CLIENT_FIELDS
    recorded_at: Mapped[Timestamp]
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.data.split())


class Referral(Base):
    __tablename__ = "referral"
    __table_args__ = (Index("ix_referral_team_status", "team_id", "status"),)
    id: Mapped[UUIDPk]
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"), index=True)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("team.id"), index=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    consent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("consent.id", ondelete="SET NULL"))
    # The catalog may drop a service on re-import; the referral and its history stay.
    service_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("service.id", ondelete="SET NULL"), index=True
    )
    location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("location.id", ondelete="SET NULL"))
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL"), index=True
    )
    hold_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("capacity_hold.id", ondelete="SET NULL"))
    need: Mapped[str | None] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(10), default="live")
    status: Mapped[str] = mapped_column(String(20), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    created: Mapped[Timestamp]
    updated: Mapped[Timestamp] = mapped_column(index=True)
    # When the referral needs a follow-up (set per status; see referrals.lifecycle.due_at).
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)

    client: Mapped[Client] = relationship()
    consent: Mapped[Consent | None] = relationship()
    hold: Mapped[Hold | None] = relationship()
    events: Mapped[list[ReferralEvent]] = relationship(
        order_by="ReferralEvent.id", back_populates="referral", passive_deletes=True
    )
    contacts: Mapped[list[ReferralContact]] = relationship(
        order_by="ReferralContact.id", passive_deletes=True
    )


class ReferralEvent(Base):
    """One move of a referral: append-only; the referral's status is the last event's `to`."""

    __tablename__ = "referral_event"
    # The dashboard's indexes (dashboard.referrals, dashboard.need), each covering what it reads:
    # every referral's events grouped in one scan with no sort (referral, status, time, reason),
    # and with who made them, one team's moves read through its referrals; a period's moves,
    # their reasons and who made them in one range scan (time first).
    __table_args__ = (
        Index(
            "ix_referral_event_referral_moves", "referral_id", "to_status", "at", "reason", "actor_user_id"
        ),
        Index("ix_referral_event_at_moves", "at", "to_status", "reason", "actor_user_id", "referral_id"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    # Its index is ix_referral_event_referral_moves, which starts with it.
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referral.id"))
    at: Mapped[Timestamp]
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(Text)  # the user's e-mail, or who followed a signed link
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(40))  # a code of the deployment's vocabulary
    note: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(12))  # web, api, email-link, phone
    referral: Mapped[Referral] = relationship(back_populates="events")


class ReferralContact(Base):
    """The warm handoff's log: a call, a visit, transport arranged, with a note."""

    __tablename__ = "referral_contact"
    # The dashboard counts a period's handoff contacts by month in one range scan of the first
    # index (every team's), or through the team's referrals in the second (one team's), which
    # is also the referral's index of its contacts.
    __table_args__ = (
        Index("ix_referral_contact_at_kind", "at", "kind", "referral_id"),
        Index("ix_referral_contact_referral_at", "referral_id", "at", "kind"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referral.id"))
    at: Mapped[Timestamp]
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
