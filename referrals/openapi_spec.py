"""OpenAPI description of the referral API (pure data, registered by `referrals.api`)."""

from __future__ import annotations

from typing import Any

from kernel.openapi import problem_response
from referrals.lifecycle import OUTCOMES, REASONS, STATUSES
from referrals.models import (
    CHANNELS,
    CLIENT_FIELDS,
    CONSENT_METHODS,
    CONTACT_KINDS,
    CONTACT_PREFERENCES,
    MODES,
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


_UUID = {"type": "string", "format": "uuid"}
_WHEN = {"type": "string", "format": "date-time"}
_MAYBE_WHEN = {"type": ["string", "null"], "format": "date-time"}
_MAYBE_TEXT = {"type": ["string", "null"]}
_STATUS = {"type": "string", "enum": list(STATUSES)}
_REFERRAL_ID = "0b6f7c1e-3c1a-4f7e-9a55-2d8e1c9b4a10"
_CLIENT_ID = "5d1e2f3a-8b7c-4d6e-9f00-112233445566"
_SERVICE_ID = "7a2b9c4d-1e3f-4a5b-8c6d-7e8f90a1b2c3"
_ORG_ID = "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f"

CREATE_EXAMPLE: dict[str, Any] = {
    "client": {
        "display_name": "J. D.",
        "birth_year": 1984,
        "gender": "female",
        "language": "es",
        "contact_preference": "phone",
        "phone": "614-555-0142",
        "incident_ref": "CAD-2026-118877",
    },
    "consent": {"given": True, "method": "verbal", "expires_at": "2027-06-01T00:00:00Z"},
    "service_id": _SERVICE_ID,
    "need": "BD-1800.1900",
    "mode": "live",
    "hold": True,
    "note": "Needs a lower bunk.",
}

REFERRAL_EXAMPLE: dict[str, Any] = {
    "id": _REFERRAL_ID,
    "status": "requested",
    "mode": "live",
    "client_id": _CLIENT_ID,
    "client": {"id": _CLIENT_ID, "display_name": "J. D.", "birth_year": 1984, "language": "es"},
    "service": {"id": _SERVICE_ID, "name": "Harbor Night Shelter"},
    "location_id": None,
    "organization": {"id": _ORG_ID, "name": "Harbor Shelter Inc."},
    "need": "Emergency Shelter (BD-1800.1900)",
    "note": "Needs a lower bunk.",
    "created": "2026-12-03T21:04:00+00:00",
    "updated": "2026-12-03T21:04:00+00:00",
    "due_at": "2026-12-04T21:04:00+00:00",
    "overdue": False,
    "hold": {
        "id": "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b",
        "capacity_id": "f0e1d2c3-b4a5-4968-8776-655443322110",
        "expires_at": "2026-12-03T23:04:00+00:00",
        "state": "active",
        "accepted_at": None,
        "released_at": None,
    },
    "consent": {
        "id": "a9b8c7d6-e5f4-4a3b-9c2d-1e0f9a8b7c6d",
        "given": True,
        "method": "verbal",
        "scope": {"organization_id": _ORG_ID, "data": ["display_name", "birth_year", "language"]},
        "recorded_at": "2026-12-03T21:04:00+00:00",
        "expires_at": "2027-06-01T00:00:00+00:00",
        "revoked_at": None,
        "valid": True,
    },
    "allowed_moves": ["cancelled", "entered-in-error"],
    "open": True,
    "events": [
        {
            "id": "01938f0a-0000-7000-8000-000000000001",
            "at": "2026-12-03T21:04:00+00:00",
            "actor": "worker@team-a.example.org",
            "from": None,
            "to": "requested",
            "reason": None,
            "reason_label": None,
            "note": "Needs a lower bunk.",
            "channel": "api",
        }
    ],
    "contacts": [],
}

_CLIENT_IN: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["display_name"],
    "description": "A new client of the caller's team, with the least data that does the job.",
    "properties": {
        "display_name": {"type": "string", "maxLength": 200, "description": "A display name or initials."},
        "birth_year": {"type": "integer"},
        "age": {"type": "integer", "minimum": 0, "maximum": 120, "description": "Instead of birth_year."},
        "gender": {"type": "string", "maxLength": 40},
        "language": {"type": "string", "maxLength": 20, "description": "Preferred language, e.g. es."},
        "contact_preference": {
            "type": "string",
            "enum": list(CONTACT_PREFERENCES),
            "default": "do_not_contact",
        },
        "phone": {"type": "string", "description": "Only with contact_preference phone or text."},
        "email": {"type": "string", "description": "Only with contact_preference email."},
        "incident_ref": {
            "type": "string",
            "description": "The department's own record (CAD or case number).",
        },
    },
}

_CONSENT_IN: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["given"],
    "description": (
        "What the client agreed to share. A substance-use treatment service (42 CFR Part 2) needs "
        "written or electronic consent naming the provider: verbal is refused (422, param consent.method)."
    ),
    "properties": {
        "given": {"type": "boolean"},
        "method": {"type": ["string", "null"], "enum": [*CONSENT_METHODS, None]},
        "scope": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "organization_id": {
                    **_UUID,
                    "description": "The provider it names; by default the service's organization.",
                },
                "data": {
                    "type": "array",
                    "items": {"type": "string", "enum": list(CLIENT_FIELDS)},
                    "description": "The client fields it covers; by default all but incident_ref.",
                },
            },
        },
        "expires_at": {**_WHEN, "description": "In the future; without an offset it is read as UTC."},
    },
}

_HOLD: dict[str, Any] = {
    "type": ["object", "null"],
    "properties": {
        "id": _UUID,
        "capacity_id": _UUID,
        "expires_at": _WHEN,
        "state": {"type": "string", "enum": ["active", "expired", "released", "accepted"]},
        "accepted_at": _MAYBE_WHEN,
        "released_at": _MAYBE_WHEN,
    },
}

_REASONS = ", ".join(f"{c} ({label})" for c, label in {**REASONS, **OUTCOMES}.items())

SCHEMAS: dict[str, Any] = {
    "ReferralCreate": {
        "type": "object",
        "additionalProperties": False,
        "required": ["service_id"],
        "description": "Give client (a new client) or client_id (a known client of your team), not both.",
        "properties": {
            "client": _CLIENT_IN,
            "client_id": _UUID,
            "consent": {
                **_CONSENT_IN,
                "description": _CONSENT_IN["description"]
                + " Without it, the client's newest valid consent naming the provider is used.",
            },
            "service_id": _UUID,
            "location_id": {**_UUID, "description": "One of the service's locations."},
            "need": {
                "type": "string",
                "description": "A taxonomy term id or code (stored as the term's name with its code), "
                "or words (kept as given).",
            },
            "mode": {"type": "string", "enum": list(MODES), "default": "live"},
            "hold": {
                "type": "boolean",
                "default": False,
                "description": "Hold one free place of the service (409 when none is left).",
            },
            "capacity_id": {
                **_UUID,
                "description": "Which of the service's figures to hold from, when it has several "
                "(beds by type); without it, the first with a place free.",
            },
            "note": {"type": "string", "maxLength": 4000},
            "draft": {
                "type": "boolean",
                "default": False,
                "description": "Save the referral as a draft, not sent: it waits in the team's "
                "referrals for a member to send it (a move to requested, which checks consent).",
            },
        },
        "examples": [CREATE_EXAMPLE],
    },
    "ReferralEvent": {
        "type": "object",
        "properties": {
            "id": _UUID,
            "at": _WHEN,
            "actor": {"type": "string"},
            "from": {"type": ["string", "null"], "enum": [*STATUSES, None]},
            "to": _STATUS,
            "reason": {**_MAYBE_TEXT, "description": "A code of the deployment's reasons or outcomes."},
            "reason_label": _MAYBE_TEXT,
            "note": _MAYBE_TEXT,
            "channel": {"type": "string", "enum": list(CHANNELS)},
        },
    },
    "ReferralContact": {
        "type": "object",
        "properties": {
            "id": _UUID,
            "at": _WHEN,
            "actor": {"type": "string"},
            "kind": {"type": "string", "enum": list(CONTACT_KINDS)},
            "note": _MAYBE_TEXT,
        },
    },
    "ConsentSummary": {
        "type": ["object", "null"],
        "properties": {
            "id": _UUID,
            "given": {"type": "boolean"},
            "method": _MAYBE_TEXT,
            "scope": {
                "type": "object",
                "properties": {
                    "organization_id": {"type": ["string", "null"], "format": "uuid"},
                    "data": {"type": "array", "items": {"type": "string"}},
                },
            },
            "recorded_at": _WHEN,
            "expires_at": _MAYBE_WHEN,
            "revoked_at": _MAYBE_WHEN,
            "valid": {"type": "boolean", "description": "Given, unexpired, unrevoked, naming the provider."},
        },
    },
    "Referral": {
        "type": "object",
        "required": ["id", "status", "client_id", "hold"],
        "properties": {
            "id": _UUID,
            "status": _STATUS,
            "mode": {"type": "string", "enum": list(MODES)},
            "client_id": _UUID,
            "client": {
                "type": "object",
                "description": "The id, and only the fields this caller may read: all for the team; for the "
                "receiving provider, those the consent covers while it is valid and the referral open.",
                "properties": {
                    "id": _UUID,
                    **{f: {"type": ["string", "integer", "null"]} for f in CLIENT_FIELDS},
                },
            },
            "service": {"type": ["object", "null"], "properties": {"id": _UUID, "name": _MAYBE_TEXT}},
            "location_id": {"type": ["string", "null"], "format": "uuid"},
            "organization": {"type": ["object", "null"], "properties": {"id": _UUID, "name": _MAYBE_TEXT}},
            "need": _MAYBE_TEXT,
            "note": _MAYBE_TEXT,
            "created": _WHEN,
            "updated": _WHEN,
            "due_at": {**_MAYBE_WHEN, "description": "When a follow-up is due."},
            "overdue": {"type": "boolean"},
            "hold": _HOLD,
            "consent": _ref("ConsentSummary"),
            "allowed_moves": {
                "type": "array",
                "items": _STATUS,
                "description": "The moves this caller may make.",
            },
            "open": {"type": "boolean"},
            "events": {"type": "array", "items": _ref("ReferralEvent"), "description": "Not in lists."},
            "contacts": {"type": "array", "items": _ref("ReferralContact"), "description": "Not in lists."},
        },
        "examples": [REFERRAL_EXAMPLE],
    },
    "ReferralPage": {
        "type": "object",
        "description": "The HSDS API's page envelope.",
        "required": [
            "total_items",
            "total_pages",
            "page_number",
            "size",
            "first_page",
            "last_page",
            "contents",
        ],
        "properties": {
            "total_items": {"type": "integer"},
            "total_pages": {"type": "integer"},
            "page_number": {"type": "integer"},
            "size": {"type": "integer", "description": "The number of referrals in this page."},
            "first_page": {"type": "boolean"},
            "last_page": {"type": "boolean"},
            "empty": {"type": "boolean"},
            "contents": {"type": "array", "items": _ref("Referral")},
        },
    },
    "Transition": {
        "type": "object",
        "additionalProperties": False,
        "required": ["to"],
        "properties": {
            "to": _STATUS,
            "reason": {
                "type": "string",
                "description": "Needed for rejected, cancelled, on-hold, failed (a reason) and completed "
                f"(an outcome); a code or its label. Defaults: {_REASONS}. other needs a note.",
            },
            "note": {"type": "string", "maxLength": 4000},
        },
        "examples": [{"to": "rejected", "reason": "no capacity", "note": "Full since 6 pm."}],
    },
    "ContactCreate": {
        "type": "object",
        "additionalProperties": False,
        "required": ["kind"],
        "properties": {
            "kind": {"type": "string", "enum": list(CONTACT_KINDS)},
            "note": {"type": "string", "maxLength": 4000},
            "at": {**_WHEN, "description": "When it happened, if earlier than now."},
        },
        "examples": [{"kind": "phone", "note": "Spoke to the night manager; bed 12 kept."}],
    },
    "ClientRecord": {
        "type": "object",
        "properties": {
            "id": _UUID,
            **{f: {"type": ["string", "integer", "null"]} for f in CLIENT_FIELDS},
            "created": _WHEN,
            "consents": {"type": "array", "items": _ref("ConsentSummary")},
            "referrals": {"type": "array", "items": _ref("Referral"), "description": "Newest first."},
        },
    },
}

_ID_PARAM = {"name": "referral_id", "in": "path", "required": True, "schema": _UUID}
_CLIENT_PARAM = {"name": "client_id", "in": "path", "required": True, "schema": _UUID}
_NOT_VISIBLE = problem_response(
    "No referral with that id is visible to this account (another team's is not shown)."
)
_BAD_BODY = problem_response(
    "The body is not a JSON object, or a field is wrong (param names it, e.g. client.display_name)."
)


def _json(schema: str, example: Any | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"schema": _ref(schema)}
    if example is not None:
        content["example"] = example
    return {"application/json": content}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


PATHS: dict[str, Any] = {
    "/api/v1/referrals": {
        "post": {
            "summary": "Refer a client (new or known) to a service, with consent and, if asked, a hold.",
            "operationId": "createReferral",
            "requestBody": {"required": True, "content": _json("ReferralCreate", CREATE_EXAMPLE)},
            "responses": {
                "201": {
                    "description": "Made; Location names it.",
                    "headers": {"Location": {"schema": {"type": "string"}}},
                    "content": _json("Referral", REFERRAL_EXAMPLE),
                },
                "409": problem_response("No place is left to hold (param hold); nothing was written."),
                "422": _BAD_BODY,
            },
        },
        "get": {
            "summary": "The referrals this account may see, newest change first, a page at a time.",
            "operationId": "listReferrals",
            "parameters": [
                _query(
                    "status",
                    "One or several statuses, comma-separated or repeated.",
                    {"type": "array", "items": _STATUS},
                ),
                _query("overdue", "true: the follow-up is due; false: it is not.", {"type": "boolean"}),
                _query("service_id", "Referrals to this service.", _UUID),
                _query("since", "Changed at or after this ISO 8601 date-time.", _WHEN),
                _query("page", "Page number (from 1).", {"type": "integer", "minimum": 1}),
                _query(
                    "per_page", "Referrals in a page (1-1000, default 50).", {"type": "integer", "minimum": 1}
                ),
            ],
            "responses": {
                "200": {"description": "A page.", "content": _json("ReferralPage")},
                "400": problem_response("A query parameter is wrong or unknown (param names it)."),
            },
        },
    },
    "/api/v1/referrals/{referral_id}": {
        "get": {
            "summary": "One referral with its events, contacts, hold, follow-up and the moves you may make.",
            "operationId": "getReferral",
            "parameters": [_ID_PARAM],
            "responses": {
                "200": {"description": "The referral.", "content": _json("Referral", REFERRAL_EXAMPLE)},
                "404": _NOT_VISIBLE,
            },
        }
    },
    "/api/v1/referrals/{referral_id}/transitions": {
        "post": {
            "summary": "Move a referral through its lifecycle (the FHIR Task statuses).",
            "operationId": "transitionReferral",
            "parameters": [_ID_PARAM],
            "requestBody": {
                "required": True,
                "content": _json("Transition", {"to": "accepted"}),
            },
            "responses": {
                "200": {"description": "The referral after the move.", "content": _json("Referral")},
                "404": _NOT_VISIBLE,
                "409": {
                    "description": "The lifecycle table forbids this move for you; `allowed` lists yours.",
                    "content": {
                        "application/problem+json": {
                            "schema": {
                                "allOf": [
                                    _ref("Problem"),
                                    {
                                        "type": "object",
                                        "properties": {"allowed": {"type": "array", "items": _STATUS}},
                                    },
                                ]
                            }
                        }
                    },
                },
                "422": problem_response(
                    "A reason (or outcome) is needed and missing or unknown (param reason)."
                ),
            },
        }
    },
    "/api/v1/referrals/{referral_id}/contacts": {
        "post": {
            "summary": "Log a contact of the warm handoff (a call, a visit, transport arranged).",
            "operationId": "addReferralContact",
            "parameters": [_ID_PARAM],
            "requestBody": {"required": True, "content": _json("ContactCreate")},
            "responses": {
                "201": {"description": "Logged.", "content": _json("ReferralContact")},
                "404": _NOT_VISIBLE,
                "422": _BAD_BODY,
            },
        }
    },
    "/api/v1/clients/{client_id}": {
        "get": {
            "summary": "A client of your team, with their consents and referral history.",
            "operationId": "getClient",
            "parameters": [_CLIENT_PARAM],
            "responses": {
                "200": {"description": "The client.", "content": _json("ClientRecord")},
                "404": problem_response("No client of your team has that id."),
            },
        }
    },
    "/api/v1/clients/{client_id}/consents/{consent_id}/revoke": {
        "post": {
            "summary": "Revoke a consent: sharing with the provider stops at once.",
            "operationId": "revokeConsent",
            "parameters": [
                _CLIENT_PARAM,
                {"name": "consent_id", "in": "path", "required": True, "schema": _UUID},
            ],
            "responses": {
                "200": {"description": "The consent, revoked.", "content": _json("ConsentSummary")},
                "404": problem_response("No consent of that client of your team has that id."),
            },
        }
    },
}
