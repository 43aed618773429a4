"""The provider's form of a service's details (`/provider/services/<id>/edit`): description,
hours, phones, who may come and languages.

Thin views over `catalog.details`: another organization's service is a 403 before anything
is read from the form; a refused form comes back (422) with what was typed and each fault
under its field, nothing written; a saved one is written through the change log as the
person and leads back to the provider's page with a sentence saying so.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

import phrases
from catalog import details
from hours.describe import day_abbr
from kernel.authz import admits
from kernel.db import get_session
from kernel.identity import current_identity

bp = Blueprint("provider_details", __name__)


def _service_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        abort(404, _("No service has that id."))


def _languages() -> list[tuple[str, str]]:
    """Every language the form offers, by its name in the reader's language."""
    named = [(code, phrases.language(code)) for code in phrases.LANGUAGES]
    return sorted(named, key=lambda pair: pair[1].casefold())


def _page(svc: Any, typed: details.Typed, errors: dict[str, str], status: int = 200) -> Any:
    page = render_template(
        "provider/details.html",
        service=svc,
        typed=typed,
        errors=errors,
        kept=details.kept_schedules(svc),
        languages=_languages(),
        days=[(code, day_abbr(n)) for n, code in enumerate(details.DAYS)],
        max_description=details.MAX_DESCRIPTION,
        max_eligibility=details.MAX_ELIGIBILITY,
    )
    return page, status


@bp.get("/provider/services/<service_id>/edit")
@admits("provider", "admin")
def edit(service_id: str) -> Any:
    svc = details.service_for_edit(get_session(), current_identity(), _service_id(service_id))
    return _page(svc, details.typed_from_record(svc), {})


@bp.post("/provider/services/<service_id>/edit")
@admits("provider", "admin")
def save(service_id: str) -> Any:
    current_app.extensions["csrf"].protect()  # the app's CSRFProtect (accounts.views)
    session, who = get_session(), current_identity()
    svc = details.service_for_edit(session, who, _service_id(service_id))
    if request.form.get("service_id") != str(svc.id):
        abort(403, _("This form may change only the details of %(service)s.", service=svc.name))
    lists = {
        key: request.form.getlist(key) for key in request.form if key.endswith("days") or key == "languages"
    }
    typed = details.typed_from_form(svc, request.form, lists)
    try:
        checked = details.check(typed)
    except details.Refused as exc:
        return _page(svc, typed, exc.errors, 422)
    details.apply(session, who, svc, checked)
    flash(_("Saved: the details of %(service)s.", service=svc.name))
    if who.role == "provider":
        return redirect(url_for("provider.page") + f"#service-{svc.id}", 303)
    return redirect(url_for("resources.service", service_id=svc.id), 303)
