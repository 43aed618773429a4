"""Offline geocoding of a real directory's addresses (211 Miami, HSDS 1.1 CSV)."""

from __future__ import annotations

import csv
from collections import Counter

import geo
from tests.geo.conftest import shared_file


def test_miami_211_addresses_resolve_offline_to_their_zip() -> None:
    path = shared_file("miami-open211-hsds1.1", "data", "physical_addresses.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    outcome: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    in_florida = 0
    for row in rows:
        try:
            place = geo.locate_address(
                street=row["address_1"],
                city=row["city"],
                state=row["state_province"],  # "FL " with a trailing space, as published
                postcode=row["postal_code"],
            )
        except geo.LocationError as exc:
            reasons[exc.reason.split(":")[0]] += 1
            continue
        outcome[place.precision] += 1
        assert place.precision == "postcode"
        if row["address_1"].strip():
            assert "ZIP centroid used" in place.note
        if row["state_province"].strip() == "FL":
            in_florida += 24.3 <= place.lat <= 31.1 and -87.7 <= place.lon <= -79.9
    assert len(rows) == 4089
    assert outcome["postcode"] / len(rows) > 0.99, (outcome, reasons)
    # the few failures are rows with no address at all, and one Canadian postcode
    assert set(reasons) <= {
        "the address has no street, no ZIP and no city with state",
        "could not locate '245, Soumande Road, G1M 3H6'",
    }
    florida = sum(1 for r in rows if r["state_province"].strip() == "FL" and r["postal_code"])
    assert in_florida / florida > 0.99
