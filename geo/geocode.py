"""One entry point for "where": `locate(text)` and its structured twin `locate_address`.

Accepted inputs, tried in this order:

- coordinates: ``"25.7617,-80.1918"``, ``"25.7617 -80.1918"``, ``"geo:25.76,-80.19"``,
  ``"25.76° N, 80.19° W"`` -> precision "coordinates", checked by `check_coordinates`;
- a ZIP: ``"33101"`` or ``"33101-1234"`` -> the ZIP centroid, precision "postcode";
- ``"City, ST"`` (or ``"City, State name"``) -> a point for the city, precision "city";
- anything else is a street address: the online geocoder when one is configured, then the
  ZIP in the address (precision "postcode"), then its "City, ST" tail (precision "city").
  Each fallback says so in `Place.note`. When nothing works, `LocationError` lists what was
  tried and why each step failed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from geo.online import Geocoder, make_geocoder
from geo.places import LocationError, Place, check_coordinates
from geo.states import state_code
from geo.zipdata import ZipRecord, zip_index

MAX_LENGTH = 300
_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:nan|inf(?:inity)?)"
_COORDS_RE = re.compile(
    rf"^(?:geo:)?\(?\s*(?P<lat>{_NUM})\s*°?\s*(?P<ns>[NS])?\s*(?:[,;]\s*|\s+)"
    rf"(?P<lon>{_NUM})\s*°?\s*(?P<ew>[EW])?\s*\)?$",
    re.IGNORECASE,
)
_ZIP_ONLY_RE = re.compile(r"^(\d{5})(?:-\d{4})?$")
_ZIP_IN_TEXT_RE = re.compile(r"(?<![\d-])(\d{5})(?:-\d{4})?(?![\d-])")
_CITY_STATE_RE = re.compile(r"^(?P<city>[^\d,]+?)\s*,\s*(?P<state>[A-Za-z][A-Za-z .]*?)\.?$")


def _resolve_geocoder(geocoder: Geocoder | Mapping[str, Any] | str | None) -> Geocoder | None:
    if geocoder is None or isinstance(geocoder, Geocoder):
        return geocoder
    return make_geocoder(geocoder)


def parse_coordinates(text: str, *, country: str | None = "US") -> Place | None:
    """A Place for "lat,lon" text; None when the text is not a coordinate pair.

    Raises LocationError when it is a pair but not a usable one (out of range, NaN,
    swapped, Web-Mercator metres, ...).
    """
    match = _COORDS_RE.match(text.strip())
    if not match:
        return None
    lat, lon = float(match["lat"]), float(match["lon"])
    if match["ns"] and match["ns"].upper() == "S":
        lat = -abs(lat)
    if match["ew"] and match["ew"].upper() == "W":
        lon = -abs(lon)
    issue = check_coordinates(lat, lon, country=country)
    if issue is not None:
        raise LocationError(f"coordinates {text.strip()!r}: {issue.message}")
    return Place(lat, lon, "coordinates", "input", label=f"{lat:.5f}, {lon:.5f}")


def _zip_place(record: ZipRecord, note: str = "") -> Place:
    return Place(
        record.lat,
        record.lon,
        "postcode",
        "zipcodes",
        label=f"{record.zip} {record.city}, {record.state}",
        note=note,
        postcode=record.zip,
    )


def locate_zip(zip_code: str) -> Place:
    """The centroid of a 5-digit ZIP, or LocationError."""
    record = zip_index().get(zip_code)
    if record is None:
        raise LocationError(f"ZIP {zip_code} is not a known US ZIP code")
    return _zip_place(record)


def locate_city(city: str, state: str, note: str = "") -> Place:
    """A point for a city (median of its ZIP centroids), or LocationError."""
    code = state_code(state)
    if code is None:
        raise LocationError(f"{state.strip()!r} is not a US state or territory")
    found = zip_index().city(city, code)
    if found is None:
        raise LocationError(f"no city called {city.strip()!r} in {code}")
    lat, lon, name, _zips = found
    return Place(lat, lon, "city", "zipcodes", label=f"{name}, {code}", note=note)


def _city_state(text: str) -> tuple[str, str] | None:
    match = _CITY_STATE_RE.match(text.strip())
    if match and state_code(match["state"]):
        return (match["city"], match["state"])
    return None


def locate(
    text: str,
    *,
    geocoder: Geocoder | Mapping[str, Any] | str | None = None,
    country: str | None = "US",
) -> Place:
    """Resolve a client location typed or tapped by a person; see the module docstring.

    `geocoder` is an online geocoder or its configuration (a mapping or its text form);
    without it only the offline steps run. Raises LocationError with the reason.
    """
    if not isinstance(text, str):
        raise LocationError(f"a location must be text, got {type(text).__name__}")
    text = " ".join(text.split())
    if not text:
        raise LocationError("the location is empty: give coordinates, a ZIP or 'City, ST'")
    if len(text) > MAX_LENGTH:
        raise LocationError(f"the location is too long ({len(text)} > {MAX_LENGTH} characters)")
    place = parse_coordinates(text, country=country)
    if place is not None:
        return place
    zip_match = _ZIP_ONLY_RE.match(text)
    if zip_match:
        return locate_zip(zip_match.group(1))
    if text.isdigit():
        hint = f"; if a leading zero was lost, try {text.zfill(5)}" if len(text) < 5 else ""
        raise LocationError(f"{text!r} is not a 5-digit ZIP code{hint}")
    city_state = _city_state(text)
    if city_state is None and not any(ch.isdigit() for ch in text):
        city_state = _tail_city_state(text)  # "Miami FL"
    if city_state is not None:
        return locate_city(*city_state)
    return _locate_address(text, _resolve_geocoder(geocoder), country)


def _locate_address(text: str, geocoder: Geocoder | None, country: str | None) -> Place:
    tried: list[str] = []
    if geocoder is None:
        tried.append("online geocoder: none configured")
    else:
        try:
            place = geocoder.geocode(text)
        except Exception as exc:  # any failure of a remote service means "fall back"
            tried.append(f"{geocoder.name}: unavailable ({type(exc).__name__}: {exc})")
        else:
            if place is None:
                tried.append(f"{geocoder.name}: no match")
            else:
                issue = check_coordinates(place.lat, place.lon, country=country)
                if issue is None:
                    return place
                tried.append(f"{geocoder.name}: answered an unusable point ({issue.message})")
    zips = _ZIP_IN_TEXT_RE.findall(text)
    if zips:
        record = zip_index().get(zips[-1])
        if record is not None:
            why = "; ".join(tried)
            return _zip_place(record, note=f"address not found ({why}); ZIP centroid used")
        tried.append(f"ZIP {zips[-1]}: not a known US ZIP code")
    else:
        tried.append("ZIP: none in the address")
    tail = _tail_city_state(text)
    if tail is None:
        tried.append("city/state: no 'City, ST' at the end of the address")
    else:
        try:
            why = "; ".join(tried)
            return locate_city(*tail, note=f"address not found ({why}); city point used")
        except LocationError as exc:
            tried.append(f"city/state: {exc}")
    raise LocationError(f"could not locate {text!r}: tried " + "; ".join(tried), tried=tuple(tried))


def _tail_city_state(text: str) -> tuple[str, str] | None:
    """("Miami", "FL") from "1 Main St, Miami, FL 33101" or "1 Main St, Miami FL"."""
    parts = [p.strip() for p in _ZIP_IN_TEXT_RE.sub("", text).split(",")]
    parts = [p for p in parts if p and p.upper() not in {"USA", "US", "UNITED STATES"}]
    if not parts:
        return None
    if len(parts) >= 2 and state_code(parts[-1]):
        city = parts[-2]
    else:
        words = parts[-1].split()
        if len(words) < 2 or not state_code(words[-1]):
            return None
        parts[-1], city = words[-1], " ".join(words[:-1])
        if len(parts) >= 2 and any(ch.isdigit() for ch in city):
            return None
    city = re.sub(r"^\d+\s+", "", city)
    if not city or any(ch.isdigit() for ch in city):
        return None
    return (city, parts[-1])


def locate_address(
    *,
    street: str | None = None,
    city: str | None = None,
    state: str | None = None,
    postcode: str | None = None,
    geocoder: Geocoder | Mapping[str, Any] | str | None = None,
    country: str | None = "US",
) -> Place:
    """Geocode an address given as fields (as importers have them); same fallbacks as locate."""
    street = (street or "").strip()
    city = (city or "").strip()
    state = (state or "").strip()
    postcode = (postcode or "").strip()
    if street:
        tail = ", ".join(p for p in (city, f"{state} {postcode}".strip()) if p)
        return locate(f"{street}, {tail}" if tail else street, geocoder=geocoder, country=country)
    if postcode:
        return locate(postcode, country=country)
    if city and state:
        return locate_city(city, state)
    raise LocationError("the address has no street, no ZIP and no city with state")
