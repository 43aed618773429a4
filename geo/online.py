"""Optional online geocoding through geopy, chosen by configuration.

Nothing here runs unless a deployment configures it, e.g.::

    {"provider": "nominatim", "user_agent": "linkage-miami-211 (ops@example.org)",
     "timeout": 10, "min_delay_seconds": 1.0, "max_retries": 2}

Providers: ``nominatim`` (OpenStreetMap; needs a real user agent, 1 request/s),
``arcgis`` (Esri's free World geocoder) and ``census`` (US Census Bureau one-line address
geocoder, US only). Every request goes through geopy's RateLimiter, which spaces calls and
retries transient failures. A deployment (or a test) can add its own provider with
`register_provider`; the protocol is one method, ``geocode(query) -> Place | None``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from geo.places import Place, Precision


@runtime_checkable
class Geocoder(Protocol):
    """Turns an address into a Place, or None when the service has no match.

    Raising any exception means the service could not answer (down, timed out, refused).
    """

    name: str

    def geocode(self, query: str) -> Place | None: ...


class GeocoderConfigError(ValueError):
    """The geocoder configuration is incomplete or names an unknown provider."""


_NOMINATIM_ROOFTOP = {"house", "building", "amenity", "shop", "office", "tourism", "leisure"}
_NOMINATIM_CITY = {
    "city",
    "town",
    "village",
    "hamlet",
    "suburb",
    "neighbourhood",
    "quarter",
    "municipality",
    "county",
    "state",
}
_ARCGIS_PRECISION: dict[str, Precision] = {
    "PointAddress": "rooftop",
    "Subaddress": "rooftop",
    "POI": "rooftop",
    "StreetAddress": "street",
    "StreetAddressExt": "street",
    "StreetInt": "street",
    "StreetName": "street",
    "Postal": "postcode",
    "PostalExt": "postcode",
    "PostalLoc": "postcode",
}


def nominatim_precision(raw: Mapping[str, Any]) -> Precision:
    """Precision from a Nominatim result's class, type and addresstype."""
    tags = {str(raw.get(k) or "") for k in ("addresstype", "type", "class")}
    if tags & _NOMINATIM_ROOFTOP:
        return "rooftop"
    if tags & {"highway", "road", "street"}:
        return "street"
    if "postcode" in tags:
        return "postcode"
    if tags & _NOMINATIM_CITY or tags & {"place", "boundary"}:
        return "city"
    return "street"


def arcgis_precision(raw: Mapping[str, Any]) -> Precision:
    attributes = raw.get("attributes") or {}
    return _ARCGIS_PRECISION.get(str(attributes.get("Addr_type", "")), "city")


def census_precision(raw: Mapping[str, Any]) -> Precision:
    # The Census geocoder interpolates along address ranges of a street segment.
    return "street"


class GeopyGeocoder:
    """A geopy geocoder behind a rate limiter, answering Places."""

    def __init__(
        self,
        name: str,
        geocoder: Any,
        precision: Callable[[Mapping[str, Any]], Precision],
        *,
        min_delay_seconds: float = 1.0,
        max_retries: int = 2,
        error_wait_seconds: float = 2.0,
        query_options: Mapping[str, Any] | None = None,
    ) -> None:
        # geopy only when an online geocoder is configured (off by default): ~0.1 s to import.
        from geopy.extra.rate_limiter import RateLimiter

        self.name = name
        self._precision = precision
        self._options = dict(query_options or {})
        self._geocode = RateLimiter(
            geocoder.geocode,
            min_delay_seconds=min_delay_seconds,
            max_retries=max_retries,
            error_wait_seconds=error_wait_seconds,
            swallow_exceptions=False,
        )

    def geocode(self, query: str) -> Place | None:
        location = self._geocode(query, exactly_one=True, **self._options)
        if location is None:
            return None
        raw = location.raw if isinstance(location.raw, Mapping) else {}
        return Place(
            lat=float(location.latitude),
            lon=float(location.longitude),
            precision=self._precision(raw),
            source=self.name,
            label=str(location.address or query),
        )


def _common(config: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "min_delay_seconds": float(config.get("min_delay_seconds", 1.0)),
        "max_retries": int(config.get("max_retries", 2)),
        "error_wait_seconds": float(config.get("error_wait_seconds", 2.0)),
    }


def _user_agent(config: Mapping[str, Any], provider: str) -> str:
    agent = str(config.get("user_agent") or "").strip()
    if not agent:
        raise GeocoderConfigError(
            f"geocoder {provider!r} needs a 'user_agent' that identifies this deployment"
        )
    return agent


def _nominatim(config: Mapping[str, Any]) -> Geocoder:
    from geopy.geocoders import Nominatim  # only when configured: ~0.1 s to import

    kwargs: dict[str, Any] = {
        "user_agent": _user_agent(config, "nominatim"),
        "timeout": float(config.get("timeout", 10)),
    }
    if config.get("domain"):
        kwargs["domain"] = str(config["domain"])
    options = {"country_codes": config.get("country_codes", "us")}
    return GeopyGeocoder(
        "nominatim",
        Nominatim(**kwargs),
        nominatim_precision,
        query_options=options,
        **_common(config),
    )


def _arcgis(config: Mapping[str, Any]) -> Geocoder:
    from geopy.geocoders import ArcGIS  # only when configured: ~0.1 s to import

    geocoder = ArcGIS(user_agent=_user_agent(config, "arcgis"), timeout=float(config.get("timeout", 10)))
    return GeopyGeocoder(
        "arcgis",
        geocoder,
        arcgis_precision,
        query_options={"out_fields": "Addr_type"},
        **_common(config),
    )


def _census(config: Mapping[str, Any]) -> Geocoder:
    from geo.census import USCensus  # only when configured: it imports geopy (~0.1 s)

    geocoder = USCensus(
        user_agent=_user_agent(config, "census"),
        timeout=float(config.get("timeout", 10)),
        benchmark=str(config.get("benchmark", "Public_AR_Current")),
    )
    return GeopyGeocoder("census", geocoder, census_precision, **_common(config))


PROVIDERS: dict[str, Callable[[Mapping[str, Any]], Geocoder]] = {
    "nominatim": _nominatim,
    "arcgis": _arcgis,
    "census": _census,
}


def register_provider(name: str, factory: Callable[[Mapping[str, Any]], Geocoder]) -> None:
    """Make `factory(config)` available as ``{"provider": name}``."""
    PROVIDERS[name] = factory


def parse_config(text: str) -> dict[str, Any]:
    """A geocoder configuration from text, as an environment variable holds it.

    Either a JSON object (``{"provider": "nominatim", "user_agent": "..."}``) or the short
    form ``provider;key=value;key=value`` (``nominatim;user_agent=linkage-211 (ops@example.org)``).
    """
    text = text.strip()
    if text.startswith(("{", "[")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise GeocoderConfigError(f"geocoder configuration is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise GeocoderConfigError("geocoder configuration JSON must be an object")
        return data
    provider, *pairs = [p.strip() for p in text.split(";")]
    config: dict[str, Any] = {"provider": provider}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise GeocoderConfigError(f"geocoder option {pair!r} is not key=value")
        config[key.strip()] = value.strip()
    return config


def make_geocoder(config: Mapping[str, Any] | str | None) -> Geocoder | None:
    """Build the configured online geocoder, or None when none is configured.

    `config` is a mapping or its text form (see `parse_config`). Build it once per process
    and reuse it: the rate limit lives in the instance.
    """
    if isinstance(config, str):
        config = parse_config(config) if config.strip() else None
    if not config or not config.get("provider"):
        return None
    provider = str(config["provider"]).lower()
    factory = PROVIDERS.get(provider)
    if factory is None:
        known = ", ".join(sorted(PROVIDERS))
        raise GeocoderConfigError(f"unknown geocoder provider {provider!r} (known: {known})")
    return factory(config)
