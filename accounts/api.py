"""The JSON API's side of accounts: bearer tokens on every /api/ request, `GET /api/v1/me`
and `GET /api/v1/audit` (admins' tokens).

A request to /api/ with an `Authorization` header acts as the token's user, with the
token's scopes (`kernel.identity`); a header with no usable token answers 401 whatever the
path, so a revoked or expired token never falls back to anonymous access.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from flask import Blueprint, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from accounts import audit, signin, tokens
from accounts.models import ApiToken, AuditEvent, Role, User
from kernel.authz import SIGNED_IN, admits
from kernel.db import begin_write, get_db, get_session, utcnow
from kernel.errors import Problem, bad_param, problem_response, wants_json
from kernel.identity import set_identity
from kernel.openapi import problem_response as documented_problem
from kernel.openapi import register_paths

bp = Blueprint("accounts_api", __name__)


def _unauthorized(detail: str) -> Any:
    resp = problem_response(Problem(401, detail))
    error = ' error="invalid_token"' if request.headers.get("Authorization") else ""
    resp.headers["WWW-Authenticate"] = f'Bearer realm="linkage"{error}'
    return resp


@bp.before_app_request
def _bearer() -> Any:
    header = request.headers.get("Authorization")
    if not header or not wants_json():  # the JSON APIs: /api/ and the HSDS API under /hsds/
        return None
    # The token's last use and the audit row of this request commit in their own transaction,
    # before the request runs: a request that is then refused (403, 404) is logged all the same.
    # Whatever the request's session read so far (a session cookie's user) is only read: end
    # that transaction, so the request reads after this commit (on SQLite a read begun before
    # another connection's commit could not write afterwards).
    get_session().rollback()
    makes = get_db().sessionmaker
    assert makes is not None
    own = makes()
    try:
        # It reads the token and then writes its use: on SQLite take the write lock first
        # (BEGIN IMMEDIATE waits its turn), else a read begun while another request committed
        # could not write afterwards ("database is locked") when many requests arrive at once.
        begin_write(own)
        used = tokens.authenticate(own, header, utcnow())
        tokens.record_use(own, used, request.remote_addr, request.method, request.path)
        own.commit()
    except tokens.Unauthorized as exc:
        return _unauthorized(str(exc))
    finally:
        own.close()
    token = (
        get_session()
        .scalars(select(ApiToken).options(selectinload(ApiToken.user)).where(ApiToken.id == used.id))
        .one()
    )
    g.api_token = token
    set_identity(dataclasses.replace(signin.identity(token.user), scopes=token.scope_set))
    return None


@bp.get("/api/v1/me")
@admits(SIGNED_IN)
def me() -> Any:
    token: ApiToken | None = g.get("api_token")
    user: User = token.user if token is not None else g.account_user
    return jsonify(
        {
            "email": user.email,
            "role": user.role.value,
            "team": user.team.name if user.team else None,
            "organizations": [{"id": str(o.id), "name": o.name} for o in user.organizations],
            # A signed-in browser session is not narrowed by scopes: null.
            "scopes": sorted(token.scope_set) if token is not None else None,
        }
    )


def _event(e: AuditEvent) -> dict[str, Any]:
    return {
        "id": str(e.id),
        "at": e.at.isoformat(),
        "actor": e.actor,
        "actor_user_id": str(e.actor_user_id) if e.actor_user_id else None,
        "action": e.action,
        "record_type": e.record_type,
        "record_id": e.record_id,
        "address": e.address,
        "detail": e.detail,
    }


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_param(name, f"{name} must be a whole number from {low} to {high}.") from None
    if not low <= value <= high:
        raise bad_param(name, f"{name} must be a whole number from {low} to {high}.")
    return value


@bp.get("/api/v1/audit")
@admits("admin", scope="audit:read")
def audit_events() -> Any:
    bounds = {}
    for name in ("since", "until"):
        value = (request.args.get(name) or "").strip()
        try:
            bounds[name] = audit.parse_bound(value, end=name == "until") if value else None
        except ValueError:
            raise bad_param(name, f"{name} must be a date or date-time such as 2026-12-01.") from None
    page, per_page = _int("page", 1, 1, 1_000_000), _int("per_page", 100, 1, 1000)
    session = get_session()
    rows, total = audit.page(session, audit.Filters(**bounds), page, per_page)
    resp = jsonify(
        {
            "total_items": total,
            "total_pages": max(1, math.ceil(total / per_page)),
            "page_number": page,
            "per_page": per_page,
            "contents": [_event(e) for e in rows],
        }
    )
    return resp


_401 = documented_problem("No token, or an unknown, revoked or expired one.")
_SECURITY = [{"bearer": []}]

register_paths(
    {
        "/api/v1/me": {
            "get": {
                "summary": "Who a token acts for.",
                "operationId": "getMe",
                "security": _SECURITY,
                "responses": {
                    "200": {
                        "description": "The token's user and scopes.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Me"}}},
                    },
                    "401": _401,
                },
            }
        },
        "/api/v1/audit": {
            "get": {
                "summary": "The audit log, newest first; an administrator's token only.",
                "operationId": "getAudit",
                "security": _SECURITY,
                "parameters": [
                    {
                        "name": "since",
                        "in": "query",
                        "schema": {"type": "string"},
                        "description": "ISO date or date-time, inclusive.",
                    },
                    {
                        "name": "until",
                        "in": "query",
                        "schema": {"type": "string"},
                        "description": "ISO date-time, exclusive; a bare date includes that day.",
                    },
                    {
                        "name": "page",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "default": 1},
                    },
                    {
                        "name": "per_page",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "One page of audit events.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "400": documented_problem("A parameter is wrong; `param` names it."),
                    "401": _401,
                    "403": documented_problem("The token's user is not an administrator."),
                },
            }
        },
    },
    schemas={
        "Me": {
            "type": "object",
            "required": ["email", "role", "team", "organizations", "scopes"],
            "properties": {
                "email": {"type": "string"},
                "role": {"type": "string", "enum": [r.value for r in Role]},
                "team": {"type": ["string", "null"]},
                "organizations": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                    },
                },
                "scopes": {"type": ["array", "null"], "items": {"type": "string"}},
            },
        }
    },
    security_schemes={
        "bearer": {"type": "http", "scheme": "bearer", "description": "A token from linkage token create."}
    },
)
