"""The synonym table for administrators (`/admin/synonyms`): every pair with a Remove button,
a form to add one, and a box that shows what a word expands to, read by search's own parsing
(`search.query.read_text`), so what the page says is what the next search does.

Thin views over `search.synonyms` (the same functions and refusals as `linkage synonyms`);
each addition and removal is a row of the change log, written as the admin.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from catalog import changelog
from kernel.authz import admits
from kernel.db import get_session
from kernel.identity import current_identity
from search import synonyms
from search.query import read_text

bp = Blueprint("search_admin", __name__)
MAX_PHRASE = 100
PER_PAGE = 50  # pairs a page of the table (a phone's screen scrolls, it does not crawl)


def _expansion(word: str) -> list[tuple[str, list[str]]]:
    """Each phrase search keeps of `word`, with what it also looks for (itself first)."""
    parsed = read_text(get_session(), word)
    if parsed.query is None:
        return []
    return [(group[0], group[1:]) for group in parsed.query.groups]


def _number(text: str | None) -> int:
    try:
        return max(1, int(text or 1))
    except ValueError:
        return 1


def _page(status: int = 200, **kw: Any) -> Any:
    """The page; with a word, the table holds that word's pairs, else PER_PAGE pairs a page."""
    session = get_session()
    word = (request.args.get("word") or "").strip()[:MAX_PHRASE]
    every = synonyms.list_synonyms(session)
    number = _number(request.args.get("page"))
    if word:
        plain = synonyms.normalize(word)
        shown = [p for p in every if plain in (p.term, p.synonym)]
    else:
        shown = every[(number - 1) * PER_PAGE : number * PER_PAGE]
    page = render_template(
        "search/synonyms.html",
        pairs=shown,
        total=len(every),
        number=number,
        more=not word and number * PER_PAGE < len(every),
        word=word,
        expansion=_expansion(word) if word else None,
        changes=changelog.recent(session, synonyms.TABLE),
        typed=kw.pop("typed", {}),
        errors=kw.pop("errors", {}),
        **kw,
    )
    return page, status


@bp.get("/admin/synonyms")
@admits("admin")
def page() -> Any:
    return _page()


def _actor() -> None:
    get_session().info["actor"] = current_identity().email or "web"


@bp.post("/admin/synonyms")
@admits("admin")
def add() -> Any:
    current_app.extensions["csrf"].protect()  # the app's CSRFProtect (accounts.views)
    term, synonym = request.form.get("term", ""), request.form.get("synonym", "")
    typed = {"term": term, "synonym": synonym}
    errors = {}
    for name, value in typed.items():
        if not synonyms.normalize(value):
            errors[name] = _("Write a word or a phrase.")
        elif len(value.strip()) > MAX_PHRASE:
            errors[name] = _("Write at most %(num)d characters.", num=MAX_PHRASE)
    if not errors and synonyms.normalize(term) == synonyms.normalize(synonym):
        errors["synonym"] = _("A word cannot be a synonym of itself.")
    if errors:
        return _page(400, typed=typed, errors=errors)
    _actor()
    row = synonyms.add_synonym(get_session(), term, synonym)
    flash(_("Search now finds %(a)s and %(b)s for each other.", a=row.term, b=row.synonym))
    return redirect(url_for("search_admin.page", word=row.term), 303)


@bp.post("/admin/synonyms/remove")
@admits("admin")
def remove() -> Any:
    current_app.extensions["csrf"].protect()
    term, synonym = request.form.get("term", ""), request.form.get("synonym", "")
    _actor()
    removed = synonyms.remove_synonym(get_session(), term, synonym or None)
    if removed:
        flash(ngettext("Removed %(num)d pair.", "Removed %(num)d pairs.", removed))
    else:
        flash(_("No such pair: nothing was removed."))
    back = request.form.get("word") or None
    return redirect(url_for("search_admin.page", word=back), 303)
