"""Search for people (`/` and `/search`) and for programs (`GET /api/v1/search`): one code path.

The home page is the short form of the search page: one box (and where, if known) for a
person in a hurry; `/search` adds the filters. Both run the same engine and lay out each
result with the same card (templates/search/_card.html).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request
from werkzeug.datastructures import MultiDict

import geo
from kernel.authz import CATALOG, admits
from kernel.db import get_db, get_session
from kernel.errors import bad_param
from kernel.geocoding import app_geocoder, cached_locate
from kernel.openapi import register_paths
from search import unmet
from search.openapi_spec import PATHS, SCHEMAS
from search.params import ParamError, SearchParams, parse_params
from search.query import SearchContext, search

bp = Blueprint("search", __name__)
register_paths(PATHS, SCHEMAS)

# Quick searches on the home page: the words people in a hurry type.
QUICK = ("shelter", "food", "detox", "crisis", "rent", "legal", "family", "veterans")


def _context() -> SearchContext:
    return SearchContext(
        timezone=current_app.config["TIMEZONE"],
        stale_hours=float(current_app.config["CAPACITY_STALE_HOURS"]),
    )


def _locate(text: str) -> geo.Place:
    """`near=` is placed like a match's location: online when configured, answers cached."""
    return cached_locate(get_session(), text, geocoder=app_geocoder())


def _run(args: Any, channel: str) -> dict[str, Any]:
    params = parse_params(args, timezone=current_app.config["TIMEZONE"], locate=_locate)
    result = search(get_session(), params, _context())
    if not result["total"] and params.page == 1:
        _record_unmet(params, result, channel)
    return result


def _record_unmet(params: SearchParams, result: dict[str, Any], channel: str) -> None:
    """Nothing found: keep the need, the ZIP and the hour (see search.unmet), nothing else."""
    need = unmet.need_text(params.taxonomy or result["query"]["terms"] or [params.q])
    unmet.record_apart(
        get_db().sessionmaker,  # type: ignore[arg-type]
        kind="search",
        channel=channel,
        need=need,
        area=unmet.coarse_area(params.near, params.point),
        now=datetime.now(UTC),
    )


def _page(template: str, args: Any, **kw: Any) -> Any:
    """Run the search when something was asked; a bad parameter keeps what was typed."""
    result: dict[str, Any] | None = None
    error: ParamError | None = None
    if any(v for v in args.values()):
        try:
            result = _run(args, "page")
        except ParamError as exc:
            error = exc
    html = render_template(template, args=args, result=result, error=error, **kw)
    return html, 400 if error else 200


@bp.get("/api/v1/search")
@admits(CATALOG)
def api_search() -> Any:
    try:
        return jsonify(_run(request.args, "api"))
    except ParamError as exc:
        raise bad_param(exc.param, exc.detail) from None


@bp.get("/")
@admits(CATALOG)
def home() -> Any:
    args = {k: v for k, v in request.args.items() if k in ("q", "near", "lat", "lon", "page")}
    if not (args.get("q") or "").strip():
        args = {}  # a place alone is not a search: the page offers the common ones instead
    return _page("search/home.html", args, quick=QUICK)


@bp.get("/search")
@admits(CATALOG)
def page() -> Any:
    # The filters form sends every field, the empty ones too ("any distance", no age): an
    # empty field is a filter not chosen, not a bad value.
    args = MultiDict([(k, v) for k, v in request.args.items(multi=True) if v.strip()])
    return _page("search/search.html", args, params=SearchParams())
