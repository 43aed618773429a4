"""The referring team's pages of a referral: the form that makes one from a match result
(/referrals/new) and the referral's own page (/referrals/<id>) with its timeline, its
handoff log and a form for each move the lifecycle gives the worker; `/referrals/<id>/state`
is the small JSON its page polls (static/js/referral-poll.js) so a provider's answer shows
without a reload.

Thin views, as the JSON API's (referrals.api): parse the form, call one service
(`services.create_referral`, `services.transition`, `services.add_contact`) after
`kernel.db.begin_write`, and redirect (303) on success. Every read goes through
`referrals.queries`, which audits it. A refused form comes back with what was typed, the
sentence on the field the service named, and nothing written (the refused write is rolled
back; the audit rows of the page shown again are kept).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from accounts.views import csrf
from catalog import capacity, facts, rules
from catalog import queries as catalog_queries
from catalog.models import ServiceStatus
from kernel.authz import admits
from kernel.db import begin_write, get_session, utcnow
from kernel.errors import Problem
from kernel.identity import current_identity
from referrals import access, forms, inbox, present, queries, repeat, services
from referrals import consent as consent_rules
from referrals.access import Actor
from referrals.models import CLIENT_FIELDS, CONSENT_METHODS, CONTACT_PREFERENCES

bp = Blueprint("referral_pages", __name__)

TEAM = ("social_worker", "officer", "coordinator")  # the roles the services let make referrals

# The worker's words for each status (the inbox words them for the provider).
STATUS_WORDS = {
    "draft": _l("draft, not sent"),
    "requested": _l("sent, waiting for the provider's answer"),
    "accepted": _l("accepted by the provider"),
    "rejected": _l("declined by the provider"),
    "cancelled": _l("cancelled"),
    "in-progress": _l("in progress"),
    "on-hold": _l("on hold"),
    "failed": _l("failed"),
    "completed": _l("completed"),
    "entered-in-error": _l("entered in error"),
}
# The button of each move; on a logged referral the worker records the provider's moves.
MOVE_WORDS = {
    "requested": _l("Send to the provider"),
    "cancelled": _l("Cancel the referral"),
    "entered-in-error": _l("Mark as entered in error"),
    "accepted": _l("Record: the provider accepted"),
    "rejected": _l("Record: the provider declined"),
    "in-progress": _l("Record: the client started"),
    "on-hold": _l("Record: put on hold"),
    "failed": _l("Record: it failed"),
    "completed": _l("Record: completed, with the outcome"),
}
DONE_WORDS = {
    "requested": _l("Sent to the provider."),
    "cancelled": _l("The referral is cancelled."),
    "entered-in-error": _l("Marked as entered in error."),
}
CHANNEL_WORDS = {
    "web": _l("on Linkage"),
    "api": _l("through the API"),
    "email-link": _l("from the e-mailed link"),
    "phone": _l("by phone"),
}
METHOD_WORDS = {"verbal": _l("verbal"), "written": _l("written"), "electronic": _l("electronic")}
# The handoff contacts a worker records (a provider's question comes through the inbox).
CONTACT_CHOICES = ("phone", "in_person", "transport")


@bp.app_context_processor
def _may_refer() -> dict[str, Any]:
    """`may_refer` on every page: a match result offers "Refer" to those who may make one."""
    who = current_identity()
    return {"may_refer": who.authenticated and who.role in TEAM and who.team_id is not None}


def _actor() -> Actor:
    return Actor.of(current_identity(), address=request.remote_addr, channel="web")


def _settings() -> services.Settings:
    return services.Settings.from_config(current_app.config)


def _referral_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Problem(404, _("No referral has that id.")) from None


def _detail_page(referral_id: uuid.UUID, errors: dict[str, Any] | None = None) -> str:
    session, actor, now = get_session(), _actor(), utcnow()
    found = queries.referral(session, actor, referral_id, now)
    names = present.names_of(session, [found])
    fields = access.shared_fields(actor, found, now)
    shared_by_consent = found.consent.fields if found.consent is not None else ()
    return render_template(
        "referrals/referral.html",
        r=found,
        service=names.get(found.service_id) if found.service_id else None,
        organization=names.get(found.organization_id) if found.organization_id else None,
        client=access.client_values(found.client, fields),
        fields=[f for f in CLIENT_FIELDS if f in fields],
        consent=present.consent_summary(found.consent, found.organization_id, now),
        consent_fields=[str(inbox.FIELD_WORDS.get(f, f)) for f in shared_by_consent],
        method_words=METHOD_WORDS,
        moves=services.allowed_moves(actor, found),
        worker_status_words=STATUS_WORDS,
        worker_move_words=MOVE_WORDS,
        channel_words=CHANNEL_WORDS,
        contact_choices=CONTACT_CHOICES,
        tag=queries.state_tag(found),
        poll_seconds=current_app.config["REFERRAL_POLL_SECONDS"],
        errors=errors or {},
        **inbox.words(),
    )


@bp.get("/referrals/<referral_id>")
@admits(*TEAM)
def detail(referral_id: str) -> Any:
    """The referral as its team sees it: client, service, status, hold, timeline, handoff log."""
    return _detail_page(_referral_id(referral_id))


def _sentence(exc: Problem, to: str) -> str:
    """A refused move or contact in the reader's language (the services' sentences are the API's)."""
    if exc.param in ("reason", "note") or (exc.param == "question"):
        return inbox._sentence(exc, to)  # noqa: SLF001 (the same refusals, worded once)
    if exc.param == "kind":
        return str(_("Choose how the contact was made."))
    if exc.status == 409:
        return str(_("This referral cannot take that step now: it changed meanwhile. Here is how it stands."))
    return str(_("Correct the field marked below."))


def _refused(referral_id: uuid.UUID, exc: Problem, form_name: str, keys: tuple[str, ...]) -> Any:
    """The page again with the sentence on its field and what was typed; nothing written."""
    session = get_session()
    session.rollback()
    field = exc.param if exc.param in ("reason", "note", "kind") else "form"
    detail = _sentence(exc, request.form.get("to", ""))
    errors = {
        "referral": str(referral_id),
        "form_name": form_name,
        "field": field,
        "detail": detail,
        "summary": str(inbox.FIX) if field != "form" else detail,
        "typed": {k: request.form.get(k, "") for k in keys},
    }
    page = _detail_page(referral_id, errors)
    session.commit()  # the audit rows of this page's reads; the refusal itself changed nothing
    return page, exc.status


@bp.post("/referrals/<referral_id>/move")
@admits(*TEAM)
def move(referral_id: str) -> Any:
    """Send, cancel, correct; on a logged referral also the provider's moves, recorded."""
    csrf.protect()
    wanted = _referral_id(referral_id)
    to = request.form.get("to", "")
    session = get_session()
    begin_write(session)
    try:
        services.transition(
            session,
            _actor(),
            wanted,
            to,
            _settings(),
            reason=request.form.get("reason") or None,
            note=request.form.get("note") or None,
        )
    except Problem as exc:
        if exc.status == 404:
            raise
        return _refused(wanted, exc, f"move-{to}", ("to", "reason", "note"))
    done = DONE_WORDS.get(to) or _(
        "Recorded: the referral is now %(status)s.", status=STATUS_WORDS.get(to, to)
    )
    flash(str(done), "done")
    return redirect(url_for(".detail", referral_id=wanted), 303)


@bp.post("/referrals/<referral_id>/contacts")
@admits(*TEAM)
def contact(referral_id: str) -> Any:
    """A line of the warm handoff: a phone call, a visit, transport arranged, with a note."""
    csrf.protect()
    wanted = _referral_id(referral_id)
    session = get_session()
    begin_write(session)
    kind = request.form.get("kind", "")
    try:
        if kind not in CONTACT_CHOICES:
            raise Problem(422, "kind", param="kind")
        services.add_contact(session, _actor(), wanted, kind, request.form.get("note"))
    except Problem as exc:
        if exc.status == 404:
            raise
        return _refused(wanted, exc, "contact", ("kind", "note"))
    flash(_("The contact is in the handoff log."), "done")
    return redirect(url_for(".detail", referral_id=wanted) + "#handoff", 303)


@bp.get("/referrals/<referral_id>/state")
@admits(*TEAM)
def state(referral_id: str) -> Any:
    """Status and last event, with an ETag: 304 while nothing changed (the page's poll)."""
    session, actor = get_session(), _actor()
    found, tag, changed = queries.referral_state(
        session, actor, _referral_id(referral_id), request.if_none_match, utcnow()
    )
    if not changed:
        resp = current_app.response_class(status=304)
    else:
        last = found.events[-1] if found.events else None
        resp = jsonify(
            {
                "id": str(found.id),
                "status": found.status,
                "status_text": str(STATUS_WORDS.get(found.status, found.status)),
                "updated": found.updated.isoformat(),
                "last_event": None
                if last is None
                else {
                    "at": last.at.isoformat(),
                    "from": last.from_status,
                    "to": last.to_status,
                    "actor": last.actor,
                    "channel": last.channel,
                },
            }
        )
    resp.set_etag(tag)
    resp.cache_control.no_store = True
    return resp


# ------------------------------------------------------------------ the referral form


def _service_id(raw: str | None) -> uuid.UUID:
    try:
        return uuid.UUID((raw or "").strip())
    except ValueError:
        raise Problem(
            404, _("Start a referral from a match result: the form needs the service to refer to.")
        ) from None


def _service_facts(service_id: uuid.UUID, location_id: str | None) -> dict[str, Any]:
    """What the form says about the service: its provider, the place, the free places now
    (the catalog's rule: the provider's figure less the holds), and whether Part 2 applies."""
    session, now = get_session(), utcnow()
    svc = catalog_queries.service_page(session, service_id)
    if svc is None or svc.status != ServiceStatus.active:
        raise Problem(404, _("No service has that id, or it takes no referrals now."))
    held = capacity.held_counts(session, [c.id for c in svc.capacities], now)
    figures = facts.capacities(svc, now, rules.MaxAges.from_config(current_app.config), held)
    place = None
    for sal in svc.service_at_locations:
        if sal.location is not None and str(sal.location_id) == (location_id or ""):
            addr = next((a for a in sal.location.addresses if a.address_type != "postal"), None)
            place = {"name": sal.location.name, "lines": facts.address_lines(addr) if addr else []}
    return {
        "service": svc,
        "provider": svc.organization.name if svc.organization is not None else None,
        "figures": [(str(row.id), fig) for row, fig in zip(svc.capacities, figures, strict=True)],
        "place": place,
        "part_2": consent_rules.needs_part_2(session, svc.id),
    }


def _form_page(
    values: dict[str, Any],
    *,
    errors: dict[str, Any] | None = None,
    proposals: list[tuple[repeat.Proposal, Any]] | None = None,
) -> str:
    session, actor = get_session(), _actor()
    about = _service_facts(_service_id(values.get("service_id")), values.get("location_id"))
    known = None
    if values.get("client_id"):
        try:
            known = queries.client(session, actor, uuid.UUID(values["client_id"]))
        except (ValueError, Problem):
            values["client_id"] = ""
    return render_template(
        "referrals/new.html",
        values=values,
        errors=errors or {},
        proposals=[(c, [forms.reason_words(r) for r in p.reasons]) for p, c in proposals or []],
        known=known,
        client_fields=CLIENT_FIELDS,
        preferences=CONTACT_PREFERENCES,
        methods=CONSENT_METHODS,
        method_words=METHOD_WORDS,
        genders=forms.GENDERS,
        gender_words=forms.GENDER_WORDS,
        mode_words=forms.MODES_WORDS,
        part_2_words=str(forms.PART_2_WORDS),
        hold_minutes=int(_settings().hold_minutes),
        **about,
        **inbox.words(),
    )


@bp.get("/referrals/new")
@admits(*TEAM)
def new() -> Any:
    """The form, prefilled from a match result: the service, the place and the need."""
    args = request.args
    values = forms.typed({})
    values.update(
        service_id=args.get("service_id", ""),
        location_id=args.get("location_id", ""),
        need=(args.get("need") or "")[: forms.TEXT_FIELDS["need"]],
        client_id=args.get("client_id", ""),
        contact_preference="do_not_contact",
        mode="live",
    )
    return _form_page(values)


def _person(data: services.ReferralInput, this_year: int) -> repeat.Person:
    """The typed client as the repeat-client check reads them."""
    typed = data.client
    assert typed is not None
    if typed.birth_year is None and typed.age is not None:
        return repeat.Person.from_age(typed.display_name, typed.age, this_year, typed.phone)
    return repeat.Person(typed.display_name, typed.birth_year, False, typed.phone)


@bp.post("/referrals/new")
@admits(*TEAM)
def create() -> Any:
    """Make the referral, or show the team's clients the typed one may be, or the refusal."""
    csrf.protect()
    form = request.form
    values = forms.typed(form)
    if form.get("forget_client"):  # "someone else" after a known client was chosen
        values["client_id"] = ""
        return _form_page(values)
    chosen = form.get("use_client") or values["client_id"]
    if form.get("use_client"):
        values["client_id"] = chosen
    session, actor, now = get_session(), _actor(), utcnow()
    # "Save as a draft": an officer at the scene starts it, a social worker of the team sends it.
    draft = form.get("action") == "draft"
    begin_write(session)
    part_2 = False
    try:
        client_id = uuid.UUID(chosen) if chosen else None
    except ValueError:
        client_id = None
    try:
        data = forms.referral_input(form, current_app.config["TIMEZONE"], client_id=client_id, draft=draft)
        part_2 = consent_rules.needs_part_2(session, data.service_id)
        if data.client is not None and not values["someone_else"] and data.client.display_name:
            proposals = queries.proposed_clients(session, actor, _person(data, now.year), now)
            if proposals:
                return _form_page(values, proposals=proposals)
        made = services.create_referral(session, actor, data, _settings(), now)
    except Problem as exc:
        if exc.status in (403, 404):
            raise
        session.rollback()
        field = forms.FIELD_OF.get(exc.param or "", "form")
        detail = forms.sentence(exc, part_2=part_2)
        errors = {"field": field, "detail": detail, "summary": detail if field == "form" else str(inbox.FIX)}
        page = _form_page(values, errors=errors)
        session.commit()  # the audit rows of the page's reads; the refused referral wrote nothing
        return page, exc.status
    if draft:
        flash(_("Draft saved, not sent. It waits in your team's referrals until someone sends it."), "done")
    elif made.hold is not None:
        until = format_time(made.hold.expires_at, "short")
        flash(_("Referral made. A place is held until %(time)s.", time=until), "done")
    else:
        flash(_("Referral made."), "done")
    return redirect(url_for(".detail", referral_id=made.id), 303)
