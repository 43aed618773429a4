"""The receiving provider's inbox (/inbox), the page of one incoming referral (/inbox/<id>),
and the signed-link page (/r/<token>) a provider without an account answers from.

In the inbox: accept, decline with a reason, or ask the referring team for more, one tap
each on a phone; on the referral's page, the other moves the lifecycle gives the provider
(start, put on hold, failed, completed with an outcome).

Thin views: every form is a plain POST with its CSRF token that redirects back with a
confirmation, so nothing needs JavaScript. What the provider sees is `queries.inbox` /
`queries.incoming` (audited, consented fields only); what it may do is
`services.transition` / `services.ask`. A refused answer (no reason, a move the table no
longer allows) comes back on the same page, tied to its field, with what was typed kept.

The signed link: GET shows the referral (the consented fields, as the inbox does) and a form;
only the POST spends the token and acts, in one transaction (mail scanners prefetch GET
links). A link used already, withdrawn (the referral was answered or changed meanwhile),
expired, or unknown gets a page that says which, and when.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from accounts.views import csrf
from kernel.authz import ANYONE, admits
from kernel.db import get_session, utcnow
from kernel.errors import Problem
from kernel.identity import current_identity
from referrals import lifecycle, links, notify, queries, services
from referrals.access import Actor
from referrals.models import Referral

bp = Blueprint("referrals_inbox", __name__)

# The words a provider reads for each status and for the default vocabularies; a deployment's
# own codes are shown with the label its settings give.
STATUS_WORDS = {
    "draft": _l("draft"),
    "requested": _l("waiting for your answer"),
    "accepted": _l("accepted"),
    "rejected": _l("declined"),
    "cancelled": _l("cancelled"),
    "in-progress": _l("in progress"),
    "on-hold": _l("on hold"),
    "failed": _l("failed"),
    "completed": _l("completed"),
    "entered-in-error": _l("entered in error"),
}
MOVE_WORDS = {
    "accepted": _l("Accept"),
    "rejected": _l("Decline"),
    "in-progress": _l("Mark as started"),
    "on-hold": _l("Put on hold"),
    "failed": _l("Mark as failed"),
    "completed": _l("Mark as completed"),
}
DONE_WORDS = {
    "accepted": _l("Accepted. The referring team sees it now."),
    "rejected": _l("Declined. The referring team sees your reason now."),
    "in-progress": _l("Marked as started."),
    "on-hold": _l("Put on hold. The referring team sees your reason now."),
    "failed": _l("Marked as failed."),
    "completed": _l("Marked as completed."),
}
TERM_WORDS = {
    "no-capacity": _l("no capacity"),
    "not-eligible": _l("not eligible"),
    "could-not-contact": _l("could not contact"),
    "client-declined": _l("client declined"),
    "client-did-not-arrive": _l("client did not arrive"),
    "referred-elsewhere": _l("referred elsewhere"),
    "other": _l("other (say what in the note)"),
    "got-help": _l("got help"),
    "enrolled": _l("enrolled"),
    "waitlisted": _l("waitlisted"),
}
FIELD_WORDS = {
    "display_name": _l("Name or initials"),
    "birth_year": _l("Birth year"),
    "gender": _l("Gender"),
    "language": _l("Preferred language"),
    "contact_preference": _l("Contact preference"),
    "phone": _l("Phone"),
    "email": _l("E-mail"),
    "incident_ref": _l("Department's record number"),
}
KIND_WORDS = {
    "phone": _l("phone call"),
    "in_person": _l("in person"),
    "transport": _l("transport arranged"),
    "email": _l("e-mail"),
    "text": _l("text message"),
    "other": _l("other"),
}
# The client's contact preference, in words.
PREFERENCE_WORDS = {
    "phone": _l("phone call"),
    "text": _l("text message"),
    "email": _l("e-mail"),
    "do_not_contact": _l("do not contact"),
}
FIX = _l("Correct the field marked below.")


TEAM_ROLES = ("social_worker", "officer", "coordinator")


@bp.app_context_processor
def _referral_counts() -> dict[str, Any]:
    """The nav's reminders on every page: a provider's referrals waiting for an answer, a
    team member's overdue follow-ups (the nav links them to the follow-up queue,
    referrals.lists). A count is a nicety: a page renders without it."""
    who = current_identity()
    if not who.authenticated or who.role not in ("provider", *TEAM_ROLES):
        return {}
    try:
        actor = Actor.of(who)
        if who.role == "provider":
            return {"inbox_waiting": queries.waiting_count(get_session(), actor)}
        return {"overdue_referrals": queries.overdue_count(get_session(), actor)}
    except SQLAlchemyError:
        current_app.logger.warning("the nav's referral counts could not be read")
        return {}


def _actor() -> Actor:
    return Actor.of(current_identity(), address=request.remote_addr, channel="web")


def _settings() -> services.Settings:
    return services.Settings.from_config(current_app.config)


def terms(vocabulary: lifecycle.Vocabulary) -> list[tuple[str, str]]:
    """(code, words) of a vocabulary for a select, in the reader's language where we know the code."""
    return [(code, str(TERM_WORDS.get(code, label))) for code, label in vocabulary.terms.items()]


def words() -> dict[str, Any]:
    """What the inbox and link templates use to word statuses, moves and fields."""
    settings = _settings()
    return {
        "status_words": STATUS_WORDS,
        "move_words": MOVE_WORDS,
        "field_words": FIELD_WORDS,
        "kind_words": KIND_WORDS,
        "preference_words": PREFERENCE_WORDS,
        "reasons": terms(settings.reasons),
        "outcomes": terms(settings.outcomes),
        "needs_reason": lifecycle.NEEDS_REASON,
        "needs_outcome": lifecycle.NEEDS_OUTCOME,
        "term_words": {**settings.reasons.terms, **settings.outcomes.terms, **TERM_WORDS},
        "now": utcnow(),
    }


def _referral_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Problem(404, _("No referral has that id.")) from None


def _list_page(errors: dict[str, Any] | None = None, status: int = 200) -> Any:
    show_all = request.args.get("show") == "all"
    items = queries.inbox(get_session(), _actor(), open_only=not show_all)
    page = render_template(
        "referrals/inbox.html",
        items=items,
        show_all=show_all,
        errors=errors or {},
        **words(),
    )
    return page, status


def _detail_page(referral_id: uuid.UUID, errors: dict[str, Any] | None = None, status: int = 200) -> Any:
    item = queries.incoming(get_session(), _actor(), referral_id)
    page = render_template("referrals/inbox_detail.html", item=item, errors=errors or {}, **words())
    return page, status


def _sentence(exc: Problem, to: str) -> str:
    """The refusal in the reader's language (the services' sentences are for the API)."""
    if exc.param == "reason":
        return str(_("Choose the outcome.") if to in lifecycle.NEEDS_OUTCOME else _("Choose a reason."))
    if exc.param == "note":
        return str(
            _("A reason of other needs words of its own: write them in the note (at most 4000 characters).")
        )
    if exc.param == "question":
        return str(_("Write the question for the referring team (at most 1000 characters)."))
    return str(_("This referral cannot take that step now: it changed meanwhile. Here is how it stands."))


def _refused(referral_id: uuid.UUID, exc: Problem, where: str) -> Any:
    """The same page again with the sentence on the field it names and what was typed kept.
    The refused write is rolled back; the reads of the page are audited and kept."""
    session = get_session()
    session.rollback()
    field = exc.param if exc.param in ("reason", "note", "question") else "form"
    errors = {
        "referral": str(referral_id),
        "form_name": request.form.get("form_name", ""),
        "field": field,
        "detail": _sentence(exc, request.form.get("to", "")),
        "summary": str(FIX) if field != "form" else _sentence(exc, request.form.get("to", "")),
        "typed": {k: request.form.get(k, "") for k in ("to", "reason", "note", "question")},
    }
    page, _status = _detail_page(referral_id, errors) if where == "detail" else _list_page(errors)
    session.commit()  # the audit rows of this page's reads; the refusal itself changed nothing
    return page, exc.status


def _back(referral_id: uuid.UUID) -> Any:
    if request.form.get("back") == "detail":
        return redirect(url_for("referrals_inbox.detail", referral_id=referral_id))
    return redirect(url_for("referrals_inbox.inbox") + f"#r-{referral_id}")


@bp.get("/inbox")
@admits("provider")
def inbox() -> Any:
    return _list_page()


@bp.get("/inbox/<referral_id>")
@admits("provider")
def detail(referral_id: str) -> Any:
    return _detail_page(_referral_id(referral_id))


@bp.post("/inbox/<referral_id>/move")
@admits("provider")
def move(referral_id: str) -> Any:
    """Accept, decline (a reason), start, hold (a reason), fail (a reason), complete (an outcome)."""
    csrf.protect()
    wanted = _referral_id(referral_id)
    to = request.form.get("to", "")
    where = "detail" if request.form.get("back") == "detail" else "list"
    try:
        services.transition(
            get_session(),
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
        return _refused(wanted, exc, where)
    flash(str(DONE_WORDS.get(to, _("Saved."))), "done")
    return _back(wanted)


@bp.post("/inbox/<referral_id>/ask")
@admits("provider")
def ask(referral_id: str) -> Any:
    """A question back to the referring team; the referral waits for the answer as it was."""
    csrf.protect()
    wanted = _referral_id(referral_id)
    where = "detail" if request.form.get("back") == "detail" else "list"
    try:
        services.ask(
            get_session(), _actor(), wanted, request.form.get("question"), outgoing=_settings().outgoing
        )
    except Problem as exc:
        if exc.status == 404:
            raise
        return _refused(wanted, exc, where)
    flash(
        _("Your question was sent to the referring team. It is on the referral for them to answer."), "done"
    )
    return _back(wanted)


# ------------------------------------------------------------------ signed links (no account)

LINK_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
LINK_ACTIONS = {notify.ACCEPT: "accepted", notify.DECLINE: "rejected"}


def _link_actor(referral: Referral) -> Actor:
    """Whoever holds the provider's link acts for the referral's organization, channel email-link."""
    assert referral.organization_id is not None
    address = notify.provider_address(get_session(), referral)
    label = f"e-mail link ({address})" if address else "e-mail link"
    return Actor.signed_link(referral.organization_id, label, address=request.remote_addr)


def _link_referral(link: links.SignedLink) -> Referral:
    referral = get_session().get(Referral, link.subject_id)
    if referral is None or referral.organization_id is None:
        raise links.LinkUnknown()
    return referral


def _link_refused(exc: links.LinkError) -> Any:
    """Used (when, for what), withdrawn (when), expired (when, and whom to ask), or unknown."""
    link = exc.link
    referral = get_session().get(Referral, link.subject_id) if link is not None else None
    team = worker = None
    if referral is not None and exc.reason == "expired":
        team = queries.referring_team(get_session(), referral)
        worker = notify.worker_address(get_session(), referral)
    page = render_template(
        "referrals/link_refused.html",
        reason=exc.reason,
        link=link,
        action=LINK_ACTIONS.get(link.purpose) if link is not None else None,
        referral=referral,
        team=team,
        worker=worker,
        status_words=STATUS_WORDS,
    )
    return page, exc.status, LINK_HEADERS


def _link_page(token: str, link: links.SignedLink, referral: Referral, errors: Any = None) -> str:
    item = queries.incoming(get_session(), _link_actor(referral), referral.id)
    return render_template(
        "referrals/link.html",
        token=token,
        action=LINK_ACTIONS[link.purpose],
        link=link,
        item=item,
        errors=errors or {},
        **words(),
    )


@bp.get("/r/<token>")
@admits(ANYONE)
def link(token: str) -> Any:
    """What the link would do, and its button: looking never spends the link."""
    session = get_session()
    try:
        found = links.check_link(session, token, notify.PURPOSES)
        referral = _link_referral(found)
    except links.LinkError as exc:
        return _link_refused(exc)
    return _link_page(token, found, referral), 200, LINK_HEADERS


@bp.post("/r/<token>")
@admits(ANYONE)
def link_answer(token: str) -> Any:
    """Spend the link and accept or decline, together or not at all."""
    csrf.protect()
    session = get_session()
    try:
        found = links.check_link(session, token, notify.PURPOSES)
        referral = _link_referral(found)
        to = LINK_ACTIONS[found.purpose]
        links.use_link(session, token, found.purpose)
        services.transition(
            session,
            _link_actor(referral),
            referral.id,
            to,
            _settings(),
            reason=request.form.get("reason") or None,
            note=request.form.get("note") or None,
        )
    except links.LinkError as exc:
        session.rollback()
        return _link_refused(exc)
    except Problem as exc:
        session.rollback()  # the link is unused again; nothing changed
        found = links.check_link(session, token, notify.PURPOSES)
        referral = _link_referral(found)
        errors = {
            "referral": str(referral.id),
            "form_name": "link",
            "field": exc.param if exc.param in ("reason", "note") else "form",
            "detail": _sentence(exc, LINK_ACTIONS[found.purpose]),
            "typed": {k: request.form.get(k, "") for k in ("reason", "note")},
        }
        page = _link_page(token, found, referral, errors)
        session.commit()  # the audit rows of the page's reads
        return page, exc.status, LINK_HEADERS
    page = render_template("referrals/link_done.html", action=to, referral=referral, **words())
    return page, 200, LINK_HEADERS
