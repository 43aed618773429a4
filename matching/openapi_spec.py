"""OpenAPI description of ``POST /api/v1/match`` (pure data, registered by the views)."""

from __future__ import annotations

from typing import Any

from matching.types import GENDERS, HOUSEHOLDS, INSURANCES, URGENCIES
from matching.weights import DEFAULTS

_PROBLEM = {"$ref": "#/components/schemas/Problem"}


# The values each answer states beside its sentences, decided by catalog.rules (the same
# rules the service page and search use).
_FACTS: dict[str, Any] = {
    "open_now": {"type": ["boolean", "null"], "description": "Open at `at` (null: hours not stated)."},
    "capacity": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "unit": {"type": ["string", "null"]},
                "available": {"type": "number"},
                "maximum": {"type": ["number", "null"]},
                "updated": {"type": ["string", "null"], "format": "date-time"},
                "age_hours": {"type": ["number", "null"]},
                "stale": {"type": "boolean"},
            },
        },
    },
    "checks": {
        "type": "array",
        "description": "Each hard rule's outcome: pass, fail, not_stated or unchecked.",
        "items": {
            "type": "object",
            "properties": {
                "rule": {"type": "string"},
                "status": {"enum": ["pass", "fail", "not_stated", "unchecked"]},
                "reason": {"type": ["string", "null"]},
            },
        },
    },
}

SCHEMAS: dict[str, Any] = {
    "MatchRequest": {
        "type": "object",
        "additionalProperties": True,
        "properties": {
            "needs": {
                "type": "array",
                "maxItems": 10,
                "items": {"type": "string"},
                "description": "Taxonomy term ids, codes or names (with their descendants), "
                "or words, read as search reads them (synonyms, typo correction) and matched in "
                "names, descriptions and term names.",
            },
            "client": {
                "type": "object",
                "description": "Only what matching needs; never stored or logged.",
                "properties": {
                    "age": {"type": "integer", "minimum": 0, "maximum": 120},
                    "gender": {"enum": list(GENDERS)},
                    "household": {"enum": list(HOUSEHOLDS)},
                    "populations": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "Open Eligibility situation codes or names, or aliases "
                        "such as veteran, dv, pregnant, lgbtq, disabled, reentry.",
                    },
                    "languages": {
                        "type": "array",
                        "items": {"type": "string", "pattern": "^[a-zA-Z]{2}$"},
                        "description": "ISO 639-1 codes.",
                    },
                    "insurance": {"enum": list(INSURANCES)},
                    "accessibility": {"type": "array", "items": {"type": "string"}},
                    "has_id": {"type": "boolean"},
                    "pets": {"type": "boolean"},
                },
            },
            "location": {
                "oneOf": [
                    {"type": "string", "description": "Coordinates, a ZIP, 'City, ST' or an address."},
                    {
                        "type": "object",
                        "required": ["lat", "lon"],
                        "properties": {
                            "lat": {"type": "number", "minimum": -90, "maximum": 90},
                            "lon": {"type": "number", "minimum": -180, "maximum": 180},
                        },
                    },
                ]
            },
            "radius_km": {"type": "number", "exclusiveMinimum": 0, "maximum": 500, "default": 25},
            "urgency": {"enum": list(URGENCIES)},
            "at": {
                "type": "string",
                "format": "date-time",
                "description": "Default: now. Without an offset: the deployment's wall clock, as in search.",
            },
            "services": {
                "type": "array",
                "items": {"type": "string", "format": "uuid"},
                "maxItems": 500,
                "description": "Rank only these services, at each of their locations, whatever the needs "
                "and the distance (check named services for this client).",
            },
            "limit": {"type": "integer", "minimum": 1, "maximum": 200, "default": 20},
            "weights": {
                "type": "object",
                "description": "Overrides of the deployment's component weights (>= 0).",
                "properties": {name: {"type": "number", "minimum": 0} for name in DEFAULTS},
                "additionalProperties": False,
            },
        },
    },
    "Match": {
        "type": "object",
        "required": ["service_id", "location_id", "name", "score", "components", "reasons"],
        "properties": {
            "service_id": {"type": "string", "format": "uuid"},
            "location_id": {"type": ["string", "null"], "format": "uuid"},
            "name": {"type": "string"},
            "score": {"type": "number", "minimum": 0, "maximum": 1},
            "components": {
                "type": "object",
                "description": "Each named component between 0 and 1.",
                "properties": {name: {"type": "number"} for name in DEFAULTS},
            },
            "reasons": {"type": "array", "items": {"type": "string"}},
            "not_stated": {
                "type": "array",
                "items": {"type": "string"},
                "description": "What the service does not state (kept, ranked lower).",
            },
            "to_confirm": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Rules the client's details could not settle.",
            },
            "distance_km": {"type": ["number", "null"]},
            **_FACTS,
        },
    },
    "Exclusion": {
        "type": "object",
        "required": ["service_id", "location_id", "name", "reasons"],
        "properties": {
            "service_id": {"type": "string", "format": "uuid"},
            "location_id": {"type": ["string", "null"], "format": "uuid"},
            "name": {"type": "string"},
            "reasons": {"type": "array", "items": {"type": "string"}},
            **_FACTS,
        },
    },
    "MatchResult": {
        "type": "object",
        "required": ["matches", "excluded"],
        "properties": {
            "matches": {"type": "array", "items": {"$ref": "#/components/schemas/Match"}},
            "excluded": {"type": "array", "items": {"$ref": "#/components/schemas/Exclusion"}},
            "location": {
                "type": "object",
                "properties": {
                    "lat": {"type": "number"},
                    "lon": {"type": "number"},
                    "label": {"type": ["string", "null"]},
                },
            },
        },
    },
}

PATHS: dict[str, Any] = {
    "/api/v1/match": {
        "post": {
            "summary": "Rank providers for one client's needs, with reasons and exclusions.",
            "description": "Hard eligibility (active, ages, gender, household and populations, "
            "service area, ID, insurance, open when needed, fresh capacity) excludes with "
            "reasons; the rest are scored by named components and explained. Unknown is "
            "unknown: what a service does not state is kept, ranked lower and listed.",
            "operationId": "match",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MatchRequest"}}},
            },
            "responses": {
                "200": {
                    "description": "Ranked matches and excluded services.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MatchResult"}}},
                },
                "400": {
                    "description": "An invalid field (named in `param`) or a location that "
                    "cannot be resolved.",
                    "content": {"application/problem+json": {"schema": _PROBLEM}},
                },
            },
        }
    }
}
