"""OpenAPI description of the capacity API (pure data, registered by `catalog.api`)."""

from __future__ import annotations

from typing import Any

from kernel.openapi import problem_response

_SERVICE_ID = "7a2b9c4d-1e3f-4a5b-8c6d-7e8f90a1b2c3"

FIGURE_IN: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["unit", "available"],
    "properties": {
        "unit": {
            "type": "string",
            "maxLength": 100,
            "description": "The unit's name (bed), identifier or id, as the service's figure has it.",
        },
        "available": {
            "type": "number",
            "minimum": 0,
            "description": "Places free now, by the provider's count.",
        },
        "maximum": {
            "type": ["number", "null"],
            "minimum": 0,
            "description": "Places in all; available may not exceed it. Left out: the stored maximum is "
            "kept. null: no maximum.",
        },
        "create": {
            "type": "boolean",
            "default": False,
            "description": "true: add the unit if the service has no figure for it yet; otherwise an "
            "unknown unit is refused (a typo must not become a new figure).",
        },
    },
}

FIGURE_OUT: dict[str, Any] = {
    "type": "object",
    "required": ["id", "unit", "available", "maximum", "held", "free", "updated", "age", "stale"],
    "properties": {
        "id": {"type": "string", "format": "uuid", "description": "The figure (HSDS service_capacity id)."},
        "unit": {"type": "string"},
        "available": {"type": "number", "description": "The provider's last figure."},
        "maximum": {"type": ["number", "null"]},
        "held": {
            "type": "number",
            "description": "Units held against the figure: holds active now and holds accepted since it.",
        },
        "free": {
            "type": "number",
            "description": "available - held, never below 0: what search and matching show.",
        },
        "updated": {
            "type": "string",
            "format": "date-time",
            "description": "When the figure was last given.",
        },
        "age": {"type": "integer", "minimum": 0, "description": "Seconds since updated."},
        "stale": {
            "type": "boolean",
            "description": "Older than its unit's maximum age (LINKAGE_CAPACITY_STALE_HOURS and its "
            "per-kind settings): shown as last known, never as a place free now.",
        },
    },
}

PUT_EXAMPLE: list[dict[str, Any]] = [
    {"unit": "bed", "available": 3, "maximum": 40},
    {"unit": "family room", "available": 1, "maximum": 6, "create": True},
]
SINGLE_EXAMPLE: dict[str, Any] = {"unit": "bed", "available": 3, "maximum": 40}
ANSWER_EXAMPLE: dict[str, Any] = {
    "service_id": _SERVICE_ID,
    "figures": [
        {
            "id": "f0e1d2c3-b4a5-4968-8776-655443322110",
            "unit": "bed",
            "available": 3,
            "maximum": 40,
            "held": 1,
            "free": 2,
            "updated": "2026-12-03T21:04:00+00:00",
            "age": 0,
            "stale": False,
        }
    ],
}

SCHEMAS: dict[str, Any] = {
    "CapacityFigureInput": FIGURE_IN,
    "CapacityFigure": FIGURE_OUT,
    "ServiceCapacity": {
        "type": "object",
        "required": ["service_id", "figures"],
        "properties": {
            "service_id": {"type": "string", "format": "uuid"},
            "figures": {"type": "array", "items": {"$ref": "#/components/schemas/CapacityFigure"}},
        },
    },
}

_PATH_PARAM = {
    "name": "service_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "format": "uuid"},
}
_ANSWER = {
    "application/json": {
        "schema": {"$ref": "#/components/schemas/ServiceCapacity"},
        "examples": {"figures": {"value": ANSWER_EXAMPLE}},
    }
}
_BODY = {
    "oneOf": [
        {"$ref": "#/components/schemas/CapacityFigureInput"},
        {
            "type": "array",
            "minItems": 1,
            "maxItems": 1000,
            "items": {"$ref": "#/components/schemas/CapacityFigureInput"},
        },
    ]
}

PATHS: dict[str, Any] = {
    "/api/v1/services/{service_id}/capacity": {
        "parameters": [_PATH_PARAM],
        "get": {
            "summary": "A service's capacity figures, with what is held against them and their age.",
            "operationId": "getServiceCapacity",
            "responses": {
                "200": {
                    "description": "Every figure of the service (none: an empty list).",
                    "content": _ANSWER,
                },
                "404": problem_response("No service has that id."),
            },
        },
        "put": {
            "summary": "Push the figures of one service from the provider's own system; all or nothing.",
            "description": (
                "For a token with capacity:write whose user is a provider bound to the service's "
                "organization, or an administrator. Idempotent: the same figure again stores the same "
                "numbers and confirms them (updated moves to now, so the figure is not stale). A list is "
                "all or nothing: one bad figure refuses the request, naming its field as [i].field, and "
                "nothing is written. The figures are in search, matching and the service page at once, in "
                "every process."
            ),
            "operationId": "putServiceCapacity",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": _BODY,
                        "examples": {
                            "one": {"value": SINGLE_EXAMPLE},
                            "several": {"value": PUT_EXAMPLE},
                        },
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "Written; every figure of the service as stored now.",
                    "content": _ANSWER,
                },
                "403": problem_response(
                    "The service belongs to another organization (param service_id), or the token's "
                    "user or scopes do not allow this."
                ),
                "404": problem_response("No service has that id."),
                "422": problem_response(
                    "The body is not JSON, or a figure is wrong: negative, available above maximum, a unit "
                    "the service has no figure for (without create), a unit given twice. param names the "
                    "field (available, or [1].available in a list); nothing was written."
                ),
            },
        },
    }
}
