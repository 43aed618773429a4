"""What Linkage e-mails about referrals, and when: rows of the outbox, written in the caller's
transaction (the change and its e-mail commit together), sent later by `linkage worker`.

- A live referral sent to a provider (created as `requested`, or a draft sent): one e-mail
  to the provider's address with two signed, single-use links, to accept and to decline
  (`referral_sent`, dedupe key `referral:<id>:sent`). The address is the service's own
  e-mail (HSDS `service.email`: the desk that takes referrals for that service), else the
  organization's (`organization.email`); with neither, no e-mail (the inbox still works for
  the provider's accounts).
- The referring worker, when a follow-up falls due (`remind_overdue`, run by `linkage
  worker` before each pass; dedupe key `remind:<referral id>:<due time>`, so a reminder is
  one e-mail per due time however many workers compute it), and the provider again, with
  fresh links, when a `requested` referral is overdue unanswered.
- The referring worker, when the receiving provider asks a question on the referral
  (`question_asked`, dedupe key `question:<contact id>`): the question is for them to answer
  and the referral's due time does not move, so waiting for them to look is lost time. The
  question's words stay in Linkage (they may be about the client); the e-mail links there.

E-mail carries the least data: the service's name and the referring team's, never anything
of the client (not even initials) nor the need; the link's page shows what the consent
shares. It is written in the deployment's language (`LINKAGE_MAIL_LANGUAGE`), since outside
a request nobody's own choice is known. Only when SMTP is configured (`Outgoing.from_config`
is None otherwise): a page then never says an e-mail went when none will.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import Team, User
from catalog.models import Organization, Service
from kernel import outbox
from kernel.db import utcnow
from referrals import links, mail
from referrals.models import Referral

ACCEPT = "referral:accept"
DECLINE = "referral:decline"
PURPOSES = (ACCEPT, DECLINE)
# The signed-link page (referrals.inbox): GET shows, POST acts.
LINK_PATH = "/r/"
# The statuses in which a provider's link can still answer a referral.
ANSWERABLE = frozenset({"requested", "on-hold"})


@dataclass(frozen=True)
class Outgoing:
    """What writing a referral's e-mail needs from the deployment's settings."""

    base_url: str | None  # LINKAGE_BASE_URL; inside a request the request's own address serves
    language: str = "en"  # LINKAGE_MAIL_LANGUAGE
    link_ttl: dt.timedelta = links.DEFAULT_TTL

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Outgoing | None:
        """None when mail is off (no SMTP host): nothing is then written for the outbox."""
        if not mail.mail_configured(config):
            return None
        return cls(base_url=config.get("BASE_URL"), language=config.get("MAIL_LANGUAGE") or "en")

    def url(self, path: str) -> str:
        return mail.absolute_url({"BASE_URL": self.base_url}, path)


def _address(value: str | None) -> str | None:
    text = (value or "").strip()
    return text if "@" in text and "\n" not in text and "\r" not in text else None


def provider_address(session: Session, referral: Referral) -> str | None:
    """Where a provider's e-mail goes: the service's address, else its organization's."""
    service = session.get(Service, referral.service_id) if referral.service_id else None
    if service is not None and _address(service.email):
        return _address(service.email)
    org = session.get(Organization, referral.organization_id) if referral.organization_id else None
    return _address(org.email) if org is not None else None


def _names(session: Session, referral: Referral) -> tuple[str, str]:
    service = session.get(Service, referral.service_id) if referral.service_id else None
    team = session.get(Team, referral.team_id)
    return (service.name if service else "", team.name if team else "")


def _queued(session: Session, key: str) -> bool:
    found = select(outbox.OutboxMessage.id).where(outbox.OutboxMessage.dedupe_key == key)
    return session.scalar(found) is not None


def _links(session: Session, referral: Referral, out: Outgoing, now: dt.datetime) -> dict[str, Any]:
    accept = links.make_link(session, ACCEPT, referral.id, ttl=out.link_ttl, now=now)
    decline = links.make_link(session, DECLINE, referral.id, ttl=out.link_ttl, now=now)
    return {
        "accept_url": out.url(LINK_PATH + accept),
        "decline_url": out.url(LINK_PATH + decline),
        "expires_at": now + out.link_ttl,
    }


def _provider_mail(
    session: Session, referral: Referral, out: Outgoing, now: dt.datetime, key: str, template: str
) -> outbox.OutboxMessage | None:
    if referral.mode != "live" or referral.status not in ANSWERABLE or _queued(session, key):
        return None
    recipient = provider_address(session, referral)
    if recipient is None:
        return None
    service, team = _names(session, referral)
    context = {"service": service, "team": team, **_links(session, referral, out, now)}
    with force_locale(out.language):
        subject = (
            _("New referral for %(service)s", service=service)
            if template == "sent"
            else _("A referral for %(service)s is waiting for your answer", service=service)
        )
        body = render_template(f"mail/referral_{template}.txt", **context)
    return outbox.enqueue(session, recipient=recipient, subject=subject, body_text=body, dedupe_key=key)


def referral_sent(
    session: Session, referral: Referral, out: Outgoing | None, now: dt.datetime | None = None
) -> outbox.OutboxMessage | None:
    """The provider's e-mail about a live referral just sent, with its accept and decline
    links; once per referral (a second call finds it queued and makes no new links)."""
    if out is None:
        return None
    return _provider_mail(session, referral, out, now or utcnow(), f"referral:{referral.id}:sent", "sent")


def withdraw_links(session: Session, referral: Referral, to: str, now: dt.datetime) -> int:
    """A referral leaving the statuses a link answers withdraws its unused links."""
    if to in ANSWERABLE:
        return 0
    return links.revoke_links(session, referral.id, now=now)


def worker_address(session: Session, referral: Referral) -> str | None:
    """The referring worker's account e-mail (a disabled account gets nothing)."""
    user = session.get(User, referral.created_by) if referral.created_by else None
    return user.email if user is not None and user.active else None


# ------------------------------------------------------------------ reminders

# The referring worker's page of a referral (referrals.views), linked from a reminder.
REFERRAL_PATH = "/referrals/"
REMINDED = ("requested", "accepted", "in-progress", "on-hold")  # open: an answer or outcome is owed


def reminder_key(referral: Referral) -> str:
    """One reminder per referral and due time: a new due time (a new status) reminds again."""
    assert referral.due_at is not None
    return f"remind:{referral.id}:{referral.due_at.isoformat()}"


def provider_reminder_key(referral: Referral) -> str:
    assert referral.due_at is not None
    return f"remind-provider:{referral.id}:{referral.due_at.isoformat()}"


@dataclass
class Reminded:
    """What one scan queued (ids of outbox rows), for the worker's line."""

    workers: list[Any]
    providers: list[Any]


def overdue_referrals(session: Session, now: dt.datetime, limit: int) -> list[Referral]:
    """Open referrals whose follow-up time has passed, the longest overdue first."""
    stmt = (
        select(Referral)
        .where(Referral.due_at.is_not(None), Referral.due_at <= now, Referral.status.in_(REMINDED))
        .order_by(Referral.due_at, Referral.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def remind_overdue(
    session: Session, out: Outgoing | None, now: dt.datetime | None = None, limit: int = 1000
) -> Reminded:
    """Queue a reminder for each overdue referral not yet reminded for its due time: to the
    referring worker (their account e-mail), and, for a live referral still `requested`, to
    the provider with fresh accept and decline links. Safe to run in several workers at once:
    the dedupe key makes a reminder one row, and the caller's transaction goes on."""
    done = Reminded([], [])
    if out is None:
        return done
    now = now or utcnow()
    rows = overdue_referrals(session, now, limit)
    if not rows:
        return done
    keys = [reminder_key(r) for r in rows] + [provider_reminder_key(r) for r in rows]
    queued = set(
        session.scalars(
            select(outbox.OutboxMessage.dedupe_key).where(outbox.OutboxMessage.dedupe_key.in_(keys))
        )
    )
    for referral in rows:
        key = reminder_key(referral)
        to = worker_address(session, referral)
        if key not in queued and to is not None:
            service, team = _names(session, referral)
            assert referral.due_at is not None
            with force_locale(out.language):
                body = render_template(
                    "mail/reminder.txt",
                    service=service,
                    status=referral.status,
                    due_at=referral.due_at,
                    url=out.url(f"{REFERRAL_PATH}{referral.id}"),
                )
                subject = _("A referral to %(service)s needs a follow-up", service=service)
            row = outbox.enqueue(session, recipient=to, subject=subject, body_text=body, dedupe_key=key)
            done.workers.append(row.id)
        provider_key = provider_reminder_key(referral)
        if referral.status == "requested" and provider_key not in queued:
            row_p = _provider_mail(session, referral, out, now, provider_key, "waiting")
            if row_p is not None:
                done.providers.append(row_p.id)
    return done


def question_asked(
    session: Session,
    referral: Referral,
    contact_id: Any,
    out: Outgoing | None,
) -> outbox.OutboxMessage | None:
    """The referring worker's e-mail that the provider asked something on their referral;
    once per question. Nothing of the question itself: it can name the client."""
    to = worker_address(session, referral)
    key = f"question:{contact_id}"
    if out is None or to is None or _queued(session, key):
        return None
    service, _team = _names(session, referral)
    with force_locale(out.language):
        body = render_template(
            "mail/question.txt", service=service, url=out.url(f"{REFERRAL_PATH}{referral.id}")
        )
        subject = _("%(service)s asked a question about your referral", service=service)
    return outbox.enqueue(session, recipient=to, subject=subject, body_text=body, dedupe_key=key)
