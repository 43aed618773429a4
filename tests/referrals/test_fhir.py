"""The FHIR Bundle of a referral: valid R4 (fhir.resources), the SDOHCC profiles' required and
must-support elements as their FSH source states them, and only consented client data."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from hypothesis import given, settings
from hypothesis import strategies as st

from referrals import fhir
from tests.conftest import shared_path

NOW = dt.datetime(2026, 12, 3, 22, 15, tzinfo=dt.UTC)
PROVIDER = fhir.Named(uuid.UUID("6f1c2a7e-0d1b-4a51-9a37-3b8f0f6a1c01"), "Harbor Light Shelter")
ELSEWHERE = fhir.Named(uuid.UUID("6f1c2a7e-0d1b-4a51-9a37-3b8f0f6a1c02"), "Another Provider")
TEAM = fhir.Named(uuid.UUID("1a2b3c4d-0000-4000-8000-000000000001"), "Northside PD social work unit")
CONSENT_ID = uuid.UUID("c0c0c0c0-0000-4000-8000-000000000001")
PHONE, EMAIL = "+1 555 0134 772", "m.okafor@example.org"


def client(**kw: Any) -> fhir.ClientFields:
    values: dict[str, Any] = {
        "id": uuid.UUID("c1c1c1c1-0000-4000-8000-000000000001"),
        "display_name": "Maria Okafor",
        "birth_year": 1979,
        "gender": "female",
        "language": "es",
        "contact_preference": "phone",
        "phone": PHONE,
        "email": EMAIL,
    }
    return fhir.ClientFields(**(values | kw))


def consent(**kw: Any) -> fhir.ConsentRecord:
    values: dict[str, Any] = {
        "id": CONSENT_ID,
        "given": True,
        "method": "verbal",
        "organization": PROVIDER,
        "fields": fhir.PATIENT_FIELDS,
        "recorded_at": NOW - dt.timedelta(minutes=20),
        "recorded_by": "worker@northside.example",
        "expires_at": NOW + dt.timedelta(days=30),
    }
    return fhir.ConsentRecord(**(values | kw))


def snapshot(**kw: Any) -> fhir.ReferralSnapshot:
    values: dict[str, Any] = {
        "id": uuid.UUID("7e7e7e7e-0000-4000-8000-000000000001"),
        "status": "accepted",
        "authored_on": NOW - dt.timedelta(minutes=15),
        "requester": fhir.Requester(
            uuid.UUID("a0a0a0a0-0000-4000-8000-000000000001"), "Dana Reyes", "dana@northside.example", TEAM
        ),
        "owner": PROVIDER,
        "service": fhir.Named(uuid.UUID("5e5e5e5e-0000-4000-8000-000000000001"), "Emergency beds"),
        "need": fhir.Need("Emergency shelter"),
        "client": client(),
        "consent": consent(),
        "last_modified": NOW - dt.timedelta(minutes=5),
    }
    return fhir.ReferralSnapshot(**(values | kw))


def resources(bundle: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        out.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return out


def one(bundle: dict[str, Any], kind: str) -> dict[str, Any]:
    (res,) = resources(bundle)[kind]
    return res


def validated(bundle: dict[str, Any]) -> Bundle:
    """The Bundle as fhir.resources reads it from JSON (unknown elements and bad types fail)."""
    return Bundle.model_validate_json(json.dumps(bundle))


# -- the profiles, read from their FSH source ----------------------------------------------

_CARD = re.compile(r"^\* (?P<path>[\w.\[\]]+) (?P<min>\d*)\.\.(?P<max>\d+|\*)?(?P<ms> MS)?\s*$")
_MS = re.compile(r"^\* (?P<path>[\w.\[\]]+) MS\s*$")
_SLICE = re.compile(
    r"^\* (?P<path>[\w.]+) contains (?P<slice>[\w-]+) (?P<min>\d+)\.\.(?P<max>\d+|\*)(?P<ms> MS)?$"
)
_FIXED = re.compile(r"^\* (?P<path>[\w.\[\]]+) = (?P<system>\$?[\w-]+)?#(?P<code>[\w-]+)")


def profile_rules(name: str) -> dict[str, set[str]]:
    """Required (`1..`), forbidden (`..0`), must-support and fixed-code elements of a profile."""
    text = shared_path("fhir-sdoh", "profiles", f"{name}.fsh").read_text(encoding="utf-8")
    rules: dict[str, set[str]] = {"required": set(), "forbidden": set(), "ms": set(), "fixed": set()}
    for line in text.splitlines():
        if m := _CARD.match(line):
            if m["min"] and int(m["min"]) >= 1:
                rules["required"].add(m["path"])
            if m["max"] == "0":
                rules["forbidden"].add(m["path"])
            if m["ms"]:
                rules["ms"].add(m["path"])
        elif m := _MS.match(line):
            rules["ms"].add(m["path"])
        elif (m := _SLICE.match(line)) and int(m["min"]) >= 1:
            rules["required"].add(f"{m['path']}[{m['slice']}]")
        if m := _FIXED.match(line):
            rules["fixed"].add(f"{m['path']}={m['code']}")
    return rules


def _codes(item: Any) -> set[str]:
    return set(re.findall(r'"code": "([^"]+)"', json.dumps(item)))


# How an item is recognised as belonging to a slice: by its fixed code (value discriminator)
# or by what it points at (profile discriminator; references name the resource by urn:uuid,
# so the Consent's own id is matched).
SLICES = {
    "category[IDSCL]": lambda item: "IDSCL" in _codes(item),
    "category[SDOHCC]": lambda item: bool(_codes(item) & {"homelessness", "food-insecurity"}),
    "orderDetail[SubjectContactDetail]": lambda item: "contacting-subject-prohibited" in _codes(item),
    "supportingInfo[SupportedSupportingInfo]": lambda item: item["reference"].endswith(str(CONSENT_ID)),
}


def present(res: dict[str, Any], path: str) -> bool:
    """Is the FSH element path there? `x[Slice]` looks for an item of the slice (`SLICES`, or
    the slice's name in it), `source[x]` for any choice of type."""
    head, _, rest = path.partition(".")
    slice_ = re.fullmatch(r"(\w+)\[(\w+)\]", head)
    if head.endswith("[x]"):
        stem = head[:-3]
        values = [v for k, v in res.items() if k.startswith(stem) and k != stem]
    elif slice_:
        items = res.get(slice_[1], [])
        match = SLICES.get(head, lambda item: slice_[2] in json.dumps(item))
        values = [i for i in items if match(i)]
    else:
        values = [res[head]] if head in res else []
    if not values:
        return False
    if not rest:
        return True
    items = values[0] if isinstance(values[0], list) else values
    return all(present(i, rest) for i in items)


# What the parents require (base R4, and US Core ServiceRequest, which is not in ../shared):
# the profiles' FSH states only what it adds.
PARENT_REQUIRED = {
    "SDOHCCTaskForReferralManagement": {"status", "intent"},
    "SDOHCCConsent": {"status", "scope", "category"},
    "SDOHCCServiceRequest": {"status", "intent", "code", "subject"},
}

# Must-support elements Linkage has nothing to put in, and why (each must still be listed
# in the profile; a profile that adds one fails the test until it is decided here).
NOT_SUPPORTED = {
    "SDOHCCTaskForReferralManagement": {
        "partOf[SupportedPartOf]": "no coordination platform between Linkage and the provider",
        "priority": "a referral carries no priority of its own",
        "input[AdditionalContent]": "no further documents travel with a referral",
        "output[PerformedActivityReference]": "the outcome is the completed status and its reason",
        "output[PerformedActivityCode]": "the outcome is the completed status and its reason",
        "output[AdditionalContent]": "no questionnaires or goals are kept",
    },
    "SDOHCCConsent": {},
    "SDOHCCServiceRequest": {
        "priority": "a referral carries no priority of its own",
        "category[SDOHCC]": "the need is the catalog's taxonomy term; no mapping to SDOH categories yet",
        "extension[pertainsToGoal]": "Linkage keeps no goals",
        "basedOn[SupportedBasedOn]": "a referral is the first request, not based on another",
        "reasonReference[SupportedReasonReference]": "no screening observations or conditions are kept",
    },
}


def ms_paths(name: str) -> set[str]:
    """Must-support elements, including the single-slice `contains ... MS` rules."""
    text = shared_path("fhir-sdoh", "profiles", f"{name}.fsh").read_text(encoding="utf-8")
    found = set(profile_rules(name)["ms"])
    for line in text.splitlines():
        m = re.match(
            r"^\* (?P<path>[\w.]+) contains (?P<slice>[\w$-]+)( named (?P<named>[\w-]+))? .*MS", line
        )
        if m:
            found.add(f"{m['path']}[{m['named'] or m['slice']}]")
    for block in re.finditer(r"^\* (?P<path>\w+) contains\s*\n(?P<body>(?:\s+.+\n)+)", text, re.M):
        for item in re.finditer(r"^\s+(?P<slice>[\w-]+) \d+\.\.\S+ MS", block["body"], re.M):
            found.add(f"{block['path']}[{item['slice']}]")
    return {p for p in found if "." not in p and not p.startswith("category.")}


# -- the tests -------------------------------------------------------------------------------


def test_bundle_is_a_valid_r4_collection_with_the_four_resources() -> None:
    bundle = fhir.bundle(snapshot(), NOW)
    model = validated(bundle)
    assert model.type == "collection"
    kinds = [e.resource.get_resource_type() for e in model.entry]
    for kind in ("ServiceRequest", "Task", "Consent", "Patient"):
        assert kinds.count(kind) == 1, kind
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(urls) == len(set(urls))


def test_every_reference_resolves_inside_the_bundle() -> None:
    bundle = fhir.bundle(snapshot(), NOW)
    urls = {e["fullUrl"] for e in bundle["entry"]}
    refs = re.findall(r'"reference": "([^"]+)"', json.dumps(bundle))
    assert refs
    assert set(refs) <= urls


def test_resources_claim_the_sdohcc_profiles() -> None:
    bundle = fhir.bundle(snapshot(), NOW)
    for kind in ("ServiceRequest", "Task", "Consent"):
        assert one(bundle, kind)["meta"]["profile"] == [fhir.PROFILES[kind]]
        assert fhir.PROFILES[kind].endswith(
            "/SDOHCC-" + {"Task": "TaskForReferralManagement"}.get(kind, kind)
        )


@pytest.mark.parametrize(
    ("kind", "profile"),
    [
        ("Task", "SDOHCCTaskForReferralManagement"),
        ("Consent", "SDOHCCConsent"),
        ("ServiceRequest", "SDOHCCServiceRequest"),
    ],
)
def test_required_elements_of_each_profile_are_present(kind: str, profile: str) -> None:
    rules = profile_rules(profile)
    res = one(fhir.bundle(snapshot(reason=fhir.Reason("got-help", "got help")), NOW), kind)
    for path in rules["required"] | PARENT_REQUIRED[profile]:
        if "." in path and not present(res, path.split(".")[0]):
            continue  # a child's minimum applies only when its parent is there
        assert present(res, path), f"{kind} lacks {path}, which {profile} requires"
    for path in rules["forbidden"]:
        assert not present(res, path), f"{kind} has {path}, which {profile} forbids"


def test_profiles_state_what_the_tests_check() -> None:
    """The FSH reader sees the rules the issue names, so the checks above are not empty."""
    task = profile_rules("SDOHCCTaskForReferralManagement")
    assert {"code", "focus", "for", "authoredOn", "requester", "statusReason.text"} <= task["required"]
    assert {"intent=order", "code=fulfill"} <= task["fixed"]
    consent_rules = profile_rules("SDOHCCConsent")
    assert {"patient", "dateTime", "organization", "source[x]", "category[IDSCL]"} <= consent_rules[
        "required"
    ]
    assert {"specimen", "bodySite"} <= profile_rules("SDOHCCServiceRequest")["forbidden"]


@pytest.mark.parametrize(
    ("kind", "profile"),
    [
        ("Task", "SDOHCCTaskForReferralManagement"),
        ("Consent", "SDOHCCConsent"),
        ("ServiceRequest", "SDOHCCServiceRequest"),
    ],
)
def test_must_support_elements_are_filled_or_said_why_not(kind: str, profile: str) -> None:
    snap = snapshot(
        status="on-hold",
        reason=fhir.Reason("no-capacity", "no capacity"),
        client=client(contact_preference="do_not_contact"),
    )
    res = one(fhir.bundle(snap, NOW), kind)
    skipped = NOT_SUPPORTED[profile]
    for path in ms_paths(profile):
        if path in skipped:
            assert not present(res, path)
            continue
        assert present(res, path), f"{kind} lacks must-support {path} ({profile})"
    assert set(skipped) <= ms_paths(profile), "a reason is kept for an element the profile no longer has"


def test_fixed_values_of_the_task_profile() -> None:
    task = one(fhir.bundle(snapshot(), NOW), "Task")
    assert task["intent"] == "order"
    assert task["code"]["coding"] == [
        {
            "system": "http://hl7.org/fhir/CodeSystem/task-code",
            "code": "fulfill",
            "display": "Fulfill the focal request",
        }
    ]
    bundle = fhir.bundle(snapshot(), NOW)
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    assert by_url[task["focus"]["reference"]]["resourceType"] == "ServiceRequest"
    assert by_url[task["for"]["reference"]]["resourceType"] == "Patient"
    assert by_url[task["owner"]["reference"]]["name"] == "Harbor Light Shelter"
    assert by_url[task["requester"]["reference"]]["resourceType"] == "PractitionerRole"
    assert task["authoredOn"] == "2026-12-03T22:00:00+00:00"
    assert task["status"] == "accepted"
    assert "statusReason" not in task


def test_consent_fixed_category_and_scope() -> None:
    res = one(fhir.bundle(snapshot(), NOW), "Consent")
    assert res["category"][0]["coding"][0]["code"] == "IDSCL"
    assert res["scope"]["coding"][0]["code"] == "patient-privacy"
    assert res["status"] == "active"
    assert res["provision"]["type"] == "permit"
    assert res["provision"]["actor"][0]["reference"]["display"] == "Harbor Light Shelter"
    assert res["provision"]["period"]["end"] == "2027-01-02T22:15:00+00:00"
    assert (
        "Verbal consent, recorded in Linkage by worker@northside.example" in res["sourceAttachment"]["title"]
    )
    assert res["organization"][0]["display"] == TEAM.name
    assert res["policyRule"]["coding"][0]["code"] == "hipaa-auth"


def test_part_2_consent_names_its_policy() -> None:
    snap = snapshot(consent=consent(method="written", part_2=True))
    res = one(fhir.bundle(snap, NOW), "Consent")
    assert res["policyRule"]["coding"][0]["code"] == "cfr-part2"
    assert res["sourceAttachment"]["title"].startswith("Written consent")


@pytest.mark.parametrize("status", fhir.TASK_STATUSES)
def test_every_referral_status_is_a_task_status_with_a_request_status(status: str) -> None:
    reason = fhir.Reason("other", "other", "moved away") if status in ("rejected", "failed") else None
    bundle = fhir.bundle(snapshot(status=status, reason=reason), NOW)
    validated(bundle)
    assert one(bundle, "Task")["status"] == status
    assert one(bundle, "ServiceRequest")["status"] in (
        "draft",
        "active",
        "on-hold",
        "revoked",
        "completed",
        "entered-in-error",
    )


def test_value_set_excludes_ready_and_received() -> None:
    text = shared_path("fhir-sdoh", "valuesets", "SDOHCCValueSetReferralTaskStatus.fsh").read_text()
    excluded = set(re.findall(r"exclude TaskStatus#([\w-]+)", text))
    assert excluded == {"ready", "received"}
    assert not excluded & set(fhir.TASK_STATUSES)
    with pytest.raises(ValueError, match="ready"):
        fhir.bundle(snapshot(status="ready"), NOW)


def test_status_reason_carries_the_code_and_the_words() -> None:
    task = one(
        fhir.bundle(snapshot(status="rejected", reason=fhir.Reason("no-capacity", "no capacity")), NOW),
        "Task",
    )
    assert task["statusReason"] == {
        "coding": [{"code": "no-capacity", "display": "no capacity"}],
        "text": "no capacity",
    }
    other = fhir.Reason("other", "other", "the client moved to another county")
    task = one(fhir.bundle(snapshot(status="cancelled", reason=other), NOW), "Task")
    assert task["statusReason"]["text"] == "other: the client moved to another county"


def test_completed_outcome_is_the_status_reason() -> None:
    bundle = fhir.bundle(snapshot(status="completed", reason=fhir.Reason("enrolled", "enrolled")), NOW)
    assert one(bundle, "Task")["statusReason"]["coding"][0]["code"] == "enrolled"
    assert one(bundle, "ServiceRequest")["status"] == "completed"


def test_patient_with_full_consent_carries_each_field() -> None:
    pat = one(fhir.bundle(snapshot(), NOW), "Patient")
    assert pat["name"] == [{"text": "Maria Okafor"}]
    assert pat["birthDate"] == "1979"
    assert pat["gender"] == "female"
    assert pat["communication"][0]["language"]["coding"][0]["code"] == "es"
    assert {"system": "phone", "value": PHONE, "rank": 1} in pat["telecom"]
    assert {"system": "email", "value": EMAIL} in pat["telecom"]
    validated(fhir.bundle(snapshot(), NOW))


def test_field_without_consent_is_absent() -> None:
    snap = snapshot(consent=consent(fields=("display_name", "language")))
    bundle = fhir.bundle(snap, NOW)
    pat = one(bundle, "Patient")
    assert set(pat) == {"resourceType", "id", "identifier", "name", "communication"}
    text = json.dumps(bundle)
    for secret in (PHONE, EMAIL, "1979", "female"):
        assert secret not in text


def test_consent_naming_another_provider_shares_nothing() -> None:
    bundle = fhir.bundle(snapshot(consent=consent(organization=ELSEWHERE)), NOW)
    pat = one(bundle, "Patient")
    assert set(pat) == {"resourceType", "id", "identifier"}
    assert "display" not in one(bundle, "Task")["for"]
    assert "Maria" not in json.dumps(bundle)


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"revoked_at": NOW - dt.timedelta(minutes=1)}, "inactive"),
        ({"expires_at": NOW - dt.timedelta(seconds=1)}, "inactive"),
        ({"given": False}, "rejected"),
    ],
)
def test_revoked_expired_or_refused_consent_shares_nothing(change: dict[str, Any], status: str) -> None:
    bundle = fhir.bundle(snapshot(consent=consent(**change)), NOW)
    validated(bundle)
    assert one(bundle, "Consent")["status"] == status
    assert set(one(bundle, "Patient")) == {"resourceType", "id", "identifier"}
    assert "Maria" not in json.dumps(bundle)
    if not change.get("given", True):
        assert one(bundle, "Consent")["provision"]["type"] == "deny"


def test_no_consent_no_consent_resource_and_no_data() -> None:
    bundle = fhir.bundle(snapshot(consent=None), NOW)
    validated(bundle)
    assert "Consent" not in resources(bundle)
    assert "supportingInfo" not in one(bundle, "ServiceRequest")
    assert set(one(bundle, "Patient")) == {"resourceType", "id", "identifier"}


def test_do_not_contact_flags_the_request_even_without_consent() -> None:
    snap = snapshot(client=client(contact_preference="do_not_contact"), consent=None)
    sr = one(fhir.bundle(snap, NOW), "ServiceRequest")
    assert sr["orderDetail"][0]["coding"][0]["code"] == "contacting-subject-prohibited"


def test_text_preference_is_an_sms_contact_point() -> None:
    pat = one(fhir.bundle(snapshot(client=client(contact_preference="text")), NOW), "Patient")
    assert {"system": "sms", "value": PHONE, "rank": 1} in pat["telecom"]


def test_need_with_a_coded_term_and_gender_words() -> None:
    need = fhir.Need("Homeless Shelter", code="BH-1800.8500", system="https://211taxonomy.org")
    bundle = fhir.bundle(snapshot(need=need, client=client(gender="Non-binary")), NOW)
    validated(bundle)
    assert one(bundle, "ServiceRequest")["code"]["coding"][0]["code"] == "BH-1800.8500"
    assert one(bundle, "Patient")["gender"] == "other"


def test_naive_times_are_read_as_utc() -> None:
    naive = dt.datetime(2026, 12, 3, 21, 0)
    task = one(fhir.bundle(snapshot(authored_on=naive), NOW), "Task")
    assert task["authoredOn"] == "2026-12-03T21:00:00+00:00"


def test_without_owner_service_or_team_the_bundle_is_still_valid() -> None:
    requester = fhir.Requester(uuid.UUID("a0a0a0a0-0000-4000-8000-000000000002"), "Officer Kim", None, None)
    snap = snapshot(owner=None, service=None, need=None, requester=requester, consent=consent())
    bundle = fhir.bundle(snap, NOW)
    validated(bundle)
    assert "owner" not in one(bundle, "Task")
    assert set(one(bundle, "Patient")) == {"resourceType", "id", "identifier"}  # no provider named: nothing


@settings(max_examples=60, deadline=None)  # no timed tests: a loaded machine must not fail it
@given(st.sets(st.sampled_from(fhir.PATIENT_FIELDS)))
def test_patient_elements_follow_the_consented_fields(fields: set[str]) -> None:
    bundle = fhir.bundle(snapshot(consent=consent(fields=tuple(sorted(fields)))), NOW)
    pat = one(bundle, "Patient")
    element_of = {
        "display_name": "name",
        "birth_year": "birthDate",
        "gender": "gender",
        "language": "communication",
    }
    for name, element in element_of.items():
        assert (element in pat) == (name in fields)
    text = json.dumps(pat)
    assert (PHONE in text) == ("phone" in fields)
    assert (EMAIL in text) == ("email" in fields)


def test_the_examples_agree_on_the_task_shape() -> None:
    """Our Task carries what the IG's own referral Task examples carry."""
    task = one(
        fhir.bundle(snapshot(status="completed", reason=fhir.Reason("got-help", "got help")), NOW), "Task"
    )
    folder = shared_path("fhir-sdoh", "examples")
    for path in sorted(Path(folder).glob("SDOHCC-TaskReferralManagement*.fsh")):
        elements = {
            m.split(".")[0].split("[")[0] for m in re.findall(r"^\* ([\w.\[\]]+)", path.read_text(), re.M)
        }
        assert elements - {"output"} <= set(task), path.name
