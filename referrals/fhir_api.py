"""`GET /api/v1/referrals/{id}/fhir`: a referral as a FHIR R4 Bundle for a health system.

Who may read it is who may read the referral (its team, and the receiving provider's users);
the read goes through `referrals.queries.referral`, which audits it. The Patient carries
only what the consent opens to the receiving provider (`referrals.fhir`)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, current_app, json, request

from kernel.authz import admits
from kernel.db import get_session, utcnow
from kernel.errors import Problem
from kernel.identity import current_identity
from kernel.openapi import problem_response as documented_problem
from kernel.openapi import register_paths
from referrals import fhir, queries
from referrals.access import Actor
from referrals.fhir_snapshot import snapshot
from referrals.services import Settings

bp = Blueprint("referrals_fhir", __name__)
FHIR_JSON = "application/fhir+json"


@bp.get("/api/v1/referrals/<referral_id>/fhir")
@admits("social_worker", "officer", "coordinator", "provider", scope="referrals:read")
def referral_bundle(referral_id: str) -> Any:
    try:
        wanted = uuid.UUID(referral_id)
    except ValueError:
        raise Problem(404, "No referral has that id.") from None
    session = get_session()
    now = utcnow()
    actor = Actor.of(current_identity(), address=request.remote_addr, channel="api")
    found = queries.referral(session, actor, wanted, now)
    settings = Settings.from_config(current_app.config)
    labels = {**settings.reasons.terms, **settings.outcomes.terms}
    body = fhir.bundle(snapshot(session, found, actor, labels, now), now)
    return current_app.response_class(json.dumps(body), mimetype=FHIR_JSON)


register_paths(
    {
        "/api/v1/referrals/{referral_id}/fhir": {
            "get": {
                "summary": "A referral as a FHIR R4 Bundle (SDOH Clinical Care profiles).",
                "description": (
                    "A collection Bundle with the ServiceRequest, the Task (status and statusReason), "
                    "the Consent and the Patient with only the data the consent opens to the receiving "
                    "provider, and the organizations, requester and service they refer to."
                ),
                "operationId": "getReferralFhir",
                "security": [{"bearer": []}],
                "parameters": [
                    {"name": "referral_id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "The Bundle.",
                        "content": {FHIR_JSON: {"schema": {"type": "object"}}},
                    },
                    "401": documented_problem("No token, or an unknown, revoked or expired one."),
                    "403": documented_problem(
                        "The token lacks referrals:read, or the role reads no referrals."
                    ),
                    "404": documented_problem("No referral with that id is visible to this account."),
                },
            }
        }
    }
)
