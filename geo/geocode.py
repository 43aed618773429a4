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
from wording import N_, _

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
        raise LocationError(_("coordinates %(text)s: %(why)s", text=repr(text.strip()), why=issue.message))
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
        raise LocationError(_("ZIP %(zip)s is not a known US ZIP code", zip=zip_code))
    return _zip_place(record)


def locate_city(city: str, state: str, note: str = "") -> Place:
    """A point for a city (median of its ZIP centroids), or LocationError."""
    code = state_code(state)
    if code is None:
        raise LocationError(_("%(state)s is not a US state or territory", state=repr(state.strip())))
    found = zip_index().city(city, code)
    if found is None:
        raise LocationError(_("no city called %(city)s in %(state)s", city=repr(city.strip()), state=code))
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
        raise LocationError(_("a location must be text, got %(type)s", type=type(text).__name__))
    text = " ".join(text.split())
    if not text:
        raise LocationError(_("the location is empty: give coordinates, a ZIP or 'City, ST'"))
    if len(text) > MAX_LENGTH:
        raise LocationError(
            _("the location is too long (%(length)s > %(max)s characters)", length=len(text), max=MAX_LENGTH)
        )
    place = parse_coordinates(text, country=country)
    if place is not None:
        return place
    zip_match = _ZIP_ONLY_RE.match(text)
    if zip_match:
        return locate_zip(zip_match.group(1))
    if text.isdigit():
        if len(text) < 5:
            raise LocationError(
                _(
                    "%(text)s is not a 5-digit ZIP code; if a leading zero was lost, try %(zip)s",
                    text=repr(text),
                    zip=text.zfill(5),
                )
            )
        raise LocationError(_("%(text)s is not a 5-digit ZIP code", text=repr(text)))
    city_state = _city_state(text)
    if city_state is None and not any(ch.isdigit() for ch in text):
        city_state = _tail_city_state(text)  # "Miami FL"
    if city_state is not None:
        return locate_city(*city_state)
    return _locate_address(text, _resolve_geocoder(geocoder), country)


def _tried(tried: list[tuple[str, str]], message: str, **params: Any) -> None:
    """One step that failed, in English (for `Place.note`, which the geocode cache keeps, and
    `LocationError.tried`) and in the reader's language (for the error a page shows)."""
    tried.append((message % params if params else message, _(message, **params)))


def _locate_address(text: str, geocoder: Geocoder | None, country: str | None) -> Place:
    tried: list[tuple[str, str]] = []
    if geocoder is None:
        _tried(tried, N_("online geocoder: none configured"))
    else:
        try:
            place = geocoder.geocode(text)
        except Exception as exc:  # any failure of a remote service means "fall back"
            _tried(
                tried,
                N_("%(geocoder)s: unavailable (%(why)s)"),
                geocoder=geocoder.name,
                why=f"{type(exc).__name__}: {exc}",
            )
        else:
            if place is None:
                _tried(tried, N_("%(geocoder)s: no match"), geocoder=geocoder.name)
            else:
                issue = check_coordinates(place.lat, place.lon, country=country)
                if issue is None:
                    return place
                _tried(
                    tried,
                    N_("%(geocoder)s: answered an unusable point (%(why)s)"),
                    geocoder=geocoder.name,
                    why=issue.message,
                )
    zips = _ZIP_IN_TEXT_RE.findall(text)
    if zips:
        record = zip_index().get(zips[-1])
        if record is not None:
            why = "; ".join(e for e, _t in tried)
            return _zip_place(record, note=f"address not found ({why}); ZIP centroid used")
        _tried(tried, N_("ZIP %(zip)s: not a known US ZIP code"), zip=zips[-1])
    else:
        _tried(tried, N_("ZIP: none in the address"))
    tail = _tail_city_state(text)
    if tail is None:
        _tried(tried, N_("city/state: no 'City, ST' at the end of the address"))
    else:
        try:
            why = "; ".join(e for e, _t in tried)
            return locate_city(*tail, note=f"address not found ({why}); city point used")
        except LocationError as exc:
            _tried(tried, N_("city/state: %(why)s"), why=exc)
    english = tuple(e for e, _t in tried)
    said = "; ".join(t for _e, t in tried)
    raise LocationError(
        _("could not locate %(text)s: tried %(tried)s", text=repr(text), tried=said), tried=english
    )


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
