"""The /api/v1 contract stays complete: every route (and method) is in the OpenAPI document."""

from __future__ import annotations

import re

from openapi_spec_validator import validate


def _routes(app) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            out.add((path, method.lower()))
    return out


def _documented(document) -> set[tuple[str, str]]:
    methods = {"get", "put", "post", "delete", "patch"}
    return {(path, m) for path, item in document["paths"].items() for m in item if m in methods}


def test_every_api_route_is_described(app):
    from kernel.openapi import document

    routes = _routes(app)
    assert ("/api/v1/search", "get") in routes
    missing = routes - _documented(document())
    assert not missing, f"routes missing from /api/v1/openapi.json: {sorted(missing)}"


def test_the_document_describes_no_route_that_does_not_exist(app):
    from kernel.openapi import document

    extra = {p for p in _documented(document()) if p[0].startswith("/api/v1")} - _routes(app)
    assert not extra, f"documented but not served: {sorted(extra)}"


def test_the_document_is_valid_openapi_3_1(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    validate(doc)


def test_every_operation_documents_its_problem_responses(app):
    from kernel.openapi import document

    doc = document()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in {"get", "put", "post", "delete", "patch"} or path == "/api/v1/openapi.json":
                continue
            problems = [
                code for code, resp in op["responses"].items()
                if code.startswith("4") and "application/problem+json" in resp.get("content", {})
            ]  # fmt: skip
            assert problems, f"{method.upper()} {path} documents no problem response"
