"""The match page (``/match``) and API (``POST /api/v1/match``): parse, call, render.

Client details are sensitive: they arrive in a POST body, are used for this one answer and
are never stored or logged.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request

from kernel.db import get_db, get_session
from kernel.errors import bad_param
from kernel.geocoding import app_geocoder, cached_locate
from kernel.openapi import register_paths
from matching import populations as pop
from matching.openapi_spec import PATHS, SCHEMAS
from matching.parse import InvalidField, parse_request
from matching.points import PointsCache
from matching.presets import PRESETS
from matching.service import Outcome, find_matches
from matching.types import GENDERS, HOUSEHOLDS, INSURANCES, URGENCIES

bp = Blueprint("matching", __name__)
register_paths(PATHS, SCHEMAS)

COMMON_POPULATIONS = [
    "Veterans",
    "Domestic Violence Survivors",
    "Pregnant",
    "LGBTQ",
    "Physical Disability",
    "Mental Illness",
    "Substance Dependency",
    "Ex-Offenders",
    "Homeless",
]


def _run(body: Any) -> Outcome:
    cfg = current_app.config
    req = parse_request(body, cfg.get("MATCH_WEIGHTS"))
    return find_matches(
        get_session(),
        req,
        tz=cfg.get("TIMEZONE"),
        stale_after=timedelta(hours=float(cfg.get("CAPACITY_STALE_HOURS", 24))),
        follow_through=current_app.extensions.get("follow_through"),
        locate=lambda text: cached_locate(get_session(), text, geocoder=app_geocoder()),
        points=_points(),
    )


def _points() -> PointsCache:
    """The app's in-process index of service locations (see matching.points)."""
    cache = current_app.extensions.get("match_points")
    if cache is None:
        ttl = float(current_app.config["MATCH_INDEX_TTL"])
        cache = PointsCache(ttl, get_db().sessionmaker)
        current_app.extensions["match_points"] = cache
    return cache


@bp.post("/api/v1/match")
def api_match() -> Any:
    body = request.get_json(silent=True)
    if body is None:
        raise bad_param("body", "the body must be a JSON object (Content-Type: application/json)")
    try:
        outcome = _run(body)
    except InvalidField as exc:
        raise bad_param(exc.field, exc.message) from None
    answer = outcome.ranking.as_dict()
    if outcome.needs.lat is not None:
        answer["location"] = {
            "lat": outcome.needs.lat,
            "lon": outcome.needs.lon,
            "label": outcome.place.label if outcome.place else None,
        }
    return jsonify(answer)


def _split(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").replace("\n", ",").split(",") if p.strip()]


def _form_to_body(form: Any) -> dict[str, Any]:
    """The page's form in the API's shape, so both go through one parser."""
    populations = form.getlist("populations") + _split(form.get("populations_other"))
    return {
        "needs": _split(form.get("needs")),
        "client": {
            "age": form.get("age", "").strip() or None,
            "gender": form.get("gender") or None,
            "household": form.get("household") or None,
            "populations": populations,
            "languages": _split(form.get("languages")),
            "insurance": form.get("insurance") or None,
            "accessibility": _split(form.get("accessibility")),
            "pets": form.get("pets") or None,
            "has_id": form.get("has_id") or None,
        },
        "location": form.get("location", "").strip() or None,
        "radius_km": form.get("radius_km", "").strip() or None,
        "urgency": form.get("urgency") or None,
    }


def _preset_values(name: str | None) -> dict[str, Any]:
    preset = PRESETS.get(name or "")
    if not preset:
        return {}
    values: dict[str, Any] = {"needs": ", ".join(preset["needs"])}
    for key in ("urgency", "household", "age"):
        if key in preset:
            values[key] = str(preset[key])
    pops = preset.get("populations", [])
    values["populations"] = [p for p in pops if p in COMMON_POPULATIONS]
    values["populations_other"] = ", ".join(p for p in pops if p not in COMMON_POPULATIONS)
    return values


def _render(values: dict[str, Any], **kw: Any) -> Any:
    return render_template(
        "matching/match.html",
        values=values,
        presets=PRESETS,
        genders=[g for g in GENDERS if g != "unknown"],
        households=HOUSEHOLDS,
        insurances=INSURANCES,
        urgencies=URGENCIES,
        common_populations=COMMON_POPULATIONS,
        situation_names=sorted({s.name for s in pop.situations().values()}),
        **kw,
    )


@bp.get("/match")
def match_page() -> Any:
    return _render(_preset_values(request.args.get("preset")))


@bp.post("/match")
def match_submit() -> Any:
    values: dict[str, Any] = request.form.to_dict()
    values["populations"] = request.form.getlist("populations")
    try:
        outcome = _run(_form_to_body(request.form))
    except InvalidField as exc:
        return _render(values, error=exc.message, error_field=exc.field), 400
    return _render(values, outcome=outcome)
