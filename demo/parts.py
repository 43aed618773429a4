"""Building blocks of demo records: stable ids, taxonomy terms, hours, beds, service areas.

Every id is a uuid5 over (namespace, seed, kind, index) so the same seed gives the same
directory; taxonomy ids depend on the code alone so they are the same in every seed.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from typing import Any

from demo.data import AREAS, COUNTY, COUNTY_RING, LINKAGE_TERMS, OE_TERMS

NAMESPACE = uuid.UUID("6f1c1a52-3c1e-5b8e-9a0e-4c696e6b6167")
OE_TAXONOMY = "Open Eligibility"
LINKAGE_TAXONOMY = "Linkage"
BED_UNIT_ID = str(uuid.uuid5(NAMESPACE, "unit:bed"))

_OE_BY_CODE = {code: (name, parent) for code, name, parent in OE_TERMS}
_LINKAGE_BY_CODE = dict(LINKAGE_TERMS)


def make_id(seed: int, kind: str, index: int | str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{seed}:{kind}:{index}"))


def term_id(code: str) -> str:
    """The id of a taxonomy term, the same in every demo so matching presets can name it."""
    taxonomy = LINKAGE_TAXONOMY if code in _LINKAGE_BY_CODE else OE_TAXONOMY
    return str(uuid.uuid5(NAMESPACE, f"taxonomy_term:{taxonomy}:{code}"))


def taxonomy(name: str) -> dict[str, Any]:
    if name == OE_TAXONOMY:
        return {
            "id": str(uuid.uuid5(NAMESPACE, f"taxonomy:{name}")),
            "name": OE_TAXONOMY,
            "description": "Open Eligibility v2.0: services and human situations.",
            "uri": "https://github.com/auntbertha/openeligibility",
            "version": "2.0",
        }
    return {
        "id": str(uuid.uuid5(NAMESPACE, f"taxonomy:{name}")),
        "name": LINKAGE_TAXONOMY,
        "description": "Linkage terms for facts Open Eligibility has no code for (insurance plans).",
        "uri": None,
        "version": "1",
    }


def term(code: str) -> dict[str, Any]:
    """A taxonomy term as HSDS JSON, with its taxonomy nested."""
    if code in _LINKAGE_BY_CODE:
        name, parent, tax = _LINKAGE_BY_CODE[code], None, LINKAGE_TAXONOMY
    else:
        name, parent = _OE_BY_CODE[code]
        tax = OE_TAXONOMY
    return {
        "id": term_id(code),
        "code": code,
        "name": name,
        "description": name,
        "parent_id": term_id(parent) if parent else None,
        "taxonomy": tax,
        "language": "en",
        "taxonomy_detail": taxonomy(tax),
    }


def all_terms() -> list[dict[str, Any]]:
    """Every term, parents first, so hierarchy queries find the whole tree."""
    return [term(code) for code, _, _ in OE_TERMS] + [term(code) for code, _ in LINKAGE_TERMS]


def attribute(
    seed: int, service_index: int, n: int, link_type: str, code: str | None, value: str | None = None
):  # noqa: ANN201
    return {
        "id": make_id(seed, f"attribute:{service_index}", n),
        "link_type": link_type,
        "link_entity": "service",
        "value": value,
        "taxonomy_term": term(code) if code else None,
    }


# Weekly patterns: (byday, opens_at, closes_at) rows.
DAILY = "MO,TU,WE,TH,FR,SA,SU"
WEEKDAYS = "MO,TU,WE,TH,FR"
HOURS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "business": ((WEEKDAYS, "09:00", "17:00"),),
    "lunch": ((WEEKDAYS, "08:30", "12:00"), (WEEKDAYS, "13:00", "16:30")),
    "evening": (("MO,TU,WE,TH", "12:00", "20:00"), ("FR", "09:00", "15:00")),
    "overnight": ((DAILY, "19:00", "07:00"),),
    "h24": ((DAILY, "00:00", "23:59"),),
    "pantry": (("TU,TH", "10:00", "14:00"), ("SA", "09:00", "12:00")),
    "pantry2": (("MO,WE", "16:00", "19:00"), ("FR", "10:00", "13:00")),
    "meals": ((DAILY, "07:00", "08:30"), (DAILY, "11:30", "13:00"), (DAILY, "17:00", "18:30")),
    "meals_weekday": ((WEEKDAYS, "11:00", "13:30"),),
}


def thanksgiving_after(day: dt.date) -> dt.date:
    """The next US Thanksgiving (fourth Thursday of November) on or after `day`."""
    for year in (day.year, day.year + 1):
        first = dt.date(year, 11, 1)
        result = first + dt.timedelta(days=(3 - first.weekday()) % 7 + 21)
        if result >= day:
            return result
    raise AssertionError("unreachable")


def schedules(
    seed: int, index: int, pattern: str, holiday: str | None, today: dt.date
) -> list[dict[str, Any]]:
    """The weekly rows of a pattern plus, if asked, a dated exception on Thanksgiving.

    A closed exception has no hours and a description starting "Closed", which is how
    hours reads a closed day; an open one carries its own hours.
    """
    rows = []
    for n, (byday, opens, closes) in enumerate(HOURS[pattern]):
        rows.append(
            {
                "id": make_id(seed, f"schedule:{index}", n),
                "freq": "WEEKLY",
                "wkst": "MO",
                "byday": byday,
                "opens_at": opens,
                "closes_at": closes,
                "attending_type": "in_person",
            }
        )
    if holiday:
        day = thanksgiving_after(today).isoformat()
        row: dict[str, Any] = {
            "id": make_id(seed, f"schedule:{index}", "holiday"),
            "valid_from": day,
            "valid_to": day,
            "description": "Closed for Thanksgiving",
        }
        if holiday == "dinner":
            row.update(description="Thanksgiving dinner for all", opens_at="11:00", closes_at="15:00")
        rows.append(row)
    return rows


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def capacity(
    seed: int, index: int, rng: random.Random, beds: tuple[int, int], now: dt.datetime
) -> list[dict[str, Any]]:
    """Beds with an update time as an offset before `now`: most fresh, some stale, some full."""
    if rng.random() < 0.12:
        return []  # this program does not report its beds
    maximum = rng.randint(*beds)
    roll = rng.random()
    if roll < 0.5:
        age = dt.timedelta(minutes=rng.randint(3, 90))
    elif roll < 0.75:
        age = dt.timedelta(hours=rng.randint(2, 20), minutes=rng.randint(0, 59))
    else:
        age = dt.timedelta(days=rng.randint(2, 6), hours=rng.randint(0, 23))
    available = 0 if rng.random() < 0.22 else rng.randint(1, max(1, maximum // 4))
    return [
        {
            "id": make_id(seed, "capacity", index),
            "available": available,
            "maximum": maximum,
            "description": "Beds free tonight",
            "updated": iso(now - age),
            "unit": {"id": BED_UNIT_ID, "name": "bed", "scheme": "linkage", "identifier": "bed"},
        }
    ]


def _polygon(ring: list[list[float]]) -> str:
    return json.dumps({"type": "Polygon", "coordinates": [ring]}, separators=(",", ":"))


def service_areas(seed: int, index: int, rng: random.Random, local: bool) -> list[dict[str, Any]]:
    """County-wide for most services; part of the county for some neighbourhood programs."""
    if local and rng.random() < 0.3:
        name = rng.choice(sorted(AREAS))
        ring, description = AREAS[name], f"Residents of {name.split(' (')[0]} only."
    else:
        name, ring, description = COUNTY, COUNTY_RING, f"All of {COUNTY}."
    return [
        {
            "id": make_id(seed, "service_area", index),
            "name": name,
            "description": description,
            "extent": _polygon(ring),
            "extent_type": "geojson",
        }
    ]
