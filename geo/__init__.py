"""Where: offline geocoding, distances and service areas, with no Flask or database import.

Public API (other packages rely on these names):

- `locate(text) -> Place` (lat, lon, precision, source; raises `LocationError`)
- `distance_km(lat1, lon1, lat2, lon2)`, `distances_km(lat, lon, lats, lons)`, `bbox`,
  `km_to_miles`, `miles_to_km`
- `covers(area, lat, lon)`, `AreaIndex`, `ServiceArea`, `resolve_area`, `Boundaries`
- `check_coordinates(lat, lon, *, country="US") -> CoordinateIssue | None`, `validate_point`
- `make_geocoder(config)` for the optional online geocoder
"""

from geo.areas import AreaError, AreaIndex, ServiceArea, covers, to_geometry
from geo.distance import (
    bbox,
    distance_km,
    distance_miles,
    distances_km,
    km_to_miles,
    miles_to_km,
    pairwise_km,
)
from geo.geocode import locate, locate_address, locate_city, locate_zip, parse_coordinates
from geo.named_areas import Boundaries, resolve_area, service_area_from_hsds
from geo.online import Geocoder, GeocoderConfigError, make_geocoder, register_provider
from geo.places import (
    CoordinateIssue,
    LocationError,
    Place,
    check_coordinates,
    in_us,
    mercator_to_lat_lon,
    validate_point,
)
from geo.zipdata import normalize_zip

__all__ = [
    "AreaError",
    "AreaIndex",
    "Boundaries",
    "CoordinateIssue",
    "Geocoder",
    "GeocoderConfigError",
    "LocationError",
    "Place",
    "ServiceArea",
    "bbox",
    "check_coordinates",
    "covers",
    "distance_km",
    "distance_miles",
    "distances_km",
    "in_us",
    "km_to_miles",
    "locate",
    "locate_address",
    "locate_city",
    "locate_zip",
    "make_geocoder",
    "mercator_to_lat_lon",
    "miles_to_km",
    "normalize_zip",
    "pairwise_km",
    "parse_coordinates",
    "register_provider",
    "resolve_area",
    "service_area_from_hsds",
    "to_geometry",
    "validate_point",
]
