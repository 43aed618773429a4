"""The referral form of the pages (/referrals/new): what was typed, read into the services'
typed inputs, and the services' refusals in the reader's words, tied to the form's fields.

Shape only, as referrals.payloads is for the JSON API: numbers, dates, which box was
ticked. Every rule (who may refer, which contact detail a preference needs, consent, Part 2,
a free place to hold) is the services' to say; this module only words their answer for a
person and names the field it belongs to.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
import zoneinfo
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kernel.errors import Problem
from referrals import consent as consent_rules
from referrals.drafts import Completion
from referrals.models import CLIENT_FIELDS
from referrals.services import DEFAULT_SHARED, ClientInput, ConsentInput, ReferralInput

# The form's text fields and their longest value (as the API's payloads allow).
TEXT_FIELDS = {
    "display_name": 200,
    "gender": 40,
    "language": 20,
    "phone": 200,
    "email": 200,
    "incident_ref": 200,
    "need": 4000,
    "note": 4000,
}
GENDERS = ("female", "male", "transgender", "nonbinary")
GENDER_WORDS = {
    "female": _l("female"),
    "male": _l("male"),
    "transgender": _l("transgender"),
    "nonbinary": _l("nonbinary"),
}
MODES_WORDS = {
    "live": _l("Live: the provider answers on Linkage or from an e-mailed link"),
    "logged": _l("Logged: I phoned the provider and record what happens myself"),
}
# Said on the form for a substance-use treatment service (the rule is referrals.consent's).
PART_2_WORDS = _l(
    "This is a substance-use treatment service. Federal law (42 CFR Part 2) requires the "
    "client's written or electronic consent naming this provider before anything is shared; "
    "verbal consent is not enough."
)
NO_PLACE = _l(
    "No place is left to hold: every free place was taken or held meanwhile. Send the "
    "referral without a hold, or choose another service."
)

# A service's parameter -> the form field its sentence goes on.
FIELD_OF = {
    "client": "display_name",
    "client.display_name": "display_name",
    "client.birth_year": "birth_year",
    "client.age": "age",
    "client.gender": "gender",
    "client.language": "language",
    "client.contact_preference": "contact_preference",
    "client.phone": "phone",
    "client.email": "email",
    "client.incident_ref": "incident_ref",
    "consent": "consent_given",
    "consent.given": "consent_given",
    "consent.method": "consent_method",
    "consent.scope": "consent_data",
    "consent.scope.organization_id": "consent_data",
    "consent.expires_at": "consent_expires",
    "hold": "hold",
    "capacity_id": "hold",
    "mode": "mode",
    "need": "need",
    "note": "note",
}


def invalid(param: str, detail: str) -> Problem:
    return Problem(422, detail, title="Invalid field", param=param)


def typed(form: Mapping[str, Any]) -> dict[str, Any]:
    """What the person typed, to show again on a refused or questioned form."""
    values = {k: (form.get(k) or "") for k in (*TEXT_FIELDS, "birth_year", "age", "consent_expires")}
    keys = ("contact_preference", "consent_given", "consent_method", "mode", "capacity_id", "client_id")
    for key in (*keys, "service_id", "location_id", "someone_else"):
        values[key] = form.get(key) or ""
    values["hold"] = bool(form.get("hold"))
    if form.get("someone_else"):
        values["someone_else"] = "1"
    getlist = getattr(form, "getlist", None)
    values["consent_data"] = list(getlist("consent_data")) if getlist else list(DEFAULT_SHARED)
    return values


def _text(form: Mapping[str, Any], key: str, param: str) -> str | None:
    value = (form.get(key) or "").strip()
    if len(value) > TEXT_FIELDS[key]:
        raise invalid(param, f"{key} is too long")
    return value or None


def _whole(form: Mapping[str, Any], key: str) -> int | None:
    value = (form.get(key) or "").strip()
    if not value:
        return None
    if not re.fullmatch(r"\d{1,4}", value):
        raise invalid(f"client.{key}", f"{key} must be a whole number")
    return int(value)


def _uuid(form: Mapping[str, Any], key: str) -> uuid.UUID | None:
    value = (form.get(key) or "").strip()
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise invalid(key, f"{key} is not an id") from None


def _end_of(day: str, tz: str) -> dt.datetime | None:
    """A consent that ends "on" a date lasts until the end of that day, in the deployment's zone."""
    if not day.strip():
        return None
    try:
        date = dt.date.fromisoformat(day.strip())
    except ValueError:
        raise invalid("consent.expires_at", "not a date") from None
    end = dt.datetime.combine(date, dt.time(23, 59, 59), zoneinfo.ZoneInfo(tz))
    return end.astimezone(dt.UTC)


def client_input(form: Mapping[str, Any]) -> ClientInput:
    return ClientInput(
        display_name=_text(form, "display_name", "client.display_name") or "",
        birth_year=_whole(form, "birth_year"),
        age=_whole(form, "age"),
        gender=_text(form, "gender", "client.gender"),
        language=_text(form, "language", "client.language"),
        contact_preference=(form.get("contact_preference") or "do_not_contact"),
        phone=_text(form, "phone", "client.phone"),
        email=_text(form, "email", "client.email"),
        incident_ref=_text(form, "incident_ref", "client.incident_ref"),
    )


def consent_input(form: Mapping[str, Any], tz: str) -> ConsentInput:
    """The consent fieldset: given or not, how, which data, until when."""
    given = form.get("consent_given")
    if given not in ("yes", "no"):
        raise invalid("consent.given", "say whether consent was given")
    getlist = getattr(form, "getlist", None)
    fields = tuple(getlist("consent_data")) if getlist else DEFAULT_SHARED
    unknown = [f for f in fields if f not in CLIENT_FIELDS]
    if unknown:
        raise invalid("consent.scope", "unknown field")
    return ConsentInput(
        given=given == "yes",
        method=(form.get("consent_method") or None) if given == "yes" else None,
        data=fields,
        expires_at=_end_of(form.get("consent_expires") or "", tz),
    )


def completion_input(form: Mapping[str, Any], tz: str) -> Completion:
    """The form completing a draft: the consent, and the draft's need, note, mode and hold."""
    return Completion(
        consent=consent_input(form, tz),
        need=_text(form, "need", "need"),
        note=_text(form, "note", "note"),
        mode=form.get("mode") or "live",
        hold=bool(form.get("hold")),
        capacity_id=_uuid(form, "capacity_id"),
    )


def referral_input(
    form: Mapping[str, Any], tz: str, *, client_id: uuid.UUID | None = None, draft: bool = False
) -> ReferralInput:
    """The form as the services' input: a new client unless `client_id` names a known one.
    A draft is not sent, so consent is checked when a team member sends it, not now."""
    service_id = _uuid(form, "service_id")
    if service_id is None:
        raise invalid("service_id", "service_id is needed")
    consent = consent_input(form, tz)
    return ReferralInput(
        service_id=service_id,
        client=None if client_id is not None else client_input(form),
        client_id=client_id,
        consent=consent,
        location_id=_uuid(form, "location_id"),
        need=_text(form, "need", "need"),
        mode=form.get("mode") or "live",
        hold=bool(form.get("hold")),
        capacity_id=_uuid(form, "capacity_id"),
        note=_text(form, "note", "note"),
        draft=draft,
    )


def sentence(exc: Problem, *, part_2: bool) -> str:
    """A refusal of the services in the reader's words (theirs are the API's, in English)."""
    param, detail = exc.param or "", exc.detail
    if exc.status == 409 and param == "hold":
        return str(NO_PLACE)
    if param in ("consent", "consent.given") and detail == consent_rules.NOT_GIVEN:
        param = "consent"
    words: dict[str, Any] = {
        "client": _l("Write a display name or initials."),
        "client.display_name": _l("Write a display name or initials."),
        "client.birth_year": _l("Give a birth year such as 1984, within the last 120 years."),
        "client.contact_preference": _l("Choose how the client wants to be contacted."),
        "client.gender": _l("The gender may hold at most 40 characters."),
        "client.language": _l("Give the language as a short code, such as es for Spanish."),
        "client.incident_ref": _l("The record number may hold at most 200 characters."),
        "consent": _l(
            "The client has not consented to sharing with this provider, so the referral cannot be sent."
        ),
        "consent.given": _l(
            "Say whether the client consented to sharing with this provider; without it the referral "
            "cannot be sent."
        ),
        "consent.scope": _l("Choose which of the client's details the provider may see."),
        "consent.expires_at": _l("The consent's last day must be a date in the future."),
        "capacity_id": _l("Choose which of the service's places to hold."),
        "mode": _l("Choose live or logged."),
        "need": _l("Write the need in words (no service type has that id)."),
        "note": _l("A note may hold at most 4000 characters."),
        "service_id": _l("This service takes no referrals now; go back to the match and choose another."),
        "location_id": _l("The service is not offered at that place; go back to the match."),
        "client_id": _l("No client of your team has that id."),
    }
    if param == "client.age":
        if "not both" in detail:
            return str(_("Give the birth year or the age, not both."))
        return str(_("The age must be a whole number from 0 to 120."))
    if param in ("client.phone", "client.email"):
        which = param.split(".")[1]
        if detail.startswith("Leave out"):
            if which == "phone":
                return str(_("Leave the phone empty: this contact preference does not use it."))
            return str(_("Leave the e-mail empty: this contact preference does not use it."))
        if which == "phone":
            return str(_("A phone call or text preference needs the phone number."))
        return str(_("An e-mail preference needs the e-mail address."))
    if param == "consent.method":
        if part_2 and "42 CFR" in detail:
            return str(PART_2_WORDS)
        return str(_("Say how consent was given: verbal, written or electronic."))
    if param == "hold":
        return str(_("This service does not report free places, so none can be held."))
    found = words.get(param)
    return str(found) if found is not None else str(_("Correct the field marked below."))


# The repeat-client proposal's reasons (referrals.repeat words them in English), in the reader's words.
_ALIKE = re.compile(r"^name (\d+)% alike$")


def reason_words(reason: str) -> str:
    fixed = {
        "same phone": _l("same phone"),
        "same name": _l("same name"),
        "same birth year": _l("same birth year"),
        "birth year one apart (an age was given)": _l("birth year one apart (an age was given)"),
    }
    if reason in fixed:
        return str(fixed[reason])
    alike = _ALIKE.match(reason)
    if alike:
        return str(_("name %(percent)s%% alike", percent=alike.group(1)))
    return reason
