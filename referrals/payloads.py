"""JSON bodies of the referral API, checked into the services' typed inputs.

Shape only: types, UUIDs, dates, which keys exist, lengths the columns hold. Each mistake is
a 422 problem naming the field as a path (`client.display_name`, `consent.scope.data`), and
an unknown key is refused by name (a typo must not be dropped silently). Whether an id names
something, and every rule of referrals, is the services' to say.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from kernel.errors import Problem
from referrals.services import NOTE_MAX, ClientInput, ConsentInput, ReferralInput

SHORT_MAX = 200  # a display name, a phone number, an e-mail address, a case number
# Column widths (gender and language are short columns; PostgreSQL refuses longer values).
WIDTHS = {"gender": 40, "language": 20, "contact_preference": 20}

CLIENT_KEYS = (
    "display_name",
    "birth_year",
    "age",
    "gender",
    "language",
    "contact_preference",
    "phone",
    "email",
    "incident_ref",
)
CONSENT_KEYS = ("given", "method", "scope", "expires_at")
SCOPE_KEYS = ("organization_id", "data")
REFERRAL_KEYS = (
    "client",
    "client_id",
    "consent",
    "service_id",
    "location_id",
    "need",
    "mode",
    "hold",
    "capacity_id",
    "note",
    "draft",
)
TRANSITION_KEYS = ("to", "reason", "note")
CONTACT_KEYS = ("kind", "note", "at")


def invalid(param: str, detail: str) -> Problem:
    return Problem(422, detail, title="Invalid field", param=param)


def _path(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _object(raw: Any, prefix: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        where = prefix or "body"
        raise invalid(where, f"{where} must be a JSON object.")
    unknown = [k for k in raw if k not in keys]
    if unknown:
        raise invalid(
            _path(prefix, str(unknown[0])),
            f"{_path(prefix, str(unknown[0]))} is not a field here; the fields are: {', '.join(keys)}.",
        )
    return raw


def _string(raw: Mapping[str, Any], key: str, prefix: str = "", limit: int = SHORT_MAX) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    name = _path(prefix, key)
    if not isinstance(value, str):
        raise invalid(name, f"{name} must be a string.")
    if len(value.strip()) > limit:
        raise invalid(name, f"{name} may hold at most {limit} characters.")
    return value


def _integer(raw: Mapping[str, Any], key: str, prefix: str) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(_path(prefix, key), f"{_path(prefix, key)} must be a whole number.")
    return value


def _boolean(raw: Mapping[str, Any], key: str, prefix: str = "", default: bool | None = None) -> bool | None:
    value = raw.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise invalid(_path(prefix, key), f"{_path(prefix, key)} must be true or false.")
    return value


def _uuid(raw: Mapping[str, Any], key: str, prefix: str = "") -> uuid.UUID | None:
    value = raw.get(key)
    if value is None:
        return None
    name = _path(prefix, key)
    if not isinstance(value, str):
        raise invalid(name, f"{name} must be a UUID string.")
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise invalid(name, f"{name} must be a UUID, got {value[:60]!r}.") from None


def _datetime(raw: Mapping[str, Any], key: str, prefix: str = "") -> dt.datetime | None:
    value = raw.get(key)
    if value is None:
        return None
    name = _path(prefix, key)
    example = "2026-12-03T18:00:00Z"
    if not isinstance(value, str):
        raise invalid(name, f"{name} must be an ISO 8601 date-time string such as {example}.")
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise invalid(
            name, f"{name} must be an ISO 8601 date-time such as {example}, got {value[:60]!r}."
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)  # no offset: UTC


def client_input(raw: Any) -> ClientInput:
    body = _object(raw, "client", CLIENT_KEYS)
    values: dict[str, Any] = {}
    for key in ("display_name", "gender", "language", "contact_preference", "phone", "email", "incident_ref"):
        value = _string(body, key, "client", WIDTHS.get(key, SHORT_MAX))
        if value is not None:
            values[key] = value
    if "display_name" not in values:
        raise invalid("client.display_name", "client.display_name is needed: a display name or initials.")
    for key in ("birth_year", "age"):
        number = _integer(body, key, "client")
        if number is not None:
            values[key] = number
    return ClientInput(**values)


def consent_input(raw: Any) -> ConsentInput:
    body = _object(raw, "consent", CONSENT_KEYS)
    given = _boolean(body, "given", "consent")
    if given is None:
        raise invalid("consent.given", "consent.given is needed: true when the client agreed, else false.")
    organization_id: uuid.UUID | None = None
    data: tuple[str, ...] | None = None
    if body.get("scope") is not None:
        scope = _object(body["scope"], "consent.scope", SCOPE_KEYS)
        organization_id = _uuid(scope, "organization_id", "consent.scope")
        fields = scope.get("data")
        if fields is not None:
            if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
                raise invalid(
                    "consent.scope.data", "consent.scope.data must be a list of client field names."
                )
            data = tuple(f.strip() for f in fields)
    return ConsentInput(
        given=given,
        method=_string(body, "method", "consent", WIDTHS["contact_preference"]),
        organization_id=organization_id,
        data=data,
        expires_at=_datetime(body, "expires_at", "consent"),
    )


def referral_input(raw: Any) -> ReferralInput:
    body = _object(raw, "", REFERRAL_KEYS)
    service_id = _uuid(body, "service_id")
    if service_id is None:
        raise invalid("service_id", "service_id is needed: the service referred to.")
    client = client_input(body["client"]) if body.get("client") is not None else None
    consent = consent_input(body["consent"]) if body.get("consent") is not None else None
    return ReferralInput(
        service_id=service_id,
        client=client,
        client_id=_uuid(body, "client_id"),
        consent=consent,
        location_id=_uuid(body, "location_id"),
        need=_string(body, "need", limit=NOTE_MAX),
        mode=_string(body, "mode") or "live",
        hold=bool(_boolean(body, "hold", default=False)),
        capacity_id=_uuid(body, "capacity_id"),
        note=_string(body, "note", limit=NOTE_MAX),
        draft=bool(_boolean(body, "draft", default=False)),
    )


def transition_input(raw: Any) -> tuple[str, str | None, str | None]:
    """(to, reason, note)."""
    body = _object(raw, "", TRANSITION_KEYS)
    to = _string(body, "to")
    if not to:
        raise invalid("to", "to is needed: the status to move the referral to.")
    return to.strip(), _string(body, "reason"), _string(body, "note", limit=NOTE_MAX)


def contact_input(raw: Any) -> tuple[str, str | None, dt.datetime | None]:
    """(kind, note, at)."""
    body = _object(raw, "", CONTACT_KEYS)
    kind = _string(body, "kind")
    if not kind:
        raise invalid("kind", "kind is needed: phone, in_person, transport, email, text or other.")
    return kind.strip(), _string(body, "note", limit=NOTE_MAX), _datetime(body, "at")
