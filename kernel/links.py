"""Signed links: single-use, expiring, tamper-proof links for people without an account.

A provider who is not on Linkage gets an e-mail with a link to accept or decline a referral,
or to update a service's capacity figures (`catalog.provider_views`): one implementation for
every purpose, in the kernel so that any domain's pages may use it.
The link carries a random token (256 bits); only its SHA-256 digest is stored, with what it
is for (`purpose`, e.g. "referral:accept"), the row it acts on (`subject_id`), when it
expires and when it was used. A changed or made-up token matches no digest; a copied
database holds no usable link.

How a route uses one (the act itself is the caller's, in the same transaction):

    GET  /l/<token>   check_link(session, token, purpose) -> show a confirmation page with a
                      form (CSRF) and the button; a GET never acts, so a mail scanner that
                      prefetches links does not accept a referral.
    POST /l/<token>   link = use_link(session, token, purpose) -> act on link.subject_id.

`use_link` spends the link with one conditional UPDATE, so of two clicks at once only one
acts; the other gets LinkUsed. Both raise a LinkError (a Problem: 404 unknown, 410 used,
withdrawn or expired) with a sentence for the person; a link withdrawn by `revoke_links`
says so (LinkRevoked), it does not claim to have been used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Uuid, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from kernel.db import Base, Timestamp, UTCDateTime, utcnow, uuid7
from kernel.errors import Problem

PREFIX = "lkl_"  # recognisable in logs and by secret scanners, like the API tokens' lkt_
DEFAULT_TTL = dt.timedelta(days=7)


class SignedLink(Base):
    __tablename__ = "signed_link"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(100))
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    created_at: Mapped[Timestamp]
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Withdrawn unused (its subject was answered another way): not the same as used.
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class LinkError(Problem):
    """Why a link cannot be used; `reason` is unknown, used, revoked or expired, and `link`
    the link's row when there is one (its page says when it was used, for what, or until when
    it ran)."""

    reason = "unknown"
    link: SignedLink | None = None


class LinkUnknown(LinkError):
    reason = "unknown"

    def __init__(self) -> None:
        super().__init__(
            404,
            _l("This link is not valid. It may be incomplete or changed; open it from the e-mail again."),
            title="Unknown link",
            reason=self.reason,
        )


class LinkUsed(LinkError):
    reason = "used"

    def __init__(self, link: SignedLink | None = None) -> None:
        super().__init__(410, _l("This link has already been used."), title="Link used", reason=self.reason)
        self.link = link


class LinkRevoked(LinkError):
    reason = "revoked"

    def __init__(self, link: SignedLink | None = None) -> None:
        super().__init__(410, _l("This link was withdrawn."), title="Link withdrawn", reason=self.reason)
        self.link = link


class LinkExpired(LinkError):
    reason = "expired"

    def __init__(self, link: SignedLink | None = None) -> None:
        super().__init__(410, _l("This link has expired."), title="Link expired", reason=self.reason)
        self.link = link


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_link(
    session: Session,
    purpose: str,
    subject_id: uuid.UUID,
    *,
    ttl: dt.timedelta = DEFAULT_TTL,
    now: dt.datetime | None = None,
) -> str:
    """A new link's token, to be put in a URL once (e-mail) and never stored or logged."""
    if not purpose or len(purpose) > 100:
        raise ValueError("a link's purpose is 1 to 100 characters")
    if ttl <= dt.timedelta(0):
        raise ValueError("a link must expire after it is made")
    now = now or utcnow()
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(
        SignedLink(
            token_hash=_digest(token),
            purpose=purpose,
            subject_id=subject_id,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    session.flush()
    return token


Purposes = str | Sequence[str]


def _find(session: Session, token: str, purpose: Purposes) -> SignedLink:
    wanted = (purpose,) if isinstance(purpose, str) else tuple(purpose)
    link = session.scalars(
        select(SignedLink)
        .where(SignedLink.token_hash == _digest(token))
        .execution_options(populate_existing=True)
    ).first()
    # A link made for something else is as good as unknown here: it says nothing of the other.
    if link is None or not any(secrets.compare_digest(link.purpose, p) for p in wanted):
        raise LinkUnknown()
    return link


def check_link(
    session: Session, token: str, purpose: Purposes, *, now: dt.datetime | None = None
) -> SignedLink:
    """The link if it could be used now (for the confirmation page); it stays unused.

    `purpose` may name several (a page that answers both accept and decline links); the
    link's own `purpose` says which it is."""
    link = _find(session, token, purpose)
    if link.revoked_at is not None:
        raise LinkRevoked(link)
    if link.used_at is not None:
        raise LinkUsed(link)
    if link.expires_at <= (now or utcnow()):
        raise LinkExpired(link)
    return link


def use_link(session: Session, token: str, purpose: str, *, now: dt.datetime | None = None) -> SignedLink:
    """Spend the link in the caller's transaction and return it (its `subject_id` is what to act on).

    The conditional UPDATE is the single use: of two transactions that try at once, the
    second waits for the first and then finds it used. If the caller's transaction rolls
    back, the link is unused again.
    """
    now = now or utcnow()
    spent = session.execute(
        update(SignedLink)
        .where(
            SignedLink.token_hash == _digest(token),
            SignedLink.purpose == purpose,
            SignedLink.used_at.is_(None),
            SignedLink.revoked_at.is_(None),
            SignedLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(spent, "rowcount", 0) != 1:
        check_link(session, token, purpose, now=now)  # raises the reason
        raise LinkUsed()  # pragma: no cover - only if it was spent between the two statements
    return _find(session, token, purpose)


def revoke_links(
    session: Session, subject_id: uuid.UUID, purpose: str | None = None, *, now: dt.datetime | None = None
) -> int:
    """Withdraw every unused link of a subject (e.g. a referral answered on the web kills its
    e-mailed accept and decline links); returns how many. A withdrawn link's page says
    "withdrawn", not "already used"."""
    stmt = update(SignedLink).where(
        SignedLink.subject_id == subject_id, SignedLink.used_at.is_(None), SignedLink.revoked_at.is_(None)
    )
    if purpose is not None:
        stmt = stmt.where(SignedLink.purpose == purpose)
    done = session.execute(
        stmt.values(revoked_at=now or utcnow()).execution_options(synchronize_session=False)
    )
    return int(getattr(done, "rowcount", 0))
