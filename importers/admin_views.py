"""The duplicate-review queue for administrators (`/admin/duplicates`): each pair side by side
with its sources and score, and the decisions `linkage duplicates` makes: keep one (the
other becomes inactive, both keep their provenance) or keep them apart (not proposed again).

Thin views over `importers.duplicates`; the decision is written as the admin, so the
record made inactive and the decision are rows of the change log with their name.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from importers import duplicates
from importers.models import DuplicateCandidate
from kernel.authz import admits
from kernel.db import get_session
from kernel.errors import Problem
from kernel.identity import current_identity

bp = Blueprint("duplicates_admin", __name__)
# What each part of a score measures, in the order the page shows them.
SIGNALS = {
    "name": _l("name"),
    "address": _l("address"),
    "phone": _l("same phone"),
    "website": _l("same website"),
    "distance": _l("nearby"),
}


def _id(value: str | None) -> uuid.UUID:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        abort(404, _("No pair has that id."))


@bp.get("/admin/duplicates")
@admits("admin")
def queue() -> Any:
    pairs = duplicates.review_queue(get_session())
    return render_template("importers/duplicates.html", pairs=pairs, signals=SIGNALS)


def _decide(candidate_id: str, keep: str | None, apart: bool) -> Any:
    current_app.extensions["csrf"].protect()  # the app's CSRFProtect (accounts.views)
    session = get_session()
    session.info["actor"] = current_identity().email or "web"
    cid = _id(candidate_id)
    if session.get(DuplicateCandidate, cid) is None:
        abort(404, _("No pair has that id."))
    try:
        if apart:
            duplicates.keep_apart(session, cid)
        else:
            duplicates.merge(session, cid, keep=_id(keep))
    except duplicates.DuplicateError:
        raise Problem(409, _("This pair was decided already, or that record is not one of it.")) from None
    flash(
        _("Kept apart: the pair is not proposed again.")
        if apart
        else _("Merged: the other record is now inactive.")
    )
    return redirect(url_for("duplicates_admin.queue"), 303)


@bp.post("/admin/duplicates/<candidate_id>/merge")
@admits("admin")
def merge(candidate_id: str) -> Any:
    return _decide(candidate_id, request.form.get("keep"), apart=False)


@bp.post("/admin/duplicates/<candidate_id>/keep-apart")
@admits("admin")
def keep_apart(candidate_id: str) -> Any:
    return _decide(candidate_id, None, apart=True)
