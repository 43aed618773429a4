"""The field view's pages: `/field`, its essentials, sharing, the shared list, the worker.

Thin: read the query string, ask `field.queries`, render. Everything here is the public
catalog (`CATALOG`) except the list a person opens from a QR code or a text, which works
without an account on any deployment (`ANYONE`: it holds catalog data only), and the service
worker's script, which is code like a static file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import segno
from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

import geo
import phrases
from field import lists, needs, queries, share
from kernel.authz import ANYONE, CATALOG, admits
from kernel.db import get_session
from kernel.geocoding import app_geocoder, cached_locate
from kernel.i18n import COOKIE, LANGUAGES, NAMES, current_language
from search.params import ParamError, parse_params
from search.query import SearchContext

bp = Blueprint("field", __name__)
SCOPE = "/field"


def _context() -> SearchContext:
    return SearchContext(
        timezone=current_app.config["TIMEZONE"],
        stale_hours=float(current_app.config["CAPACITY_STALE_HOURS"]),
    )


def _locate(text: str) -> geo.Place:
    return cached_locate(get_session(), text, geocoder=app_geocoder())


def _place(args: Any) -> tuple[dict[str, str], tuple[float, float] | None]:
    """The place asked (lat and lon, or a ZIP or address), as the args to carry in links and a point."""
    given = {k: args[k].strip() for k in ("lat", "lon", "near") if (args.get(k) or "").strip()}
    p = parse_params(given, timezone=current_app.config["TIMEZONE"], locate=_locate)
    return given, p.point


def crisis_lines() -> list[tuple[str, str]]:
    """988 first, the deployment's own lines, then 911: always on the field pages."""
    lines = [(_("988 Suicide and Crisis Lifeline"), "988")]
    lines += list(current_app.config["CRISIS_LINES"].items())
    lines.append((_("Emergency: 911"), "911"))
    return lines


def _common(fetched: dt.datetime | None = None) -> dict[str, Any]:
    when = fetched or dt.datetime.now(dt.UTC)
    return {
        "crisis_lines": crisis_lines(),
        "fetched_iso": when.isoformat(timespec="seconds"),
        "fetched_text": phrases.fetched(when, current_app.config["TIMEZONE"]),
        "worker_url": url_for("field.worker"),
        "scope": request.script_root + SCOPE,
    }


@bp.get("/field")
@admits(CATALOG)
def field() -> Any:
    """Near me: the quick needs, a place, and what is open now nearest first."""
    need = needs.NEEDS.get(request.args.get("need", ""))
    q = (request.args.get("q") or "").strip()[:200]
    error: ParamError | None = None
    results: queries.FieldResults | None = None
    loc: dict[str, str] = {}
    try:
        loc, point = _place(request.args)
        if point or need or q:
            results = queries.near(get_session(), _context(), q or (need.query if need else ""), point)
    except ParamError as exc:
        error = exc
        loc = {k: v for k, v in request.args.items() if k in ("near",)}
    html = render_template(
        "field/field.html",
        needs=needs.chosen(current_app.config["FIELD_NEEDS"]),
        need=need,
        q=q,
        loc=loc,
        results=results,
        error=error,
        languages=NAMES,
        **_common(results.fetched if results else None),
    )
    return html, 400 if error else 200


@bp.get("/field/essentials")
@admits(CATALOG)
def essentials() -> Any:
    """Crisis lines, 24-hour shelters and crisis services: the page kept for no signal."""
    try:
        loc, point = _place(request.args)
    except ParamError:
        loc, point = {}, None
    found = queries.essentials(get_session(), _context(), point)
    return render_template("field/essentials.html", found=found, loc=loc, **_common(found.fetched))


def _list_language(requested: str | None) -> str:
    return requested if requested in LANGUAGES else current_language()


def list_url(token: str) -> str:
    """The list's address for a phone that is not on this network: the deployment's own
    address when it is set (LINKAGE_BASE_URL), else the one this request came to."""
    path = url_for("field.shared_list", token=token)
    base = current_app.config.get("BASE_URL")
    return base + path if base else request.host_url.rstrip("/") + path


def qr_svg(url: str) -> str:
    """The QR code of `url` as inline SVG, drawn here (no image service, nothing to load)."""
    return segno.make(url, error="m").svg_inline(scale=4, border=4, omitsize=True, title=None)


@bp.get("/field/share")
@admits(CATALOG)
def share_page() -> Any:
    """The picked results as a text message, a printed page and a QR code, in the person's language."""
    picks = lists.parse_picks(request.args.getlist("pick"))
    language = _list_language(request.args.get("lang"))
    session, ctx = get_session(), _context()
    try:
        loc, point = _place(request.args)
    except ParamError:
        loc, point = {}, None
    token = lists.make_token(current_app.secret_key or "", picks, language) if picks else None
    url = list_url(token) if token else None
    qr = qr_svg(url) if url else None
    with force_locale(language):
        cards = queries.cards_for(session, ctx, picks, point)
        body = share.sms_body(cards)
        # A rendered (autoescaped) template is HTML already: mark it so, not escape it twice.
        handout = Markup(render_template("field/_handout.html", cards=cards, qr=qr, language=language))  # noqa: S704
    return render_template(
        "field/share.html",
        cards=cards,
        language=language,
        language_name=NAMES[language],
        sms_body=body,
        sms_href=share.sms_href(body) if body else None,
        list_url=url,
        handout=handout,
        loc=loc,
        **_common(),
    )


@bp.get("/field/list/<token>")
@admits(ANYONE)
def shared_list(token: str) -> Any:
    """The list a person opens on their own phone: the token's language unless they chose one."""
    picks, language = lists.read_token(
        current_app.secret_key or "", token, float(current_app.config["FIELD_LIST_DAYS"])
    )
    if request.cookies.get(COOKIE) in LANGUAGES:
        language = request.cookies[COOKIE]
    with force_locale(language):
        cards = queries.cards_for(get_session(), _context(), picks)
        return render_template("field/list.html", cards=cards, **_common())


@bp.get("/field/sw.js")
@admits(ANYONE)
def worker() -> Response:
    """The service worker, from our origin, allowed to control /field and below."""
    path = Path(current_app.static_folder or "") / "js" / "field-sw.js"
    resp = Response(path.read_bytes(), mimetype="text/javascript")
    resp.headers["Service-Worker-Allowed"] = request.script_root + SCOPE
    return resp
