"""The referral JSON API (`/api/v1/referrals`, `/api/v1/clients`): make a referral with its
client, consent and hold; list and read referrals; move them; log the handoff.

Thin views: parse (`referrals.payloads`, `hsds.params` for query strings, so integrators
meet one style), call one service or query, shape with `referrals.present`. Who may see what
is `referrals.access` (another team's referral is a 404, so its existence is not revealed);
every read goes through `referrals.queries`, which audits it. Writes begin with the
database's write lock (`kernel.db.begin_write`: SQLite's BEGIN IMMEDIATE, so a hold counts
and inserts alone; PostgreSQL locks the capacity row), and the edge commits, or rolls back
whatever a refused request wrote.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from flask import Blueprint, Response, current_app, json, request, url_for

from hsds import params
from kernel.authz import admits
from kernel.db import begin_write, get_session, utcnow
from kernel.errors import Problem
from kernel.identity import current_identity
from kernel.openapi import register_paths
from referrals import payloads, present, queries, services
from referrals.access import Actor
from referrals.openapi_spec import PATHS, SCHEMAS
from referrals.services import Settings

bp = Blueprint("referrals_api", __name__)

TEAM = ("social_worker", "officer", "coordinator")
LIST_PARAMS = ("status", "overdue", "service_id", "since", "page", "per_page")


def _actor() -> Actor:
    return Actor.of(current_identity(), address=request.remote_addr, channel="api")


def _settings() -> Settings:
    return Settings.from_config(current_app.config)


def _body() -> Any:
    """The request's JSON, or a 422 saying what is wrong with it (never a traceback)."""
    if not request.is_json:
        raise payloads.invalid("body", "Send a JSON object, with Content-Type: application/json.")
    try:
        return json.loads(request.get_data(as_text=True))
    except ValueError as exc:
        raise payloads.invalid("body", f"The body is not valid JSON: {exc}.") from None


def _path_id(raw: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise Problem(404, f"No {what} has that id.") from None


def _answer(body: Any, status: int = 200, location: str | None = None) -> Response:
    resp = current_app.response_class(json.dumps(body), status=status, mimetype="application/json")
    if location:
        resp.headers["Location"] = location
    return resp


def _one(session: Any, made: Any, actor: Actor, now: dt.datetime) -> dict[str, Any]:
    return present.referral(made, actor, now, present.names_of(session, [made]), _settings())


@bp.post("/api/v1/referrals")
@admits(*TEAM, scope="referrals:write")
def create() -> Any:
    data = payloads.referral_input(_body())
    session = get_session()
    begin_write(session)
    actor, now = _actor(), utcnow()
    made = services.create_referral(session, actor, data, _settings(), now)
    where = url_for(".referral", referral_id=str(made.id))
    return _answer(_one(session, made, actor, now), 201, where)


def _statuses() -> list[str]:
    """`status` repeated, comma-separated, or both."""
    given = [s.strip() for raw in request.args.getlist("status") for s in raw.split(",") if s.strip()]
    return services.statuses_named(given)


@bp.get("/api/v1/referrals")
@admits(*TEAM, "provider", scope="referrals:read")
def listing() -> Any:
    args = request.args
    params.only(args, LIST_PARAMS)
    filters = queries.Filters(
        statuses=_statuses(),
        overdue=params.boolean(args, "overdue") if args.get("overdue") else None,
        service_id=params.uuid_param(args, "service_id"),
        since=params.datetime_param(args, "since"),
    )
    number, size = params.paging(args)
    session, actor, now = get_session(), _actor(), utcnow()
    rows, total = queries.page(session, actor, filters, number, size, now)
    names, settings = present.names_of(session, rows), _settings()
    contents = [present.referral(r, actor, now, names, settings, detail=False) for r in rows]
    return _answer(present.page_of(total, number, size, contents))


@bp.get("/api/v1/referrals/<referral_id>")
@admits(*TEAM, "provider", scope="referrals:read")
def referral(referral_id: str) -> Any:
    session, actor, now = get_session(), _actor(), utcnow()
    found = queries.referral(session, actor, _path_id(referral_id, "referral"), now)
    return _answer(_one(session, found, actor, now))


@bp.post("/api/v1/referrals/<referral_id>/transitions")
@admits(*TEAM, "provider", scope="referrals:write")
def transition(referral_id: str) -> Any:
    wanted = _path_id(referral_id, "referral")
    to, reason, note = payloads.transition_input(_body())
    session = get_session()
    begin_write(session)
    actor, now = _actor(), utcnow()
    moved = services.transition(session, actor, wanted, to, _settings(), reason=reason, note=note, now=now)
    return _answer(_one(session, moved, actor, now))


@bp.post("/api/v1/referrals/<referral_id>/contacts")
@admits(*TEAM, "provider", scope="referrals:write")
def contact(referral_id: str) -> Any:
    wanted = _path_id(referral_id, "referral")
    kind, note, at = payloads.contact_input(_body())
    session = get_session()
    begin_write(session)
    row = services.add_contact(session, _actor(), wanted, kind, note, utcnow(), at=at)
    return _answer(present.contact(row), 201, url_for(".referral", referral_id=str(wanted)))


@bp.get("/api/v1/clients/<client_id>")
@admits(*TEAM, scope="referrals:read")
def client(client_id: str) -> Any:
    session, actor, now = get_session(), _actor(), utcnow()
    record = queries.client_record(session, actor, _path_id(client_id, "client"), now)
    names, settings = present.names_of(session, record.referrals), _settings()
    body = present.client(record.client, record.consents, now)
    body["referrals"] = [
        present.referral(r, actor, now, names, settings, detail=False) for r in record.referrals
    ]
    return _answer(body)


@bp.post("/api/v1/clients/<client_id>/consents/<consent_id>/revoke")
@admits(*TEAM, scope="referrals:write")
def revoke(client_id: str, consent_id: str) -> Any:
    owner = _path_id(client_id, "client")
    wanted = _path_id(consent_id, "consent")
    session = get_session()
    begin_write(session)
    now = utcnow()
    row = services.revoke_consent(session, _actor(), wanted, now, client_id=owner)
    return _answer(present.consent_summary(row, row.organization_id, now))


register_paths(PATHS, SCHEMAS)
