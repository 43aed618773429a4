"""The provider's page (`/provider`): each of their services' figures with a − and a + beside
each and one Save, so the usual update is two taps on a phone; the same form from a signed
link e-mailed to the service's contact (`/provider/l/<token>`, no password); and the
coordinators' list of stale figures (`/provider/stale`).

Thin views: the figures and their age are `catalog.provider` (the one rule of staleness),
the Save is `catalog.services.set_figures` (checked, all or nothing, through the change log).
Without JavaScript − and + are submit buttons: the server changes the typed figure and shows
the form again, nothing saved; with `static/js/provider-steps.js` they change the field in
place. A refused Save comes back with what was typed and the refusal on its figure (422:
the edge rolls back, nothing is written). A GET of a link never spends it; the Save does, in
the same transaction as the figures.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from catalog import provider, rules, services
from catalog.models import Service
from kernel import links
from kernel.authz import ANYONE, admits
from kernel.db import begin_write, get_session, utcnow
from kernel.errors import Problem
from kernel.identity import Identity, current_identity

bp = Blueprint("provider", __name__)
LINK_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
LINK_TTL = dt.timedelta(days=7)


def _ages() -> rules.MaxAges:
    return rules.MaxAges.from_config(current_app.config)


@bp.app_context_processor
def _stale_count() -> dict[str, Any]:
    """The nav's nudge for a provider: how many of their figures are stale."""
    who = current_identity()
    if not who.authenticated or who.role != "provider" or not who.organizations:
        return {}
    try:
        found = provider.stale_figures(get_session(), utcnow(), _ages(), who.organizations)
    except SQLAlchemyError:
        current_app.logger.warning("the nav's stale count could not be read")
        return {}
    return {"stale_figures": len(found)}


def _service_id(raw: str | None) -> uuid.UUID:
    try:
        return uuid.UUID(raw or "")
    except ValueError:
        abort(404, _("No service has that id."))


def _number(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class Form:
    """What one service's form holds: the typed figures (by capacity id), a new unit, errors."""

    def __init__(self, svc: Service, data: Any = None) -> None:
        self.service = svc
        stored = {str(c.id): c for c in svc.capacities}
        self.typed = {
            cid: (data.get(f"available-{cid}", "") if data is not None else _plain(cap.available))
            for cid, cap in stored.items()
        }
        self.new_unit = (data.get("new_unit", "") if data is not None else "").strip()
        self.new_available = (data.get("new_available", "") if data is not None else "").strip()
        self.errors: dict[str, str] = {}
        self._stored = stored

    def step(self, value: str) -> None:
        """− or + without JavaScript: change the typed figure by one, never below zero."""
        cid, _sep, delta = value.partition(":")
        if cid not in self.typed or delta not in ("-1", "1"):
            return
        base = _number(self.typed[cid])
        if base is None:
            base = float(self._stored[cid].available)
        self.typed[cid] = _plain(max(0.0, base + float(delta)))

    def figures(self) -> list[services.FigureInput]:
        """The typed figures as set_figures takes them; a text that is no number is an error
        on its field here (the edge reads numbers; set_figures judges them)."""
        out = []
        for cid, text in self.typed.items():
            cap = self._stored[cid]
            value = _number(text)
            if value is None:
                self.errors[f"available-{cid}"] = _("Type a number of 0 or more.")
                continue
            out.append(services.FigureInput(str(cap.unit_id), value, at=_unit_name(cap.unit)))
        if self.new_unit or self.new_available:
            value = _number(self.new_available)
            if not self.new_unit:
                self.errors["new_unit"] = _("Name what you count, such as family rooms.")
            elif value is None:
                self.errors["new_available"] = _("Type a number of 0 or more.")
            else:
                out.append(services.FigureInput(self.new_unit, value, create=True, at=self.new_unit))
        return out

    def refused(self, problem: Problem, figs: list[services.FigureInput]) -> None:
        """Tie set_figures' refusal to the field of the figure it names."""
        detail = str(problem.detail)
        for fig in figs:
            if problem.param in (fig.field("available"), fig.field("maximum"), fig.field("unit")):
                if fig.create:
                    field = "new_unit" if problem.param == fig.field("unit") else "new_available"
                else:
                    cap = next(c for c in self._stored.values() if str(c.unit_id) == fig.unit)
                    field = f"available-{cap.id}"
                self.errors[field] = detail
                return
        self.errors["form"] = detail


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _unit_name(unit: Any) -> str:
    return unit.name if unit is not None else "place"


def _cards(session: Any, svcs: list[Service], forms: dict[uuid.UUID, Form] | None = None) -> list[Any]:
    found = provider.figures(session, svcs, utcnow(), _ages())
    forms = forms or {}
    return [(sf, forms.get(sf.service.id) or Form(sf.service)) for sf in found]


def _own_page(
    forms: dict[uuid.UUID, Form] | None = None, status: int = 200, notice: str | None = None
) -> Any:
    who = current_identity()
    session = get_session()
    svcs = provider.services_of(session, who.organizations)
    page = render_template(
        "provider/page.html",
        cards=_cards(session, svcs, forms),
        action=url_for("provider.save"),
        notice=notice,
        signed_in=True,
    )
    return page, status


def _check_may_change(session: Any, who: Identity, sid: uuid.UUID) -> None:
    """Another organization's service is a 403 before anything is read from the form."""
    for refusal in services.refusals(session, who, sid, []):
        abort(refusal.problem.status, str(refusal.problem.detail))


def _save(session: Any, who: Identity, svc: Service, form: Form, *, channel: str, label: str | None) -> bool:
    """Write the form's figures, or put the refusal on its field (and write nothing)."""
    figs = form.figures()
    if form.errors:
        return False
    try:
        services.set_figures(session, who, svc.id, figs, utcnow(), channel=channel, label=label)
    except Problem as exc:
        if exc.status in (403, 404):
            raise
        form.refused(exc, figs)
        return False
    return True


@bp.get("/provider")
@admits("provider")
def page() -> Any:
    return _own_page()


@bp.post("/provider")
@admits("provider")
def save() -> Any:
    current_app.extensions["csrf"].protect()  # the app's CSRFProtect (accounts.views)
    session, who = get_session(), current_identity()
    sid = _service_id(request.form.get("service_id"))
    begin_write(session)
    _check_may_change(session, who, sid)
    svc = provider.service(session, sid)
    if svc is None:
        abort(404, _("No service has that id."))
    form = Form(svc, request.form)
    if request.form.get("step"):
        form.step(request.form["step"])
        return _own_page({svc.id: form}, 200, _("Not saved yet: press Save to keep it."))
    if not _save(session, who, svc, form, channel="web", label=None):
        return _own_page({svc.id: form}, 422)
    flash(_("Saved: %(service)s.", service=svc.name))
    return redirect(url_for("provider.page") + f"#service-{svc.id}", 303)


# ---------------------------------------------------------------- the signed link


def link_actor(svc: Service) -> Identity:
    """Whoever holds a service's link may change that service's figures, nothing else."""
    orgs = frozenset({svc.organization_id}) if svc.organization_id else frozenset()
    return Identity(role="provider", organizations=orgs)


def _link_service(session: Any, link: links.SignedLink) -> Service:
    svc = provider.service(session, link.subject_id)
    if svc is None or svc.organization_id is None:
        raise links.LinkUnknown()
    return svc


def _link_label(svc: Service) -> str:
    address = (svc.email or (svc.organization.email if svc.organization else None) or "").strip()
    return f"e-mail link ({address})" if address else "e-mail link"


def _link_page(token: str, link: links.SignedLink, svc: Service, form: Form | None, **kw: Any) -> str:
    return render_template(
        "provider/page.html",
        cards=_cards(get_session(), [svc], {svc.id: form} if form else None),
        action=url_for("provider.link_save", token=token),
        link=link,
        signed_in=False,
        **kw,
    )


def _link_refused(exc: links.LinkError) -> Any:
    page = render_template("provider/link_refused.html", reason=exc.reason, link=exc.link)
    return page, exc.status, LINK_HEADERS


@bp.get("/provider/l/<token>")
@admits(ANYONE)
def link(token: str) -> Any:
    """The service's figures and their form: looking never spends the link."""
    session = get_session()
    try:
        found = links.check_link(session, token, provider.LINK_PURPOSE)
        svc = _link_service(session, found)
    except links.LinkError as exc:
        return _link_refused(exc)
    return _link_page(token, found, svc, None), 200, LINK_HEADERS


@bp.post("/provider/l/<token>")
@admits(ANYONE)
def link_save(token: str) -> Any:
    """− and + show the form again (the link unspent); Save spends it with the figures."""
    current_app.extensions["csrf"].protect()  # the app's CSRFProtect (accounts.views)
    session = get_session()
    begin_write(session)
    try:
        found = links.check_link(session, token, provider.LINK_PURPOSE)
        svc = _link_service(session, found)
    except links.LinkError as exc:
        return _link_refused(exc)
    form = Form(svc, request.form)
    if request.form.get("service_id") != str(svc.id):
        abort(403, _("This link may change only the figures of %(service)s.", service=svc.name))
    if request.form.get("step"):
        form.step(request.form["step"])
        notice = _("Not saved yet: press Save to keep it.")
        return _link_page(token, found, svc, form, notice=notice), 200, LINK_HEADERS
    try:
        links.use_link(session, token, provider.LINK_PURPOSE)
    except links.LinkError as exc:
        return _link_refused(exc)
    if not _save(session, link_actor(svc), svc, form, channel="email-link", label=_link_label(svc)):
        session.rollback()  # the link is unused again; nothing changed
        found = links.check_link(session, token, provider.LINK_PURPOSE)
        return _link_page(token, found, svc, form), 422, LINK_HEADERS
    done = render_template("provider/link_done.html", service=svc, cards=_cards(session, [svc]), now=utcnow())
    return done, 200, LINK_HEADERS


# ---------------------------------------------------------------- the coordinators' list


@bp.get("/provider/stale")
@admits("coordinator", "admin")
def stale() -> Any:
    """Every stale figure of an active service, the longest stale first, with its contact."""
    now = utcnow()
    found = provider.stale_figures(get_session(), now, _ages())
    return render_template("provider/stale.html", figures=found, now=now, ages=_ages())
