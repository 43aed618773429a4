"""A generated metro-area catalog for the search benchmark, written with bulk inserts.

Services get names, descriptions, taxonomy terms (a two-level tree), languages, ages,
schedules (day, evening, overnight, 24 h, lunch breaks, closed weekends) and capacity from a
vocabulary like the one of real directories, over one metro area (Columbus, Ohio).
"""

# ruff: noqa: E501  (vocabulary tables read better one entry a line)
from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from catalog.models import (
    Address,
    Attribute,
    CostOption,
    Language,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
    Unit,
)

CENTER = (39.9612, -82.9988)
NEIGHBORHOODS = (
    "Harbor", "Eastside", "Westgate", "Linden", "Hilltop", "Clintonville", "Franklinton", "Olde Towne",
    "German Village", "Short North", "Driving Park", "Northland", "Whitehall", "Bexley", "Grandview",
    "Reynoldsburg", "Worthington", "Gahanna", "Hilliard", "Groveport", "Canal Winchester", "Dublin",
    "Marion-Franklin", "Near East", "South Side", "Weinland Park", "Milo-Grogan", "University District",
)  # fmt: skip
# (category code, category, subcategory code, subcategory, name words, description phrases)
KINDS: tuple[tuple[str, str, str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("housing", "Housing", "shelter", "Emergency Shelter", ("Night Shelter", "Emergency Shelter", "Shelter"),
     ("emergency shelter beds for single adults", "overnight shelter with hot meals", "beds available nightly")),
    ("housing", "Housing", "dv-shelter", "Domestic Violence Shelter", ("Safe House", "Family Refuge"),
     ("confidential shelter for survivors of domestic violence", "safety planning and advocacy")),
    ("housing", "Housing", "rent", "Rental Assistance", ("Rent Help", "Housing Assistance"),
     ("one-time rental assistance and eviction prevention", "help with security deposits")),
    ("housing", "Housing", "transitional", "Transitional Housing", ("Transitional Housing", "Recovery House"),
     ("transitional housing for up to 24 months", "sober living recovery housing")),
    ("food", "Food", "pantry", "Food Pantry", ("Food Pantry", "Community Pantry", "Food Bank"),
     ("free groceries once a month", "food pantry with fresh produce", "emergency food boxes")),
    ("food", "Food", "meals", "Free Meals", ("Community Kitchen", "Soup Kitchen", "Meal Program"),
     ("free hot meals daily", "breakfast and lunch served", "community dinner")),
    ("health", "Health", "clinic", "Primary Care", ("Health Center", "Free Clinic", "Family Clinic"),
     ("primary care on a sliding scale", "walk-in clinic for uninsured patients", "vaccinations and checkups")),
    ("health", "Health", "dental", "Dental Care", ("Dental Clinic", "Smile Center"),
     ("low-cost dental cleanings and extractions", "emergency dental care")),
    ("mental", "Mental Health", "counseling", "Counseling", ("Counseling Center", "Behavioral Health"),
     ("individual and family counseling", "therapy for depression and anxiety", "psychiatric evaluation")),
    ("mental", "Mental Health", "crisis", "Crisis Intervention", ("Crisis Center", "Crisis Line"),
     ("24-hour crisis intervention", "suicide prevention and crisis stabilization")),
    ("substance", "Substance Use", "detox", "Withdrawal Management", ("Withdrawal Management", "Detox Center"),
     ("medically monitored withdrawal management", "detoxification from alcohol and opioids")),
    ("substance", "Substance Use", "residential", "Residential Treatment", ("Recovery Center", "Treatment Center"),
     ("28-day residential treatment", "inpatient addiction treatment")),
    ("substance", "Substance Use", "otp", "Opioid Treatment", ("Opioid Treatment Program", "Methadone Clinic"),
     ("methadone and buprenorphine for opioid use disorder", "medication assisted treatment")),
    ("hygiene", "Hygiene", "showers", "Showers", ("Hygiene Center", "Shower Program"),
     ("free showers and laundry", "hygiene kits and restrooms")),
    ("legal", "Legal", "legal-aid", "Legal Aid", ("Legal Aid", "Legal Clinic"),
     ("free legal advice on housing and benefits", "help with expungement and eviction cases")),
    ("work", "Employment", "jobs", "Job Training", ("Job Center", "Workforce Program"),
     ("job readiness and resume help", "job training and placement")),
)  # fmt: skip
LANGS = (("es", "Spanish"), ("so", "Somali"), ("ne", "Nepali"), ("ar", "Arabic"), ("fr", "French"))
HOURS = (
    [("MO,TU,WE,TH,FR", "09:00", "17:00")],
    [("MO,TU,WE,TH,FR", "09:00", "12:00"), ("MO,TU,WE,TH,FR", "13:00", "17:00")],
    [("MO,TU,WE,TH,FR,SA,SU", "19:00", "07:00")],
    [("MO,TU,WE,TH,FR,SA,SU", "00:00", "23:59")],
    [("TU,TH", "10:00", "14:00"), ("SA", "09:00", "12:00")],
    [("MO,WE,FR", "08:00", "20:00")],
    [],
)


def _bulk(conn: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), 20_000):
        conn.execute(insert(model.__table__), rows[i : i + 20_000])


def generate(engine: Engine, n: int, seed: int = 5) -> dict[str, Any]:
    """Write n services (one location each) and return facts the queries use."""
    rnd = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    tax = uuid.uuid4()
    terms: dict[str, uuid.UUID] = {}
    term_rows = []
    for cat, cat_name, sub, sub_name, *_ in KINDS:
        if cat not in terms:
            terms[cat] = uuid.uuid4()
            term_rows.append(
                {"id": terms[cat], "code": cat, "name": cat_name, "description": "", "taxonomy_id": tax}
            )
        terms[sub] = uuid.uuid4()
        term_rows.append(
            {"id": terms[sub], "code": sub, "name": sub_name, "description": "", "taxonomy_id": tax,
             "parent_id": terms[cat]}
        )  # fmt: skip
    unit = uuid.uuid4()
    orgs, services, locations, sals, addresses, schedules = [], [], [], [], [], []
    languages, attributes, costs, capacity = [], [], [], []
    org_ids: list[uuid.UUID] = []
    for i in range(n):
        if i % 5 == 0 or not org_ids:
            org = uuid.uuid4()
            org_ids.append(org)
            hood = rnd.choice(NEIGHBORHOODS)
            orgs.append(
                {
                    "id": org,
                    "name": f"{hood} {rnd.choice(('Community Services', 'Mission', 'Alliance', 'Center', 'Coalition'))}",
                    "description": "",
                }
            )  # noqa: E501
        cat, _cn, sub, _sn, words, phrases = rnd.choice(KINDS)
        hood = rnd.choice(NEIGHBORHOODS)
        sid, lid = uuid.uuid4(), uuid.uuid4()
        lo, hi = rnd.choice(((None, None), (18, None), (None, 24), (12, 24), (55, None), (None, None)))
        services.append(
            {"id": sid, "organization_id": org_ids[-1], "name": f"{hood} {rnd.choice(words)}",
             "description": ". ".join(rnd.sample(phrases, k=min(2, len(phrases)))) + ".",
             "status": "active" if rnd.random() > 0.03 else "inactive", "minimum_age": lo, "maximum_age": hi,
             "eligibility_description": rnd.choice(("", "", "Women only", "Men 18 and older", "Families with children",
                                                     "Veterans", "Youth ages 12-24"))}
        )  # fmt: skip
        lat = CENTER[0] + rnd.gauss(0, 0.07)
        lon = CENTER[1] + rnd.gauss(0, 0.09)
        locations.append({"id": lid, "organization_id": org_ids[-1], "name": f"{hood} site", "latitude": lat,
                          "longitude": lon, "location_type": "physical"})  # fmt: skip
        addresses.append({"id": uuid.uuid4(), "location_id": lid, "address_1": f"{rnd.randint(1, 4999)} Main St",
                          "city": "Columbus", "state_province": "OH", "postal_code": "43215", "country": "US",
                          "address_type": "physical"})  # fmt: skip
        sals.append({"id": uuid.uuid4(), "service_id": sid, "location_id": lid})
        for byday, opens, closes in rnd.choice(HOURS):
            schedules.append({"id": uuid.uuid4(), "service_id": sid, "freq": "WEEKLY", "byday": byday,
                              "opens_at": opens, "closes_at": closes})  # fmt: skip
        if rnd.random() < 0.35:
            code, name = rnd.choice(LANGS)
            languages.append({"id": uuid.uuid4(), "service_id": sid, "code": code, "name": name})
        attributes.append({"id": uuid.uuid4(), "link_id": sid, "link_type": "service", "link_entity": "service",
                           "taxonomy_term_id": terms[sub]})  # fmt: skip
        if rnd.random() < 0.5:
            costs.append({"id": uuid.uuid4(), "service_id": sid, "option": "Free", "amount": 0.0})
        if cat == "housing" or sub in ("detox", "residential"):
            capacity.append({"id": uuid.uuid4(), "service_id": sid, "unit_id": unit, "available": rnd.randint(0, 8),
                             "maximum": 20, "updated": now - dt.timedelta(hours=rnd.random() * 48)})  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(Taxonomy.__table__), [{"id": tax, "name": "Bench", "description": ""}])
        _bulk(conn, TaxonomyTerm, term_rows)
        conn.execute(insert(Unit.__table__), [{"id": unit, "name": "bed"}])
        for model, rows in (
            (Organization, orgs), (Service, services), (Location, locations), (Address, addresses),
            (ServiceAtLocation, sals), (Schedule, schedules), (Language, languages), (Attribute, attributes),
            (CostOption, costs), (ServiceCapacity, capacity),
        ):  # fmt: skip
            _bulk(conn, model, rows)
    return {"terms": sorted(terms), "services": n}
