"""OpenAPI description of the dashboard's metrics (pure data, registered by `dashboard.api`)."""

from __future__ import annotations

from typing import Any

from kernel.openapi import problem_response

_COUNT = {"type": "integer", "minimum": 0}
_MAYBE_NUMBER = {"type": ["number", "null"]}
_BY_REASON = {
    "type": "object",
    "required": ["total", "by_reason"],
    "properties": {
        "total": _COUNT,
        "by_reason": {
            "type": "object",
            "additionalProperties": _COUNT,
            "description": "reason code -> referrals",
        },
    },
}
_COUNTS = {
    name: _COUNT
    for name in (
        "made",
        "accepted",
        "completed",
        "rejected",
        "failed",
        "cancelled",
        "open",
        "overdue",
        "closed_within_7_days",
        "closed_within_30_days",
        "live",
        "logged",
    )
}


def _row(key: str, description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description + " Counts as at the top level (closed_within_* are counts here).",
        "properties": {key: {"type": "string"}, "label": {"type": "string"}, **_COUNTS},
    }


_REPEATS = {
    "type": "object",
    "properties": {
        "team_id": {"type": ["string", "null"]},
        "team": {"type": ["string", "null"]},
        "clients": _COUNT,
        "within_30_days": _COUNT,
        "within_90_days": _COUNT,
        "after_completed": _COUNT,
        "came_back": _COUNT,
        "came_back_share": _MAYBE_NUMBER,
    },
}

EXAMPLE: dict[str, Any] = {
    "from": "2025-12-01",
    "to": "2026-11-30",
    "made": 4,
    "accepted": 2,
    "completed": 1,
    "rejected": {"total": 1, "by_reason": {"no-capacity": 1}},
    "failed": {"total": 0, "by_reason": {}},
    "cancelled": {"total": 1, "by_reason": {"client-declined": 1}},
    "open": 1,
    "overdue": 1,
    "median_hours_to_accept": 5.0,
    "p90_hours_to_accept": 5.0,
    "median_hours_to_close": 49.0,
    "p90_hours_to_close": 49.0,
    "closed_within_7_days": 0.25,
    "closed_within_30_days": 0.25,
    "live": 3,
    "logged": 1,
    "by_month": [{"month": "2026-11", "label": "2026-11", "made": 4, "completed": 1}],
    "by_provider": [],
    "by_need": [],
    "by_team": [],
    "by_worker": [],
    "interactions_by_month": [{"month": "2026-11", "contacts": 3, "follow_ups": 2, "total": 5}],
    "repeat_contacts": {"total": None, "by_team": []},
}

SCHEMAS: dict[str, Any] = {
    "ReferralMetrics": {
        "type": "object",
        "description": (
            "Referral outcomes for a period, counted from the referral event log: a referral counts "
            "in the period it was sent (its requested event) with its fate as its events say now; "
            "drafts and referrals entered in error count nowhere. Hours run from sending; closure "
            "is completion (the loop closed)."
        ),
        "required": [
            "from",
            "to",
            "made",
            "accepted",
            "completed",
            "rejected",
            "failed",
            "cancelled",
            "open",
            "overdue",
            "median_hours_to_accept",
            "median_hours_to_close",
            "by_month",
            "by_provider",
            "by_need",
            "by_team",
        ],
        "properties": {
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "made": _COUNT,
            "accepted": _COUNT,
            "completed": _COUNT,
            "rejected": _BY_REASON,
            "failed": _BY_REASON,
            "cancelled": _BY_REASON,
            "open": _COUNT,
            "overdue": _COUNT,
            "median_hours_to_accept": _MAYBE_NUMBER,
            "p90_hours_to_accept": _MAYBE_NUMBER,
            "median_hours_to_close": _MAYBE_NUMBER,
            "p90_hours_to_close": _MAYBE_NUMBER,
            "closed_within_7_days": {**_MAYBE_NUMBER, "description": "share of made, 0-1"},
            "closed_within_30_days": {**_MAYBE_NUMBER, "description": "share of made, 0-1"},
            "live": _COUNT,
            "logged": _COUNT,
            "by_month": {"type": "array", "items": _row("month", "A calendar month (UTC), YYYY-MM.")},
            "by_provider": {"type": "array", "items": _row("organization_id", "A receiving organization.")},
            "by_need": {"type": "array", "items": _row("need", "The need as the referral recorded it.")},
            "by_team": {"type": "array", "items": _row("team_id", "A referring team.")},
            "by_worker": {
                "type": "array",
                "items": _row("user_id", "A referring worker; label is the e-mail."),
            },
            "interactions_by_month": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "month": {"type": "string"},
                        "contacts": _COUNT,
                        "follow_ups": _COUNT,
                        "total": _COUNT,
                    },
                },
            },
            "repeat_contacts": {
                "type": "object",
                "properties": {
                    "total": {"oneOf": [_REPEATS, {"type": "null"}]},
                    "by_team": {"type": "array", "items": _REPEATS},
                },
            },
        },
    }
}


def _date_param(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string", "format": "date"},
    }


PATHS: dict[str, Any] = {
    "/api/v1/metrics/referrals": {
        "get": {
            "summary": "Referral outcomes for a period: a coordinator's team, or every team for an admin.",
            "operationId": "referralMetrics",
            "parameters": [
                _date_param(
                    "from",
                    "First day (ISO 8601 date, UTC); default: the first day of the month 11 months ago.",
                ),
                _date_param("to", "Last day, inclusive (ISO 8601 date, UTC); default: today."),
            ],
            "responses": {
                "200": {
                    "description": "The figures.",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ReferralMetrics"},
                            "example": EXAMPLE,
                        }
                    },
                },
                "400": problem_response("An unknown query parameter (param names it)."),
                "422": problem_response(
                    "from or to is not an ISO 8601 date, or from is after to (param names it)."
                ),
            },
        }
    }
}
