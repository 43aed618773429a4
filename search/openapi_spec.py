"""OpenAPI 3.1 description of `GET /api/v1/search` (registered by the search blueprint)."""

from __future__ import annotations

from typing import Any

from kernel.openapi import problem_response
from search.params import STATUSES


def _param(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
        **extra,
    }


_BOOL = {"type": "boolean", "default": False}
PARAMETERS = [
    _param("q", {"type": "string", "maxLength": 300}, "Words, a sentence, lay terms or typos: "
           "synonyms and typo correction widen it."),
    _param("lat", {"type": "number", "minimum": -90, "maximum": 90}, "Latitude of the point (with lon)."),
    _param("lon", {"type": "number", "minimum": -180, "maximum": 180}, "Longitude of the point (with lat)."),
    _param("near", {"type": "string"}, "A ZIP code, \"city, ST\" or address instead of lat/lon."),
    _param("radius_km", {"type": "number", "exclusiveMinimum": 0, "maximum": 500},
           "Only results within this distance of the point."),
    _param("taxonomy", {"type": "array", "items": {"type": "string"}},
           "Taxonomy term ids or codes (comma-separated or repeated); each includes its descendants.",
           style="form", explode=True),
    _param("open_now", _BOOL, "Only services open now (or at `at`)."),
    _param("at", {"type": "string", "format": "date-time"},
           "ISO 8601 date-time: only services open then; read in the deployment's zone without an offset."),
    _param("hours_at", {"type": "string", "format": "date-time"},
           "ISO 8601 date-time at which open_now and hours_label are given, without filtering "
           "(at= also filters); read in the deployment's zone without an offset."),
    _param("language", {"type": "string"}, "A language code (es) or name (Spanish) the service offers."),
    _param("age", {"type": "number", "minimum": 0, "maximum": 130}, "The client's age in years."),
    _param("gender", {"type": "string", "enum": ["female", "male", "transgender", "nonbinary"]},
           "Leaves out services restricted to another gender."),
    _param("free", _BOOL, "Only free services."),
    _param("accessible", _BOOL, "Only locations with accessibility information (e.g. wheelchair access)."),
    _param("available", _BOOL, "Only services with capacity available now (live, from the catalog)."),
    _param("covering", _BOOL, "Only services whose service area covers the point."),
    _param("status", {"type": "string", "default": "active", "enum": list(STATUSES)}, "Service status."),
    _param("sort", {"type": "string", "enum": ["relevance", "distance"], "default": "relevance"},
           "distance needs a point."),
    _param("page", {"type": "integer", "minimum": 1, "default": 1}, "Page number."),
    _param("per_page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, "Results per page."),
]  # fmt: skip

_NUM = {"type": ["number", "null"]}
SCHEMAS: dict[str, Any] = {
    "SearchCapacity": {
        "type": "object",
        "required": ["unit", "available", "maximum", "updated", "stale"],
        "properties": {
            "unit": {"type": "string"},
            "available": {"type": "number"},
            "maximum": _NUM,
            "updated": {"type": ["string", "null"], "format": "date-time"},
            "age_hours": _NUM,
            "stale": {"type": "boolean", "description": "Older than its unit's maximum age (max_age_hours)."},
            "kind": {
                "type": "string",
                "enum": ["bed", "waitlist", "slot", "other"],
                "description": "The unit's kind, which sets its maximum age (a waitlist counts who waits).",
            },
            "max_age_hours": {"type": "number", "description": "Hours this unit's figure stays fresh."},
            "sentence": {
                "type": "string",
                "description": "The figure with its age as pages show it: \"3 of 12 beds free, updated 20 "
                "min ago\", or when stale \"last known 3 of 12 beds free, 14 h ago\".",
            },
            "text": {"type": "string", "description": "The figure in words: \"3 of 12 beds free\"."},
            "updated_text": {"type": "string", "description": "Its age in words: \"updated 20 min ago\"."},
        },
    },
    "SearchResult": {
        "type": "object",
        "required": ["service_id", "location_id", "name", "organization", "distance_km", "distance_mi",
                     "open_now", "capacity"],
        "properties": {
            "service_id": {"type": "string", "format": "uuid"},
            "location_id": {"type": ["string", "null"], "format": "uuid"},
            "name": {"type": "string"},
            "organization": {"type": ["string", "null"]},
            "description": {"type": "string"},
            "status": {"type": ["string", "null"]},
            "address": {"type": ["string", "null"]},
            "phone": {"type": ["string", "null"]},
            "latitude": _NUM,
            "longitude": _NUM,
            "distance_km": _NUM,
            "distance_mi": _NUM,
            "open_now": {"type": ["boolean", "null"], "description": "null when the hours are not known."},
            "hours_label": {"type": "string"},
            "capacity": {"type": "array", "items": {"$ref": "#/components/schemas/SearchCapacity"}},
            "score": {"type": "number"},
        },
    },
    "SearchResponse": {
        "type": "object",
        "required": ["total", "page", "per_page", "results", "facets", "suggestions"],
        "properties": {
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/SearchResult"}},
            "facets": {
                "type": "object",
                "properties": {
                    "taxonomy": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "string"}, "code": {"type": ["string", "null"]},
                        "name": {"type": ["string", "null"]}, "count": {"type": "integer"}}}},
                    "languages": {"type": "array", "items": {"type": "object", "properties": {
                        "code": {"type": "string"}, "count": {"type": "integer"}}}},
                },
            },
            "suggestions": {"type": "array", "items": {"type": "string"}, "description": "Did you mean."},
            "query": {"type": "object", "description": "How the query was understood."},
        },
    },
}  # fmt: skip

PATHS: dict[str, Any] = {
    "/api/v1/search": {
        "get": {
            "summary": "Search services at locations: text, filters, distance, open now, live capacity.",
            "operationId": "search",
            "parameters": PARAMETERS,
            "responses": {
                "200": {
                    "description": "One page of results with facets and suggestions.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/SearchResponse"}}
                    },
                },
                "400": problem_response("A parameter is invalid; `param` names it."),
            },
        }
    }
}
