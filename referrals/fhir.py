"""A referral as a FHIR R4 Bundle, shaped after the HL7 SDOH Clinical Care (Gravity) profiles.

Pure: a frozen snapshot in, plain JSON-ready dicts out; no database, no Flask, so a health
system's view of a referral is tested without an app. The Bundle (type `collection`) holds
the ServiceRequest (what is asked for), the Task (the receiving provider's work: its status
and reason), the Consent that allows sharing, the Patient, and the resources they point at
(the receiving Organization, the referring team as an Organization, the requester's
PractitionerRole, the HealthcareService), each entry with a `urn:uuid:` fullUrl so every
reference resolves inside the Bundle.

The Patient carries only what the consent lets this provider see: nothing but its id unless
the consent is given, unexpired, unrevoked and names the receiving organization, and then
only the fields it lists. The department's own record number (`incident_ref`) is never put
in: the provider does not need it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

SDOHCC = "http://hl7.org/fhir/us/sdoh-clinicalcare"
PROFILES = {
    "ServiceRequest": f"{SDOHCC}/StructureDefinition/SDOHCC-ServiceRequest",
    "Task": f"{SDOHCC}/StructureDefinition/SDOHCC-TaskForReferralManagement",
    "Consent": f"{SDOHCC}/StructureDefinition/SDOHCC-Consent",
}
TEMPORARY_CODES = f"{SDOHCC}/CodeSystem/SDOHCC-CodeSystemTemporaryCodes"
TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"
URI = "urn:ietf:rfc:3986"  # an identifier whose value is itself a URI (urn:uuid:...)
# SDOHCCValueSetReferralTaskStatus: FHIR TaskStatus less `ready` and `received`.
TASK_STATUSES = (
    "draft",
    "requested",
    "accepted",
    "rejected",
    "cancelled",
    "in-progress",
    "on-hold",
    "failed",
    "completed",
    "entered-in-error",
)
# The request's own status follows the Task's (ServiceRequest.status, FHIR RequestStatus).
REQUEST_STATUS = {
    "draft": "draft",
    "requested": "active",
    "accepted": "active",
    "in-progress": "active",
    "on-hold": "on-hold",
    "rejected": "revoked",
    "cancelled": "revoked",
    "failed": "revoked",
    "completed": "completed",
    "entered-in-error": "entered-in-error",
}
# The client fields a consent may open to the provider, as the Patient carries them.
PATIENT_FIELDS = ("display_name", "birth_year", "gender", "language", "contact_preference", "phone", "email")
ADMINISTRATIVE_GENDER = {
    "male": "male",
    "man": "male",
    "m": "male",
    "female": "female",
    "woman": "female",
    "f": "female",
    "unknown": "unknown",
    "prefer not to say": "unknown",
}
CONSENT_METHOD_WORDS = {"verbal": "Verbal", "written": "Written", "electronic": "Electronic"}
_NAMESPACE = uuid.UUID("5b3f0e0a-8f6e-4c1e-9d8e-1f6a3c0b7d21")  # for ids derived from a referral's


@dataclass(frozen=True)
class Named:
    """A record of ours that a reference points at: its id and what a person calls it."""

    id: uuid.UUID
    name: str


@dataclass(frozen=True)
class Reason:
    """A status reason (or, on `completed`, the outcome) from the deployment's vocabulary."""

    code: str
    label: str
    text: str | None = None  # the words given with `other`


@dataclass(frozen=True)
class Requester:
    """The worker who made the referral, and the team it belongs to."""

    user_id: uuid.UUID
    display: str  # the worker's name or, failing that, e-mail address
    email: str | None
    team: Named | None


@dataclass(frozen=True)
class Need:
    """What the client needs: a taxonomy term (code, and the system when known) or words."""

    text: str
    code: str | None = None
    system: str | None = None


@dataclass(frozen=True)
class ClientFields:
    """The client record's fields; the mapper puts in only those the consent opens."""

    id: uuid.UUID
    display_name: str | None = None
    birth_year: int | None = None
    gender: str | None = None
    language: str | None = None
    contact_preference: str | None = None  # phone, text, email, do_not_contact
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class ConsentRecord:
    id: uuid.UUID
    given: bool
    method: str | None  # verbal, written, electronic
    organization: Named | None  # the provider it names
    fields: tuple[str, ...]  # the client fields it covers
    recorded_at: dt.datetime
    recorded_by: str | None  # who recorded it (an e-mail address)
    expires_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    part_2: bool = False  # a substance-use treatment service: 42 CFR Part 2 applies

    def status(self, now: dt.datetime) -> str:
        """Consent.status: rejected when not given; inactive once revoked or expired."""
        if not self.given:
            return "rejected"
        if self.revoked_at is not None and self.revoked_at <= now:
            return "inactive"
        if self.expires_at is not None and self.expires_at <= now:
            return "inactive"
        return "active"

    def opens(self, organization_id: uuid.UUID | None, now: dt.datetime) -> frozenset[str]:
        """The client fields this consent lets that organization see now (none unless it names it)."""
        if self.status(now) != "active" or self.organization is None:
            return frozenset()
        if organization_id is None or self.organization.id != organization_id:
            return frozenset()
        return frozenset(self.fields) & frozenset(PATIENT_FIELDS)


@dataclass(frozen=True)
class ReferralSnapshot:
    """Everything the Bundle says about one referral, read in one place (see `snapshot`)."""

    id: uuid.UUID
    status: str
    authored_on: dt.datetime
    requester: Requester
    owner: Named | None  # the receiving organization
    service: Named | None  # the HealthcareService
    need: Need | None
    client: ClientFields
    consent: ConsentRecord | None
    reason: Reason | None = None
    last_modified: dt.datetime | None = None


def _instant(value: dt.datetime) -> str:
    """A FHIR dateTime/instant: with its offset (naive values are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat(timespec="seconds")


def _urn(value: uuid.UUID) -> str:
    return f"urn:uuid:{value}"


def _ref(target: uuid.UUID, display: str | None = None) -> dict[str, Any]:
    ref: dict[str, Any] = {"reference": _urn(target)}
    if display:
        ref["display"] = display
    return ref


def _identifier(value: uuid.UUID) -> list[dict[str, str]]:
    return [{"system": URI, "value": _urn(value)}]


def derived_id(referral_id: uuid.UUID, kind: str) -> uuid.UUID:
    """A stable id for a resource that has no row of its own (the ServiceRequest)."""
    return uuid.uuid5(_NAMESPACE, f"{kind}/{referral_id}")


def patient(client: ClientFields, opened: Iterable[str]) -> dict[str, Any]:
    """The Patient with only the opened fields (least data: an id alone when none)."""
    shown = frozenset(opened)
    res: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(client.id),
        "identifier": _identifier(client.id),
    }
    if "display_name" in shown and client.display_name:
        res["name"] = [{"text": client.display_name}]
    if "gender" in shown and client.gender:
        res["gender"] = ADMINISTRATIVE_GENDER.get(client.gender.strip().lower(), "other")
    if "birth_year" in shown and client.birth_year:
        res["birthDate"] = f"{client.birth_year:04d}"
    telecom = []
    preferred = client.contact_preference if "contact_preference" in shown else None
    if "phone" in shown and client.phone:
        system = "sms" if preferred == "text" else "phone"
        point: dict[str, Any] = {"system": system, "value": client.phone}
        if preferred in ("phone", "text"):
            point["rank"] = 1
        telecom.append(point)
    if "email" in shown and client.email:
        point = {"system": "email", "value": client.email}
        if preferred == "email":
            point["rank"] = 1
        telecom.append(point)
    if telecom:
        res["telecom"] = telecom
    if "language" in shown and client.language:
        res["communication"] = [
            {
                "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": client.language}]},
                "preferred": True,
            }
        ]
    return res


def _reason(reason: Reason) -> dict[str, Any]:
    words = reason.label if not reason.text else f"{reason.label}: {reason.text}"
    return {"coding": [{"code": reason.code, "display": reason.label}], "text": words}


def _consent(snap: ReferralSnapshot, consent: ConsentRecord, now: dt.datetime) -> dict[str, Any]:
    method = CONSENT_METHOD_WORDS.get(consent.method or "", "Recorded")
    recorded = f" by {consent.recorded_by}" if consent.recorded_by else ""
    title = f"{method} consent, recorded in Linkage{recorded} on {_instant(consent.recorded_at)}"
    period: dict[str, str] = {"start": _instant(consent.recorded_at)}
    end = min((t for t in (consent.expires_at, consent.revoked_at) if t is not None), default=None)
    if end is not None:
        period["end"] = _instant(end)
    policy = (
        {"system": "http://terminology.hl7.org/CodeSystem/consentpolicycodes", "code": "cfr-part2"}
        if consent.part_2
        else {"system": "http://terminology.hl7.org/CodeSystem/consentpolicycodes", "code": "hipaa-auth"}
    )
    provision: dict[str, Any] = {
        "type": "permit" if consent.given else "deny",
        "period": period,
        "action": [
            {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/consentaction", "code": "disclose"}
                ]
            }
        ],
        "data": [{"meaning": "instance", "reference": _ref(snap.client.id)}],
    }
    if consent.organization is not None:
        provision["actor"] = [
            {
                "role": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                            "code": "IRCP",
                            "display": "information recipient",
                        }
                    ]
                },
                "reference": _ref(consent.organization.id, consent.organization.name),
            }
        ]
    res: dict[str, Any] = {
        "resourceType": "Consent",
        "id": str(consent.id),
        "meta": {"profile": [PROFILES["Consent"]]},
        "status": consent.status(now),
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "patient-privacy",
                    "display": "Privacy Consent",
                }
            ]
        },
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                        "code": "IDSCL",
                        "display": "information disclosure",
                    }
                ]
            }
        ],
        "patient": _ref(snap.client.id),
        "dateTime": _instant(consent.recorded_at),
        "performer": [_ref(snap.client.id)],
        "sourceAttachment": {"title": title},
        "policyRule": {"coding": [policy]},
        "provision": provision,
    }
    if snap.requester.team is not None:
        res["organization"] = [_ref(snap.requester.team.id, snap.requester.team.name)]
    return res


def _service_request(snap: ReferralSnapshot, sr_id: uuid.UUID, requester_id: uuid.UUID) -> dict[str, Any]:
    need = snap.need or Need(text="Referral")
    code: dict[str, Any] = {"text": need.text}
    if need.code and need.system:
        code["coding"] = [{"system": need.system, "code": need.code, "display": need.text}]
    res: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": str(sr_id),
        "meta": {"profile": [PROFILES["ServiceRequest"]]},
        "identifier": _identifier(snap.id),
        "status": REQUEST_STATUS[snap.status],
        "intent": "order",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://snomed.info/sct",
                        "code": "410606002",
                        "display": "Social service procedure",
                    }
                ]
            }
        ],
        "code": code,
        "subject": _ref(snap.client.id),
        "authoredOn": _instant(snap.authored_on),
        "requester": _ref(requester_id, snap.requester.display),
    }
    performer = snap.service or snap.owner
    if performer is not None:
        res["performer"] = [_ref(performer.id, performer.name)]
    if snap.consent is not None:
        res["supportingInfo"] = [_ref(snap.consent.id)]
    if snap.client.contact_preference == "do_not_contact":
        # Shown whatever the consent says: it protects the client (the profile's MS slice).
        res["orderDetail"] = [
            {
                "coding": [
                    {
                        "system": TEMPORARY_CODES,
                        "code": "contacting-subject-prohibited",
                        "display": "Contacting subject prohibited",
                    }
                ]
            }
        ]
    return res


def _task(
    snap: ReferralSnapshot, sr_id: uuid.UUID, requester_id: uuid.UUID, shown: frozenset[str]
) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Task",
        "id": str(snap.id),
        "meta": {"profile": [PROFILES["Task"]]},
        "identifier": _identifier(snap.id),
        "status": snap.status,
        "intent": "order",
        "code": {
            "coding": [{"system": TASK_CODE, "code": "fulfill", "display": "Fulfill the focal request"}]
        },
        "focus": _ref(sr_id),
        "for": _ref(snap.client.id, snap.client.display_name if "display_name" in shown else None),
        "authoredOn": _instant(snap.authored_on),
        "requester": _ref(requester_id, snap.requester.display),
    }
    if snap.reason is not None:
        res["statusReason"] = _reason(snap.reason)
    if snap.last_modified is not None:
        res["lastModified"] = _instant(snap.last_modified)
    if snap.owner is not None:
        res["owner"] = _ref(snap.owner.id, snap.owner.name)
    return res


def _organization(org: Named) -> dict[str, Any]:
    return {
        "resourceType": "Organization",
        "id": str(org.id),
        "identifier": _identifier(org.id),
        "name": org.name,
    }


def bundle(snap: ReferralSnapshot, now: dt.datetime) -> dict[str, Any]:
    """The referral as a FHIR R4 `collection` Bundle (JSON-ready dict)."""
    if snap.status not in TASK_STATUSES:
        raise ValueError(f"{snap.status!r} is not a referral Task status")
    sr_id = derived_id(snap.id, "ServiceRequest")
    requester_id = snap.requester.user_id
    shown = snap.consent.opens(snap.owner.id if snap.owner else None, now) if snap.consent else frozenset()
    resources: list[dict[str, Any]] = [
        _service_request(snap, sr_id, requester_id),
        _task(snap, sr_id, requester_id, shown),
    ]
    if snap.consent is not None:
        resources.append(_consent(snap, snap.consent, now))
    resources.append(patient(snap.client, shown))
    role: dict[str, Any] = {
        "resourceType": "PractitionerRole",
        "id": str(requester_id),
        "identifier": _identifier(requester_id),
        "active": True,
        "practitioner": {"display": snap.requester.display},
    }
    if snap.requester.email:
        role["telecom"] = [{"system": "email", "value": snap.requester.email}]
    orgs: dict[uuid.UUID, Named] = {}
    if snap.requester.team is not None:
        role["organization"] = _ref(snap.requester.team.id, snap.requester.team.name)
        orgs[snap.requester.team.id] = snap.requester.team
    resources.append(role)
    if snap.owner is not None:
        orgs.setdefault(snap.owner.id, snap.owner)
    if snap.consent is not None and snap.consent.organization is not None:
        orgs.setdefault(snap.consent.organization.id, snap.consent.organization)
    resources.extend(_organization(o) for o in orgs.values())
    if snap.service is not None:
        service: dict[str, Any] = {
            "resourceType": "HealthcareService",
            "id": str(snap.service.id),
            "identifier": _identifier(snap.service.id),
            "name": snap.service.name,
        }
        if snap.owner is not None:
            service["providedBy"] = _ref(snap.owner.id, snap.owner.name)
        resources.append(service)
    return {
        "resourceType": "Bundle",
        "id": str(derived_id(snap.id, "Bundle")),
        "type": "collection",
        "timestamp": _instant(now),
        "entry": [{"fullUrl": _urn(uuid.UUID(r["id"])), "resource": r} for r in resources],
    }
