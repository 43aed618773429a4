"""A directory of services shaped like a real one, written as HSDS 3.0 NDJSON, one line per
service, streamed to disk (nothing but one line is held in memory at a time).

Each service has its own organization and, on average, about ten rows: the organization, the
service, 1.4 languages, a phone, a schedule, an attribute filing it under an Open Eligibility
term, a service_at_location, a location with an address and coordinates scattered around one
of 50 real US metro centres, and 0.4 capacity figures.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from pathlib import Path
from typing import Any

NAMESPACE = uuid.UUID("0b8a6a1e-6f1c-4d57-9a55-3b1f3f0c5a11")

# (city, state, latitude, longitude, a downtown ZIP code, area code): the 50 largest US metro
# areas by population, their centre cities' coordinates.
METROS = [
    ("New York", "NY", 40.7128, -74.0060, "10007", "212"),
    ("Los Angeles", "CA", 34.0522, -118.2437, "90012", "213"),
    ("Chicago", "IL", 41.8781, -87.6298, "60602", "312"),
    ("Dallas", "TX", 32.7767, -96.7970, "75201", "214"),
    ("Houston", "TX", 29.7604, -95.3698, "77002", "713"),
    ("Washington", "DC", 38.9072, -77.0369, "20001", "202"),
    ("Philadelphia", "PA", 39.9526, -75.1652, "19107", "215"),
    ("Miami", "FL", 25.7617, -80.1918, "33130", "305"),
    ("Atlanta", "GA", 33.7490, -84.3880, "30303", "404"),
    ("Boston", "MA", 42.3601, -71.0589, "02108", "617"),
    ("Phoenix", "AZ", 33.4484, -112.0740, "85003", "602"),
    ("San Francisco", "CA", 37.7749, -122.4194, "94102", "415"),
    ("Riverside", "CA", 33.9806, -117.3755, "92501", "951"),
    ("Detroit", "MI", 42.3314, -83.0458, "48226", "313"),
    ("Seattle", "WA", 47.6062, -122.3321, "98104", "206"),
    ("Minneapolis", "MN", 44.9778, -93.2650, "55401", "612"),
    ("San Diego", "CA", 32.7157, -117.1611, "92101", "619"),
    ("Tampa", "FL", 27.9506, -82.4572, "33602", "813"),
    ("Denver", "CO", 39.7392, -104.9903, "80202", "303"),
    ("Baltimore", "MD", 39.2904, -76.6122, "21202", "410"),
    ("St. Louis", "MO", 38.6270, -90.1994, "63101", "314"),
    ("Orlando", "FL", 28.5383, -81.3792, "32801", "407"),
    ("Charlotte", "NC", 35.2271, -80.8431, "28202", "704"),
    ("San Antonio", "TX", 29.4241, -98.4936, "78205", "210"),
    ("Portland", "OR", 45.5152, -122.6784, "97204", "503"),
    ("Sacramento", "CA", 38.5816, -121.4944, "95814", "916"),
    ("Pittsburgh", "PA", 40.4406, -79.9959, "15222", "412"),
    ("Austin", "TX", 30.2672, -97.7431, "78701", "512"),
    ("Las Vegas", "NV", 36.1699, -115.1398, "89101", "702"),
    ("Cincinnati", "OH", 39.1031, -84.5120, "45202", "513"),
    ("Kansas City", "MO", 39.0997, -94.5786, "64106", "816"),
    ("Columbus", "OH", 39.9612, -82.9988, "43215", "614"),
    ("Indianapolis", "IN", 39.7684, -86.1581, "46204", "317"),
    ("Cleveland", "OH", 41.4993, -81.6944, "44113", "216"),
    ("San Jose", "CA", 37.3382, -121.8863, "95113", "408"),
    ("Nashville", "TN", 36.1627, -86.7816, "37201", "615"),
    ("Virginia Beach", "VA", 36.8529, -75.9780, "23451", "757"),
    ("Providence", "RI", 41.8240, -71.4128, "02903", "401"),
    ("Jacksonville", "FL", 30.3322, -81.6557, "32202", "904"),
    ("Milwaukee", "WI", 43.0389, -87.9065, "53202", "414"),
    ("Raleigh", "NC", 35.7796, -78.6382, "27601", "919"),
    ("Oklahoma City", "OK", 35.4676, -97.5164, "73102", "405"),
    ("Memphis", "TN", 35.1495, -90.0490, "38103", "901"),
    ("Richmond", "VA", 37.5407, -77.4360, "23219", "804"),
    ("Louisville", "KY", 38.2527, -85.7585, "40202", "502"),
    ("New Orleans", "LA", 29.9511, -90.0715, "70112", "504"),
    ("Salt Lake City", "UT", 40.7608, -111.8910, "84111", "801"),
    ("Hartford", "CT", 41.7658, -72.6734, "06103", "860"),
    ("Buffalo", "NY", 42.8864, -78.8784, "14202", "716"),
    ("Birmingham", "AL", 33.5186, -86.8104, "35203", "205"),
]

# (Open Eligibility code, term, share of services, name endings, a description, unit or None)
CATEGORIES = [
    ("1121", "Emergency Shelter", 8, ("Night Shelter", "Emergency Shelter", "Family Shelter"),
     "Emergency overnight beds, showers and a hot evening meal.", "bed"),
    ("1126", "Psychiatric Emergency Services", 3, ("Crisis Center", "Crisis Stabilization Unit"),
     "Walk-in mental health crisis care, open around the clock.", "bed"),
    ("1151", "Safe Housing", 3, ("Safe House", "Domestic Violence Shelter"),
     "Confidential safe housing for survivors of domestic violence and their children.", "room"),
    ("1178", "Addiction & Recovery", 5, ("Recovery Services", "Recovery Housing"),
     "Outpatient addiction treatment, methadone and peer recovery support.", "appointment slot"),
    ("1180", "Detox", 3, ("Withdrawal Management", "Detox Center"),
     "Medically supervised detox and withdrawal management, referrals to treatment.", "bed"),
    ("1128", "Emergency Food", 12, ("Community Meals", "Soup Kitchen"),
     "Free hot meals every day, no questions asked.", None),
    ("1130", "Food Pantry", 14, ("Food Pantry", "Food Bank"),
     "Groceries and fresh produce twice a week for households in need.", None),
    ("1304", "Counseling", 12, ("Counseling Center", "Family Therapy"),
     "Individual and family counseling and therapy on a sliding scale.", "appointment slot"),
    ("1389", "Representation", 8, ("Legal Aid", "Tenant Legal Clinic"),
     "Free legal help with evictions, benefits and protective orders.", "appointment slot"),
    ("1343", "Tutoring", 10, ("Youth Tutoring", "Homework Club"),
     "After-school tutoring and homework help for young people.", None),
    ("1358", "Job Placement", 15, ("Job Training", "Employment Center"),
     "Job training, resume help and placement with local employers.", None),
    ("1344", "Health Care", 7, ("Community Clinic", "Dental Clinic"),
     "Primary care and dental care for people with or without insurance.", "appointment slot"),
]  # fmt: skip
PLACES = (
    "Maple", "Riverside", "Northgate", "Harbor", "Cedar", "Eastside", "Westview", "Lakeshore", "Hillcrest",
    "Oak Park", "Union", "Liberty", "Grace", "Hope", "Bridge", "Sunrise", "Pioneer", "Beacon", "Summit",
    "Meadow", "Elm Street", "Central", "Southside", "Fairview", "Highland", "Greenwood", "Parkside",
    "Lincoln", "Heritage", "Crossroads",
)  # fmt: skip
STREETS = ("Main St", "Oak Ave", "Market St", "Broadway", "2nd St", "Park Ave", "Elm St", "Church St")
SCHEDULES = {
    "bed": ("MO,TU,WE,TH,FR,SA,SU", "19:00", "07:00"),
    "room": ("MO,TU,WE,TH,FR,SA,SU", "00:00", "23:59"),
    None: ("MO,TU,WE,TH,FR", "09:00", "17:00"),
    "appointment slot": ("MO,TU,WE,TH,FR", "08:30", "16:30"),
}
# 0.4 capacity figures per service, given only by services that count something
CAPACITY_SHARE = 0.4 * sum(c[2] for c in CATEGORIES) / sum(c[2] for c in CATEGORIES if c[5])
TAXONOMY_ID = str(uuid.uuid5(NAMESPACE, "taxonomy"))


def _id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(map(str, parts))))


def _weights(n_metros: int) -> list[float]:
    """Bigger metros have more services (about as 1/sqrt(rank))."""
    return [1 / (rank + 1) ** 0.5 for rank in range(n_metros)]


def service(
    i: int, rnd: random.Random, metros: list[tuple[Any, ...]], weights: list[float], now: str
) -> dict[str, Any]:
    """Service number `i` as nested HSDS 3.0 JSON (3.1 `capacities`); ids are stable per `i`."""
    city, state, lat0, lon0, zip_code, area = rnd.choices(metros, weights)[0]
    code, term, _, endings, description, unit = rnd.choices(CATEGORIES, [c[2] for c in CATEGORIES])[0]
    place = rnd.choice(PLACES)
    name = f"{place} {rnd.choice(endings)} {i}"
    org = {"id": _id("org", i), "name": f"{place} Community Services of {city} {i}",
           "description": f"A nonprofit serving {city} since {rnd.randint(1950, 2022)}."}  # fmt: skip
    languages = [{"id": _id("lang", i, "en"), "name": "English", "code": "en"}]
    if rnd.random() < 0.4:
        languages.append({"id": _id("lang", i, "es"), "name": "Spanish", "code": "es"})
    byday, opens, closes = SCHEDULES[unit]
    svc: dict[str, Any] = {
        "id": _id("service", i),
        "name": name,
        "status": "active",
        "description": f"{description} {place}, {city}.",
        "email": f"info{i}@example.org",
        "organization": org,
        "languages": languages,
        "phones": [{"id": _id("phone", i), "number": f"{area}-555-{i % 10000:04d}", "type": "voice"}],
        "schedules": [
            {
                "id": _id("schedule", i),
                "freq": "WEEKLY",
                "byday": byday,
                "opens_at": opens,
                "closes_at": closes,
            }
        ],  # fmt: skip
        "attributes": [
            {
                "id": _id("attribute", i),
                "link_type": "service_type",
                "link_entity": "service",
                "taxonomy_term": {
                    "id": _id("term", code),
                    "code": code,
                    "name": term,
                    "description": term,
                    "taxonomy": "Open Eligibility",
                    "taxonomy_detail": {
                        "id": TAXONOMY_ID,
                        "name": "Open Eligibility",
                        "description": "Open Eligibility v2.0",
                        "version": "2.0",
                    },
                },
            }
        ],  # fmt: skip
        "service_at_locations": [
            {
                "id": _id("sal", i),
                "location": {
                    "id": _id("location", i),
                    "location_type": "physical",
                    "name": name,
                    "latitude": round(lat0 + rnd.gauss(0, 0.12), 6),
                    "longitude": round(lon0 + rnd.gauss(0, 0.14), 6),
                    "addresses": [
                        {
                            "id": _id("address", i),
                            "address_1": f"{rnd.randint(1, 9999)} {rnd.choice(STREETS)}",
                            "city": city,
                            "state_province": state,
                            "postal_code": zip_code,
                            "country": "US",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],  # fmt: skip
    }
    if unit is not None and rnd.random() < CAPACITY_SHARE:
        maximum = rnd.randint(4, 120)
        svc["capacities"] = [{
            "id": _id("capacity", i), "available": rnd.randint(0, maximum), "maximum": maximum,
            "updated": now, "unit": {"id": _id("unit", unit), "name": unit},
        }]  # fmt: skip
    if code in ("1343",):
        svc["maximum_age"] = 18
    elif rnd.random() < 0.3:
        svc["minimum_age"] = 18
    return svc


def write(path: Path, n: int, n_metros: int = 50, seed: int = 17) -> dict[str, float]:
    """Write `n` services to `path`, one JSON object a line; returns how many rows of each kind."""
    rnd = random.Random(seed)
    metros = METROS[:n_metros]
    weights = _weights(len(metros))
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    counts = {"languages": 0, "capacities": 0}
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            svc = service(i, rnd, metros, weights, now)
            counts["languages"] += len(svc["languages"])
            counts["capacities"] += len(svc.get("capacities", ()))
            out.write(json.dumps(svc, separators=(",", ":")))
            out.write("\n")
    # organization, service, phone, schedule, attribute, service_at_location, location, address
    rows = 8 * n + counts["languages"] + counts["capacities"]
    return {"rows_per_service": rows / max(n, 1), **{k: v / max(n, 1) for k, v in counts.items()}}
