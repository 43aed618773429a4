"""The `/api/v1` contract: each blueprint registers the OpenAPI paths it serves.

A test compares this document with the app's URL map, so a route without a description fails.
Register with `register_paths({...})` at import time of the views module (pure data).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from flask import Blueprint, Flask, current_app, has_app_context, jsonify

from kernel.authz import ANYONE, CATALOG, CATALOG_SCOPE, SIGNED_IN, Admits, admits, declaration

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


def _declarations(app: Flask) -> dict[tuple[str, str], Admits]:
    """(OpenAPI path, method) -> the route's `@admits` declaration, for every /api/v1 route."""
    out: dict[tuple[str, str], Admits] = {}
    for rule in app.url_map.iter_rules():
        found = declaration(app, rule.endpoint)
        if found is None or not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            out[(path, method.lower())] = found
    return out


def _describe_access(op: dict[str, Any], rule: Admits) -> None:
    """Security, 401 and 403 of an operation, from its route's declaration (explicit ones win)."""
    op["x-linkage-admits"] = rule.describe()
    if rule.kind == ANYONE:
        return
    responses = op.setdefault("responses", {})
    if rule.kind == CATALOG:
        op.setdefault("security", [{}, {"bearer": []}])
        responses.setdefault(
            "401",
            problem_response(
                "The deployment's catalog is for signed-in users (LINKAGE_PUBLIC_CATALOG=0) and the "
                "request has no token, or an unknown, revoked or expired one."
            ),
        )
        responses.setdefault("403", problem_response(f"The token lacks the scope {CATALOG_SCOPE}."))
        return
    op.setdefault("security", [{"bearer": []}])
    responses.setdefault("401", problem_response("No token, or an unknown, revoked or expired one."))
    if rule.kind != SIGNED_IN:
        who = rule.describe()
        responses.setdefault("403", problem_response(f"The token's user or scopes do not allow this: {who}."))


def document(app: Flask | None = None) -> dict[str, Any]:
    """The document; with an app (the current one by default), each operation says who it admits."""
    paths = copy.deepcopy(dict(sorted(_PATHS.items())))
    app = app if app is not None else (current_app if has_app_context() else None)
    if app is not None:
        for (path, method), rule in _declarations(app).items():
            op = paths.get(path, {}).get(method)
            if op is not None:
                _describe_access(op, rule)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Linkage API",
            "version": "1",
            "description": "Community-resource search, matching and referrals. "
            "Errors are RFC 9457 problem documents.",
        },
        "paths": paths,
        "components": {
            "schemas": {"Problem": PROBLEM_SCHEMA, **copy.deepcopy(_SCHEMAS)},
            **({"securitySchemes": copy.deepcopy(_SECURITY_SCHEMES)} if _SECURITY_SCHEMES else {}),
        },
    }


bp = Blueprint("openapi", __name__)


@bp.get("/api/v1/openapi.json")
@admits(ANYONE)
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
