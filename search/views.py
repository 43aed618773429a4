"""Search for people (`/search`) and for programs (`GET /api/v1/search`): one code path."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request

from kernel.db import get_session
from kernel.errors import bad_param
from kernel.openapi import register_paths
from search.openapi_spec import PATHS, SCHEMAS
from search.params import ParamError, SearchParams, parse_params
from search.query import SearchContext, search

bp = Blueprint("search", __name__)
register_paths(PATHS, SCHEMAS)


def _context() -> SearchContext:
    return SearchContext(
        timezone=current_app.config["TIMEZONE"],
        stale_hours=float(current_app.config["CAPACITY_STALE_HOURS"]),
    )


def _run(args: Any) -> dict[str, Any]:
    params = parse_params(args, timezone=current_app.config["TIMEZONE"])
    return search(get_session(), params, _context())


@bp.get("/api/v1/search")
def api_search() -> Any:
    try:
        return jsonify(_run(request.args))
    except ParamError as exc:
        raise bad_param(exc.param, exc.detail) from None


@bp.get("/search")
def page() -> Any:
    args = request.args
    result: dict[str, Any] | None = None
    error: ParamError | None = None
    if any(v for v in args.values()):
        try:
            result = _run(args)
        except ParamError as exc:
            error = exc
    status = 400 if error else 200
    return (
        render_template("search/search.html", args=args, result=result, error=error, params=SearchParams()),
        status,
    )
