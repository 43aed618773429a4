"""The `/api/v1` contract: each blueprint registers the OpenAPI paths it serves.

A test compares this document with the app's URL map, so a route without a description fails.
Register with `register_paths({...})` at import time of the views module (pure data).
"""

from __future__ import annotations

import copy
from typing import Any

from flask import Blueprint, jsonify

_PATHS: dict[str, dict[str, Any]] = {}
_SCHEMAS: dict[str, Any] = {}
_SECURITY_SCHEMES: dict[str, Any] = {}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": ["string", "null"]},
        "param": {"type": "string", "description": "The parameter or field at fault."},
        "invalid_params": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
}


def problem_response(description: str) -> dict[str, Any]:
    """A response object whose body is a problem document."""
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def register_paths(
    paths: dict[str, dict[str, Any]],
    schemas: dict[str, Any] | None = None,
    security_schemes: dict[str, Any] | None = None,
) -> None:
    """Add path items (OpenAPI 3.1 form, path templates like /api/v1/things/{id})."""
    for path, item in paths.items():
        _PATHS.setdefault(path, {}).update(item)
    _SCHEMAS.update(schemas or {})
    _SECURITY_SCHEMES.update(security_schemes or {})


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Linkage API",
            "version": "1",
            "description": "Community-resource search, matching and referrals. "
            "Errors are RFC 9457 problem documents.",
        },
        "paths": copy.deepcopy(dict(sorted(_PATHS.items()))),
        "components": {
            "schemas": {"Problem": PROBLEM_SCHEMA, **copy.deepcopy(_SCHEMAS)},
            **({"securitySchemes": copy.deepcopy(_SECURITY_SCHEMES)} if _SECURITY_SCHEMES else {}),
        },
    }


bp = Blueprint("openapi", __name__)


@bp.get("/api/v1/openapi.json")
def openapi_json() -> Any:
    return jsonify(document())


register_paths(
    {
        "/api/v1/openapi.json": {
            "get": {
                "summary": "This document.",
                "operationId": "getOpenAPI",
                "responses": {"200": {"description": "The OpenAPI 3.1 document."}},
            }
        }
    }
)
