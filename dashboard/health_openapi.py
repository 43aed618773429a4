"""OpenAPI description of the unmet-need and catalog-health metrics (pure data, registered by
`dashboard.health_views`)."""

from __future__ import annotations

from typing import Any

from kernel.openapi import problem_response

_COUNT = {"type": "integer", "minimum": 0}
_TEXT = {"type": "string"}
_MAYBE_TEXT = {"type": ["string", "null"]}
_GAP = {"total": _COUNT, "searches": _COUNT, "matches": _COUNT}


def _rows(key: str, key_schema: dict[str, Any], description: str, **more: Any) -> dict[str, Any]:
    return {
        "type": "array",
        "description": description,
        "items": {"type": "object", "properties": {key: key_schema, **more}},
    }


_DECLINED = {"rejected": _COUNT, "failed": _COUNT, "total": _COUNT}
_SERVICE = {
    "type": "object",
    "properties": {"id": _TEXT, "name": _TEXT, "organization_id": _MAYBE_TEXT, "organization": _MAYBE_TEXT},
}
_MISSING = {
    "type": "object",
    "properties": {
        "total": _COUNT,
        "services": {"type": "array", "items": _SERVICE, "description": "The first 100, by name."},
    },
}

UNMET_EXAMPLE: dict[str, Any] = {
    "from": "2026-01-01",
    "to": "2026-12-31",
    "total": 3,
    "searches": 2,
    "matches": 1,
    "by_need": [{"need": "dental clinic", "total": 2, "searches": 2, "matches": 0},
                {"need": "emergency shelter", "total": 1, "searches": 0, "matches": 1}],  # fmt: skip
    "by_area": [{"area": "43215", "total": 3, "searches": 2, "matches": 1}],
    "by_month": [{"month": "2026-11", "total": 3, "searches": 2, "matches": 1}],
    "by_need_and_area": [{"need": "dental clinic", "area": "43215", "total": 2},
                         {"need": "emergency shelter", "area": "43215", "total": 1}],  # fmt: skip
    "by_reason": [{"code": "capacity", "matches": 1, "services": 2},
                  {"code": "age", "matches": 1, "services": 1}],
    "no_capacity": {"total": 1, "rejected": 1, "failed": 0,
                    "by_need": [{"need": "BD-1800.1900", "rejected": 1, "failed": 0, "total": 1}],
                    "by_provider": [{"organization_id": "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f",
                                     "name": "Harbor Shelter Inc.", "rejected": 1, "failed": 0, "total": 1}]},
}  # fmt: skip

CATALOG_EXAMPLE: dict[str, Any] = {
    "as_of": "2026-12-03",
    "services": 120,
    "verified_within_days": 90,
    "verified": 84,
    "verified_share": 0.7,
    "stale_capacity": {"total": 2, "by_provider": [
        {"organization_id": "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f", "name": "Harbor Shelter Inc.",
         "stale": 2, "figures": 3}]},
    "missing": {"phone": {"total": 0, "services": []}, "hours": {"total": 0, "services": []},
                "coordinates": {"total": 0, "services": []}},
    "problem_reports": {"open": 0, "by_kind": {}, "reports": []},
    "duplicates": {"open": 0, "by_table": {}, "pairs": []},
}  # fmt: skip

SCHEMAS: dict[str, Any] = {
    "UnmetNeedMetrics": {
        "type": "object",
        "description": (
            "Searches and matches that found no eligible provider in the period (the need, the ZIP, the "
            "hour and, for a match, how many services each eligibility rule excluded; nothing of the "
            "client is recorded), and the referrals declined or failed for no capacity (the caller's "
            "team, or every team for an administrator)."
        ),
        "required": [
            "from",
            "to",
            "total",
            "searches",
            "matches",
            "by_need",
            "by_area",
            "by_reason",
            "no_capacity",
        ],
        "properties": {
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "total": _COUNT,
            "searches": _COUNT,
            "matches": _COUNT,
            "by_need": _rows("need", _TEXT, 'By need ("": only filters were given).', **_GAP),
            "by_area": _rows("area", _MAYBE_TEXT, "By ZIP (null: no place given).", **_GAP),
            "by_month": _rows("month", _TEXT, "By month, YYYY-MM (UTC).", **_GAP),
            "by_need_and_area": _rows(
                "need", _TEXT, "By need and ZIP together.", area=_MAYBE_TEXT, total=_COUNT
            ),
            "by_reason": _rows(
                "code",
                _TEXT,
                "Each eligibility rule (age, capacity, open, service_area, situations:<group>, ...): "
                "the matches in which it excluded a service, and the services it excluded.",
                matches=_COUNT,
                services=_COUNT,
            ),
            "no_capacity": {
                "type": "object",
                "properties": {
                    **_DECLINED,
                    "by_need": _rows("need", _MAYBE_TEXT, "By the referral's need.", **_DECLINED),
                    "by_provider": _rows(
                        "organization_id", _MAYBE_TEXT, "By provider.", name=_MAYBE_TEXT, **_DECLINED
                    ),
                },
            },
        },
    },
    "CatalogMetrics": {
        "type": "object",
        "description": "How current the directory is today (every team sees the same catalog).",
        "required": [
            "as_of",
            "services",
            "verified",
            "stale_capacity",
            "missing",
            "problem_reports",
            "duplicates",
        ],
        "properties": {
            "as_of": {"type": "string", "format": "date"},
            "services": {**_COUNT, "description": "Active services."},
            "verified_within_days": _COUNT,
            "verified": {**_COUNT, "description": "Active services confirmed current within the window."},
            "verified_share": {"type": ["number", "null"]},
            "stale_capacity": {
                "type": "object",
                "properties": {
                    "total": _COUNT,
                    "by_provider": _rows(
                        "organization_id",
                        _MAYBE_TEXT,
                        "Providers with a stale figure.",
                        name=_MAYBE_TEXT,
                        stale=_COUNT,
                        figures=_COUNT,
                    ),  # fmt: skip
                },
            },
            "missing": {
                "type": "object",
                "properties": {"phone": _MISSING, "hours": _MISSING, "coordinates": _MISSING},
            },
            "problem_reports": {
                "type": "object",
                "properties": {
                    "open": _COUNT,
                    "by_kind": {"type": "object", "additionalProperties": _COUNT},
                    "reports": {"type": "array", "items": {"type": "object"}},
                },
            },
            "duplicates": {
                "type": "object",
                "properties": {
                    "open": _COUNT,
                    "by_table": {"type": "object", "additionalProperties": _COUNT},
                    "pairs": {"type": "array", "items": {"type": "object"}},
                },
            },
        },
    },
}


def _date_param(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string", "format": "date"}}  # fmt: skip


def _ok(schema: str, example: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": "The figures.",
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}, "example": example}
        },
    }


PATHS: dict[str, Any] = {
    "/api/v1/metrics/unmet-need": {
        "get": {
            "summary": "The gap report: searches and matches that found no eligible provider, for a period.",
            "operationId": "unmetNeedMetrics",
            "parameters": [
                _date_param(
                    "from",
                    "First day (ISO 8601 date, UTC); default: the first day of the month 11 months ago.",
                ),
                _date_param("to", "Last day, inclusive (ISO 8601 date, UTC); default: today."),
            ],
            "responses": {
                "200": _ok("UnmetNeedMetrics", UNMET_EXAMPLE),
                "400": problem_response("An unknown query parameter (param names it)."),
                "422": problem_response(
                    "from or to is not an ISO 8601 date, or from is after to (param names it)."
                ),
            },
        }
    },
    "/api/v1/metrics/catalog": {
        "get": {
            "summary": "Catalog health today: verification, stale figures, gaps, reports, duplicates.",
            "operationId": "catalogMetrics",
            "responses": {
                "200": _ok("CatalogMetrics", CATALOG_EXAMPLE),
                "400": problem_response("An unknown query parameter (param names it)."),
            },
        }
    },
}
