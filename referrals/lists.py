"""The referring team's lists: its referrals (/referrals, with filters), the follow-up queue
(/referrals/follow-up: the open referrals past the time the settings give their status, the
longest overdue first, each saying what is awaited) and a client's record with their
referral history (/clients/<id>).

Thin views: the filters are a GET form (no JavaScript needed; the page keeps its values) read
here into `queries.Filters`, the same query the JSON API lists with (`queries.page`); what a
person may see is `referrals.access`'s rule (their team's referrals and clients; another
team's client is a 404), and every read goes through `referrals.queries`, which audits it.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from werkzeug.datastructures import MultiDict

import phrases
from kernel.authz import admits
from kernel.db import get_session, utcnow
from kernel.errors import Problem
from kernel.identity import current_identity
from referrals import lifecycle, present, queries
from referrals.access import Actor
from referrals.inbox import FIELD_WORDS, PREFERENCE_WORDS
from referrals.models import CLIENT_FIELDS, Referral
from referrals.pages import STATUS_WORDS  # each status as the referring team reads it
from referrals.services import Settings

bp = Blueprint("referral_lists", __name__)

TEAM = ("social_worker", "officer", "coordinator")
PER_PAGE = 25  # a phone's worth of cards, and a page that stays light

METHOD_WORDS = {"verbal": _l("verbal"), "written": _l("written"), "electronic": _l("electronic")}


def _actor() -> Actor:
    return Actor.of(current_identity(), address=request.remote_addr, channel="web")


def span(delta: dt.timedelta) -> str:
    """A length of time as people say it at a glance: '45 min', '30 h', '3 days'."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return _("%(num)d min", num=minutes)
    if minutes < 48 * 60:
        return _("%(num)d h", num=minutes // 60)
    days = minutes // (24 * 60)
    return ngettext("%(num)d day", "%(num)d days", days)


def awaited(item: queries.Overdue, now: dt.datetime) -> str:
    """What the referral waits for, in a sentence: whose move it is and since when."""
    referral, since = item.referral, item.since
    if referral.status == "requested":
        if referral.mode == "logged":
            return _("No answer from the provider recorded in %(time)s.", time=span(now - since))
        return _("The provider has not answered in %(time)s.", time=span(now - since))
    if referral.status == "accepted":
        return _("Accepted %(ago)s, not completed.", ago=phrases.ago(since, now))
    if referral.status == "in-progress":
        return _("Started %(ago)s, not completed.", ago=phrases.ago(since, now))
    # The queue holds open referrals only (queries.QUEUE): what is left is on hold.
    return _("Put on hold %(ago)s, not moved on since.", ago=phrases.ago(since, now))


def overdue_by(late: dt.timedelta) -> str:
    return _("Overdue by %(time)s", time=span(late))


# ------------------------------------------------------------------ the list's filters


@dataclass
class ListForm:
    """The filters as typed (to show them again) and as values, with a sentence per field
    that cannot be used."""

    statuses: list[str] = field(default_factory=list)
    overdue: bool = False
    organization_id: str = ""
    service_id: str = ""
    since: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    filters: queries.Filters = field(default_factory=queries.Filters)

    def kept(self) -> dict[str, Any]:
        """The query string of these filters, for the pager's links (only what is set)."""
        out: dict[str, Any] = {}
        if self.statuses:
            out["status"] = self.statuses
        if self.overdue:
            out["overdue"] = "1"
        for key in ("organization_id", "service_id", "since"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out

    @property
    def any(self) -> bool:
        return bool(self.kept())


def _uuid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def read_filters(args: MultiDict[str, str], timezone: str) -> ListForm:
    """The GET form's values: `status` (repeated or comma-separated), `overdue=1`,
    `organization_id`, `service_id`, `since` (a date: from its midnight in the deployment's zone)."""
    given = (s.strip() for raw in args.getlist("status") for s in raw.split(","))
    form = ListForm(
        statuses=list(dict.fromkeys(s for s in given if s)),
        overdue=(args.get("overdue") or "").strip().lower() in ("1", "true", "on", "yes"),
        organization_id=(args.get("organization_id") or "").strip(),
        service_id=(args.get("service_id") or "").strip(),
        since=(args.get("since") or "").strip(),
    )
    unknown = [s for s in form.statuses if s not in lifecycle.STATUSES]
    if unknown:
        form.errors["status"] = _("%(value)s is not a status of a referral.", value=unknown[0][:40])
    organization_id = _uuid(form.organization_id) if form.organization_id else None
    if form.organization_id and organization_id is None:
        form.errors["organization_id"] = _("Choose a provider from the list.")
    service_id = _uuid(form.service_id) if form.service_id else None
    if form.service_id and service_id is None:
        form.errors["service_id"] = _("Choose a service from the list.")
    since = None
    if form.since:
        try:
            day = dt.date.fromisoformat(form.since)
        except ValueError:
            form.errors["since"] = _("Give a date such as 2026-12-01.")
        else:
            since = dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo(timezone)).astimezone(dt.UTC)
    if not form.errors:
        form.filters = queries.Filters(
            statuses=tuple(form.statuses),
            overdue=True if form.overdue else None,
            service_id=service_id,
            organization_id=organization_id,
            since=since,
        )
    return form


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def _cards(session: Any, rows: list[Referral]) -> dict[str, Any]:
    """What the referral cards need beside the referrals: names and words."""
    return {
        "names": present.names_of(session, rows),
        "status_words": STATUS_WORDS,
        "now": utcnow(),
        "overdue_by": overdue_by,
        "open_statuses": lifecycle.OPEN,
    }


@bp.get("/referrals")
@admits(*TEAM)
def mine() -> Any:
    """The team's referrals, newest change first, filtered by the GET form."""
    session, actor = get_session(), _actor()
    form = read_filters(request.args, current_app.config["TIMEZONE"])
    number = _page_number()
    rows: list[Referral] = []
    total = 0
    if not form.errors:
        rows, total = queries.page(session, actor, form.filters, number, PER_PAGE)
    choices = queries.referred_to(session, actor)
    page = render_template(
        "referrals/mine.html",
        form=form,
        rows=rows,
        total=total,
        number=number,
        pages=max(1, math.ceil(total / PER_PAGE)),
        organizations=list(dict.fromkeys((o, on) for o, on, _s, _sn in choices)),
        services=[(s, f"{sn} ({on})") for _o, on, s, sn in choices],
        statuses=lifecycle.STATUSES,
        **_cards(session, rows),
    )
    return page, 400 if form.errors else 200


@bp.get("/referrals/follow-up")
@admits(*TEAM)
def follow_up() -> Any:
    """The team's overdue referrals, the longest overdue first, with what each waits for."""
    session, actor, now = get_session(), _actor(), utcnow()
    number = _page_number()
    items, total = queries.follow_up(session, actor, number, PER_PAGE, now)
    return render_template(
        "referrals/follow_up.html",
        items=[(item, awaited(item, now)) for item in items],
        total=total,
        number=number,
        pages=max(1, math.ceil(total / PER_PAGE)),
        rules=[
            (status, span(dt.timedelta(hours=hours)))
            for status, hours in Settings.from_config(current_app.config).follow_up_hours.items()
            if status in lifecycle.OPEN
        ],
        **_cards(session, [item.referral for item in items]),
    )


@bp.get("/clients/<client_id>")
@admits(*TEAM)
def client(client_id: str) -> Any:
    """A client of the team: the record (only what was kept), consents, referral history."""
    session, actor, now = get_session(), _actor(), utcnow()
    wanted = _uuid(client_id)
    try:
        if wanted is None:
            raise Problem(404, "No client has that id.")
        record = queries.client_record(session, actor, wanted, now)
    except Problem as exc:
        if exc.status != 404:
            raise
        raise Problem(404, _("No client of your team has that id.")) from None
    providers = queries.organization_names(session, [c.organization_id for c in record.consents])
    return render_template(
        "referrals/client.html",
        record=record,
        fields=[f for f in CLIENT_FIELDS if getattr(record.client, f) not in (None, "")],
        field_words=FIELD_WORDS,
        preference_words=PREFERENCE_WORDS,
        method_words=METHOD_WORDS,
        language_name=phrases.language,
        providers=providers,
        **_cards(session, record.referrals),
    )
