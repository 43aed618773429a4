"""The demo county as HSDS 3.0 JSON: one nested dict per service, the same for the same seed.

Only `random.Random(seed)` and uuid5 ids are used, and times are offsets from `now`, so two
runs with the same seed and `now` give byte-identical JSON.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

from demo import parts
from demo.data import (
    CENTRAL_ZIPS,
    COUNTY,
    FIRST_NAMES,
    LANGUAGES,
    LAST_NAMES,
    PLACES,
    STATE,
    STREETS,
    SUFFIXES,
    ZIPS,
)
from demo.kinds import KINDS, VARIANT_TYPES, Kind, Variant

_ZIP = {z[0]: z for z in ZIPS}
ASSURER = "verify@harbor211.example.org"
_INTERPRETING = "Phone interpreters for any language, free of charge."


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _phone(n: int, area: str = "614") -> str:
    return f"{area}-555-01{n % 100:02d}"


class _County:
    """Organizations and locations made so far, so services can share them."""

    def __init__(self, seed: int, rng: random.Random, now: dt.datetime) -> None:
        self.seed, self.rng, self.now = seed, rng, now
        self.orgs: dict[str, dict[str, Any]] = {}
        self.org_locations: dict[str, list[dict[str, Any]]] = {}
        self.names: set[str] = set()
        self.n_locations = 0

    def organization(self, name: str, place: str) -> dict[str, Any]:
        if name in self.orgs:
            return self.orgs[name]
        rng, n = self.rng, len(self.orgs)
        slug = _slug(name)
        year = 1950 + rng.randint(0, 70)
        person = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        org = {
            "id": parts.make_id(self.seed, "organization", n),
            "name": name,
            "description": f"{name} is a nonprofit serving {COUNTY} since "
            f"{year}. The {place} name is known across the county.",
            "email": f"info@{slug}.example.org",
            "website": f"https://{slug}.example.org",
            "tax_status": "501(c)(3)",
            "year_incorporated": year,
            "legal_status": "Nonprofit corporation",
            "phones": [
                {
                    "id": parts.make_id(self.seed, "org_phone", n),
                    "number": _phone(n),
                    "type": "voice",
                    "description": "Main office",
                }
            ],
            "contacts": [
                {
                    "id": parts.make_id(self.seed, "contact", n),
                    "name": person,
                    "title": rng.choice(("Executive Director", "Program Manager", "Intake Coordinator")),
                    "department": "Administration",
                    "email": f"{_slug(person).replace('-', '.')}@{slug}.example.org",
                }
            ],
        }
        self.orgs[name] = org
        self.org_locations[name] = []
        return org

    def location(self, org: dict[str, Any], kind: Kind, virtual: bool) -> dict[str, Any]:
        """A new or reused site of the organization; DV shelters keep their address private."""
        rng = self.rng
        mine = self.org_locations[org["name"]]
        if virtual:
            return self._new_location(org, "virtual", None)
        if kind.key != "dv_shelter" and mine and rng.random() < 0.55:
            return rng.choice(mine)
        central = kind.key.endswith("shelter") or kind.key in ("detox", "meals")
        code = rng.choice(CENTRAL_ZIPS) if central and rng.random() < 0.7 else rng.choice(ZIPS)[0]
        loc = self._new_location(org, "physical", code, confidential=kind.key == "dv_shelter")
        mine.append(loc)
        return loc

    def _new_location(
        self, org: dict[str, Any], kind: str, code: str | None, confidential: bool = False
    ) -> dict[str, Any]:
        rng, n = self.rng, self.n_locations
        self.n_locations += 1
        lid = parts.make_id(self.seed, "location", n)
        loc: dict[str, Any] = {
            "id": lid,
            "organization_id": org["id"],
            "location_type": kind,
            "name": org["name"] if kind == "physical" else f"{org['name']} (phone and text)",
        }
        if code is None:
            loc["description"] = "Services by phone, text and chat; no walk-in site."
            loc["url"] = org["website"]
            return loc
        _, city, lat, lon = _ZIP[code]
        loc["latitude"] = round(lat + rng.uniform(-0.012, 0.012), 5)
        loc["longitude"] = round(lon + rng.uniform(-0.015, 0.015), 5)
        street = f"{rng.choice(STREETS)} {rng.choice(SUFFIXES)}"
        if confidential:
            loc["name"] = f"{org['name']} (confidential location)"
            loc["description"] = "The shelter address is confidential for safety; call the hotline."
            loc["latitude"], loc["longitude"] = lat, lon  # only the ZIP centroid is public
            return loc
        loc["transportation"] = f"Harbor Transit stop at {street.split()[0]} and {rng.choice(STREETS)}."
        loc["addresses"] = [
            {
                "id": parts.make_id(self.seed, "address", n),
                "address_1": f"{rng.randint(10, 4999)} {street}",
                "address_2": rng.choice((None, None, None, "Suite 100", "Door B", "2nd floor")),
                "city": city,
                "region": COUNTY,
                "state_province": STATE,
                "postal_code": code,
                "country": "US",
                "address_type": "physical",
            }
        ]
        loc["accessibility"] = [
            {
                "id": parts.make_id(self.seed, "accessibility", n),
                "description": rng.choice(
                    ("Step-free entrance and accessible restroom.", "Ramp at the side door.", "Elevator.")
                ),
            }
        ]
        return loc

    def unique(self, name: str, loc: dict[str, Any]) -> str:
        if name in self.names:
            street = (loc.get("addresses") or [{"address_1": "x Central"}])[0]["address_1"].split(" ", 1)[1]
            name = f"{name} at {street}"
        n = 2
        base = name
        while name in self.names:
            name, n = f"{base} ({n})", n + 1
        self.names.add(name)
        return name


def _languages(seed: int, index: int, rng: random.Random, boost: float) -> list[dict[str, Any]]:
    langs = [("en", "English")]
    langs += [(code, name) for code, name, share in LANGUAGES if rng.random() < share * boost]
    return [
        {"id": parts.make_id(seed, f"language:{index}", n), "code": code, "name": name}
        for n, (code, name) in enumerate(langs)
    ]


def _costs(
    seed: int, index: int, kind: Kind, rng: random.Random
) -> tuple[list[dict[str, Any]], str, list[str]]:
    """Cost options, the fee text and accepted insurance plans (see the package docstring)."""
    cid = parts.make_id(seed, "cost_option", index)
    if kind.cost == "sliding":
        option = {"id": cid, "option": "Sliding scale", "currency": "USD",
                  "amount_description": "$5 to $60 a session, based on household income."}  # fmt: skip
        return [option], "Sliding scale by income; no one is turned away for inability to pay.", []
    if kind.cost == "insurance":
        plans = ["medicaid"] + [
            p for p, share in (("medicare", 0.5), ("private", 0.6)) if rng.random() < share
        ]
        option = {"id": cid, "option": "Insurance or sliding scale", "currency": "USD",
                  "amount_description": "Medicaid covers the full cost; others pay by income."}  # fmt: skip
        return [option], "Billed to insurance; sliding scale for the uninsured.", plans
    option = {"id": cid, "option": "Free", "currency": "USD", "amount": 0}
    return [option], "Free.", []


def _service(
    county: _County, kind: Kind, variant: Variant, index: int, org: dict[str, Any], place: str
) -> dict[str, Any]:
    seed, rng, now = county.seed, county.rng, county.now
    virtual = variant.name.endswith(("Crisis Line", "Mobile Crisis Team"))
    loc = county.location(org, kind, virtual)
    name = county.unique(variant.name.format(place=place), loc)
    sid = parts.make_id(seed, "service", index)
    costs, fees, plans = _costs(seed, index, kind, rng)

    attrs: list[tuple[str, str | None, str | None]] = []
    suffix = variant.name.split("} ", 1)[-1]
    for code in kind.types + VARIANT_TYPES.get(suffix, ()):
        attrs.append(("service_type", code, None))
    for code in variant.eligibility:
        attrs.append(("eligibility", code, None))
    for code in variant.audience:
        attrs.append(("audience", code, None))
    for plan in plans:
        attrs.append(("insurance", f"insurance:{plan}", plan))
    if kind.pets:
        attrs.append(("pets", None, "yes" if rng.random() < 0.4 else "no"))

    pattern = rng.choice(kind.hours)
    holiday = None
    if pattern.startswith("meals") and rng.random() < 0.5:
        holiday = "dinner"
    elif pattern not in ("h24", "overnight") and rng.random() < 0.6:
        holiday = "closed"
    phone: dict[str, Any] = {"id": parts.make_id(seed, "phone", index), "type": "voice"}
    if virtual or kind.key in ("dv_shelter", "crisis"):
        phone.update(number=_phone(index, "380"), description="24-hour line, calls and texts")
    else:
        phone.update(number=org["phones"][0]["number"], extension=200 + index % 700, description="Intake")
    docs = list(kind.docs)
    if "20010" in variant.eligibility + variant.audience and "Veterans" in variant.name:
        docs.append("DD-214 or VA eligibility letter")
    alert = None
    status = "active"
    if index % 97 == 13:
        status, alert = "temporarily closed", "Closed for repairs after a water leak; reopening in two weeks."
    elif index % 41 == 7:
        alert = "Intake moves to the side entrance during construction."
    out: dict[str, Any] = {
        "id": sid,
        "name": name,
        "alternate_name": None,
        "description": variant.description,
        "url": f"{org['website']}/{_slug(name)}",
        "email": org["email"],
        "status": status,
        "interpretation_services": _INTERPRETING if rng.random() < 0.6 else None,
        "application_process": kind.application,
        "fees_description": fees,
        "wait_time": kind.wait,
        "eligibility_description": variant.who,
        "minimum_age": variant.min_age,
        "maximum_age": variant.max_age,
        "assured_date": (now.date() - dt.timedelta(days=rng.randint(1, 240))).isoformat(),
        "assurer_email": ASSURER,
        "alert": alert,
        "organization": org,
        "phones": [phone],
        "schedules": parts.schedules(seed, index, pattern, holiday, now.date()),
        "service_areas": parts.service_areas(
            seed, index, rng, local=kind.key in ("pantry", "housing", "family")
        ),
        "service_at_locations": [{"id": parts.make_id(seed, "service_at_location", index), "location": loc}],
        "languages": _languages(seed, index, rng, kind.extra_langs),
        "cost_options": costs,
        "required_documents": [
            {"id": parts.make_id(seed, f"required_document:{index}", n), "document": d}
            for n, d in enumerate(docs)
        ],
        "capacities": parts.capacity(seed, index, rng, kind.beds, now) if kind.beds else [],
        "attributes": [
            parts.attribute(seed, index, n, link_type, code, value)
            for n, (link_type, code, value) in enumerate(attrs)
        ],
    }
    return out


def _drop_none(value: Any) -> Any:
    """HSDS types most fields as plain strings: an unknown field is left out, not null."""
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def generate(seed: int = 2026, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Services of the demo county as nested HSDS 3.0 JSON (3.1 `capacities` included)."""
    now = (now or dt.datetime.now(dt.UTC)).replace(second=0, microsecond=0)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    rng = random.Random(seed)
    county = _County(seed, rng, now)
    services: list[dict[str, Any]] = []
    for kind in KINDS:
        made = 0
        while made < kind.count:
            place = rng.choice(PLACES)
            org = county.organization(rng.choice(kind.org_names).format(place=place), place)
            for _ in range(min(rng.randint(1, 4), kind.count - made)):
                variant = kind.variants[made % len(kind.variants)]
                services.append(_service(county, kind, variant, len(services), org, place))
                made += 1
    return [_drop_none(s) for s in services]
