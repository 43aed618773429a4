"""The match page (``/match``) and API (``POST /api/v1/match``): parse, call, render.

Client details are sensitive: they arrive in a POST body, are used for this one answer and
are never stored or logged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from catalog import rules
from kernel.authz import CATALOG, admits
from kernel.db import get_db, get_session
from kernel.errors import bad_param
from kernel.geocoding import app_geocoder, cached_locate
from kernel.openapi import register_paths
from matching import populations as pop
from matching.openapi_spec import PATHS, SCHEMAS
from matching.parse import InvalidField, parse_request
from matching.presets import PRESETS
from matching.service import Outcome, find_matches
from matching.types import GENDERS, HOUSEHOLDS, INSURANCES, URGENCIES, Status
from search import unmet

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


# What the form shows for each code it sends (the codes stay English: they are the API's).
OPTION_LABELS = {
    "female": _l("female"),
    "male": _l("male"),
    "transgender": _l("transgender"),
    "nonbinary": _l("nonbinary"),
    "single_adult": _l("single adult"),
    "family_with_children": _l("family with children"),
    "unaccompanied_youth": _l("unaccompanied youth"),
    "medicaid": _l("Medicaid"),
    "medicare": _l("Medicare"),
    "private": _l("private"),
    "none": _l("none"),
    "now": _l("now"),
    "tonight": _l("tonight"),
    "this_week": _l("this week"),
    "yes": _l("yes"),
    "no": _l("no"),
    "Veterans": _l("Veterans"),
    "Domestic Violence Survivors": _l("Domestic Violence Survivors"),
    "Pregnant": _l("Pregnant"),
    "LGBTQ": _l("LGBTQ"),
    "Physical Disability": _l("Physical Disability"),
    "Mental Illness": _l("Mental Illness"),
    "Substance Dependency": _l("Substance Dependency"),
    "Ex-Offenders": _l("Ex-Offenders"),
    "Homeless": _l("Homeless"),
    # the presets' labels
    "Mental-health crisis": _l("Mental-health crisis"),
    "Withdrawal / detox": _l("Withdrawal / detox"),
    "Domestic violence": _l("Domestic violence"),
    "Family without a home tonight": _l("Family without a home tonight"),
    "Youth on their own": _l("Youth on their own"),
}


def _run(body: Any, channel: str) -> Outcome:
    cfg = current_app.config
    req = parse_request(body, cfg.get("MATCH_WEIGHTS"))
    outcome = find_matches(
        get_session(),
        req,
        tz=cfg.get("TIMEZONE"),
        max_ages=rules.MaxAges.from_config(cfg),
        follow_through=current_app.extensions.get("follow_through"),
        locate=lambda text: cached_locate(get_session(), text, geocoder=app_geocoder()),
    )
    if not outcome.ranking.matches:
        _record_unmet(outcome, req.location, channel)
    return outcome


def _record_unmet(outcome: Outcome, location: str | None, channel: str) -> None:
    """No eligible provider: keep the needs, the ZIP, the hour and how many services each
    rule excluded (see search.unmet); nothing about the client."""
    needs = outcome.needs
    point = (needs.lat, needs.lon) if needs.lat is not None and needs.lon is not None else None
    unmet.record_apart(
        get_db().sessionmaker,  # type: ignore[arg-type]
        kind="match",
        channel=channel,
        need=unmet.need_text(n.label if n.term_ids else " ".join(n.words) for n in needs.needs),
        area=(outcome.place.postcode if outcome.place else None) or unmet.coarse_area(location, point),
        now=datetime.now(UTC),
        reasons=unmet.reason_counts(
            [(c.rule, c.status is Status.FAIL) for c in e.facts.checks] for e in outcome.ranking.excluded
        ),
        candidates=len(outcome.ranking.excluded),
    )


@bp.post("/api/v1/match")
@admits(CATALOG)
def api_match() -> Any:
    body = request.get_json(silent=True)
    if body is None:
        raise bad_param("body", "the body must be a JSON object (Content-Type: application/json)")
    try:
        outcome = _run(body, "api")
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
        labels=OPTION_LABELS,
        situation_names=sorted({s.name for s in pop.situations().values()}),
        **kw,
    )


@bp.get("/match")
@admits(CATALOG)
def match_page() -> Any:
    """A preset with a known place runs at once; a preset alone asks only for the place."""
    key = request.args.get("preset") or ""
    values = _preset_values(key)
    if key not in PRESETS:
        return _render(values)
    location = (request.args.get("location") or "").strip()
    if not location:
        return _render(values, preset_key=key, ask_place=True)
    values["location"] = location
    if request.args.get("radius_km"):
        values["radius_km"] = request.args["radius_km"].strip()
    form = MultiDict([(k, v) for k, v in values.items() if k != "populations" and v])
    form.setlist("populations", values.get("populations", []))
    try:
        outcome = _run(_form_to_body(form), "page")
    except InvalidField as exc:
        return _render(values, preset_key=key, ask_place=True, error=exc.message, error_field=exc.field), 400
    return _render(values, preset_key=key, outcome=outcome)


@bp.post("/match")
@admits(CATALOG)
def match_submit() -> Any:
    values: dict[str, Any] = request.form.to_dict()
    values["populations"] = request.form.getlist("populations")
    try:
        outcome = _run(_form_to_body(request.form), "page")
    except InvalidField as exc:
        return _render(values, error=exc.message, error_field=exc.field), 400
    return _render(values, outcome=outcome)
