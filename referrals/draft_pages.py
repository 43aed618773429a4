"""Completing a draft from a page (/referrals/<id>/complete): an officer saved the referral as
a draft at the scene; a social worker of the team (or the officer) opens it from the team's
drafts (/referrals?status=draft), records the client's consent and sends it.

Thin views, as `referrals.pages`: the form is prefilled with the draft (its need, note and
mode, and its consent if one was recorded), `referrals.drafts.complete` records the consent
and sends the referral (through `services.transition`), and a refused form comes back with
what was typed, the sentence on its field and nothing written. Another team's draft is a
404, as every referral of another team is.
"""

from __future__ import annotations

import uuid
import zoneinfo
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_time
from flask_babel import gettext as _

from accounts.views import csrf
from kernel.authz import admits
from kernel.db import begin_write, get_session, utcnow
from kernel.errors import Problem
from referrals import drafts, forms, inbox, queries
from referrals.models import CLIENT_FIELDS, CONSENT_METHODS, Referral
from referrals.pages import METHOD_WORDS, TEAM, _actor, _referral_id, _service_facts, _settings
from referrals.services import DEFAULT_SHARED

bp = Blueprint("referral_drafts", __name__)


def _drafted(found: Referral, tz: str) -> dict[str, Any]:
    """The form's values from the draft: its fields, and the consent it holds, if any."""
    values: dict[str, Any] = {
        "need": found.need or "",
        "note": found.note or "",
        "mode": found.mode,
        "hold": False,
        "capacity_id": "",
        "consent_given": "",
        "consent_method": "",
        "consent_data": list(DEFAULT_SHARED),
        "consent_expires": "",
    }
    given = found.consent
    if given is not None and given.revoked_at is None:
        values["consent_given"] = "yes" if given.given else "no"
        values["consent_method"] = given.method or ""
        values["consent_data"] = list(given.fields)
        if given.expires_at is not None:
            values["consent_expires"] = given.expires_at.astimezone(zoneinfo.ZoneInfo(tz)).date().isoformat()
    return values


def _page(
    referral_id: uuid.UUID, values: dict[str, Any] | None = None, errors: dict[str, Any] | None = None
) -> str:
    session, actor, now = get_session(), _actor(), utcnow()
    found = queries.referral(session, actor, referral_id, now)  # audited; 404 for another team
    if found.status != "draft":
        raise Problem(409, _("This referral is no longer a draft: it was sent, cancelled or corrected."))
    tz = current_app.config["TIMEZONE"]
    about = _service_facts(found.service_id, str(found.location_id or "")) if found.service_id else None
    if about is None:
        raise Problem(
            409, _("The draft's service is no longer in the catalog: cancel the draft and start again.")
        )
    return render_template(
        "referrals/complete.html",
        r=found,
        client=found.client,
        values=values or _drafted(found, tz),
        errors=errors or {},
        client_fields=CLIENT_FIELDS,
        methods=CONSENT_METHODS,
        method_words=METHOD_WORDS,
        mode_words=forms.MODES_WORDS,
        part_2_words=str(forms.PART_2_WORDS),
        hold_minutes=int(_settings().hold_minutes),
        **about,
        **inbox.words(),
    )


@bp.get("/referrals/<referral_id>/complete")
@admits(*TEAM)
def form(referral_id: str) -> Any:
    """The draft as a form to complete: consent first, then its need, mode, hold and note."""
    return _page(_referral_id(referral_id))


@bp.post("/referrals/<referral_id>/complete")
@admits(*TEAM)
def complete(referral_id: str) -> Any:
    """Record the consent and send the draft, or the form again with the refusal."""
    csrf.protect()
    wanted = _referral_id(referral_id)
    form = request.form
    values = forms.typed(form)
    session, now = get_session(), utcnow()
    begin_write(session)
    part_2 = False
    try:
        data = forms.completion_input(form, current_app.config["TIMEZONE"])
        made = drafts.complete(session, _actor(), wanted, data, _settings(), now)
    except Problem as exc:
        if exc.status == 404:
            raise
        session.rollback()
        if exc.status == 409 and exc.param == "status":
            flash(_("This referral is no longer a draft: it was sent, cancelled or corrected."), "done")
            return redirect(url_for("referral_pages.detail", referral_id=wanted), 303)
        found = session.get(Referral, wanted)
        part_2 = bool(
            found and found.service_id and forms.consent_rules.needs_part_2(session, found.service_id)
        )
        field = forms.FIELD_OF.get(exc.param or "", "form")
        detail = forms.sentence(exc, part_2=part_2)
        errors = {"field": field, "detail": detail, "summary": detail if field == "form" else str(inbox.FIX)}
        page = _page(wanted, values, errors)
        session.commit()  # the audit rows of the page's reads; the refused completion wrote nothing
        return page, exc.status
    if made.hold is not None and made.hold.state(now) == "active":
        until = format_time(made.hold.expires_at, "short")
        flash(_("The draft is sent to the provider. A place is held until %(time)s.", time=until), "done")
    else:
        flash(_("The draft is sent to the provider."), "done")
    return redirect(url_for("referral_pages.detail", referral_id=wanted), 303)
