"""The US Census Bureau's one-line address geocoder as a geopy geocoder.

geopy has no Census geocoder; this adds one on geopy's base class so it shares geopy's
HTTP adapters, timeouts, user agent and error types. Free, no key, US addresses only.
https://geocoding.geo.census.gov/geocoder/Geocoding_Services_API.html
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any
from urllib.parse import urlencode

from geopy.geocoders.base import DEFAULT_SENTINEL
from geopy.geocoders.base import Geocoder as _GeopyGeocoder
from geopy.location import Location


class USCensus(_GeopyGeocoder):  # type: ignore[misc]
    api_path = "/geocoder/locations/onelineaddress"

    def __init__(
        self,
        *,
        benchmark: str = "Public_AR_Current",
        domain: str = "geocoding.geo.census.gov",
        scheme: str | None = None,
        timeout: Any = DEFAULT_SENTINEL,
        proxies: Any = DEFAULT_SENTINEL,
        user_agent: str | None = None,
        ssl_context: Any = DEFAULT_SENTINEL,
        adapter_factory: Any = None,
    ) -> None:
        super().__init__(
            scheme=scheme,
            timeout=timeout,
            proxies=proxies,
            user_agent=user_agent,
            ssl_context=ssl_context,
            adapter_factory=adapter_factory,
        )
        self.benchmark = benchmark
        self.api = f"{self.scheme}://{domain}{self.api_path}"

    def url(self, query: str) -> str:
        params = {"address": query, "benchmark": self.benchmark, "format": "json"}
        return f"{self.api}?{urlencode(params)}"

    def geocode(self, query: str, *, exactly_one: bool = True, timeout: Any = DEFAULT_SENTINEL) -> Any:
        callback = partial(self.parse, exactly_one=exactly_one)
        return self._call_geocoder(self.url(query), callback, timeout=timeout)

    @staticmethod
    def parse(doc: Mapping[str, Any], exactly_one: bool = True) -> Any:
        """Locations from the service's JSON answer (None when nothing matched)."""
        matches = (doc.get("result") or {}).get("addressMatches") or []
        locations = [
            Location(m["matchedAddress"], (m["coordinates"]["y"], m["coordinates"]["x"]), m) for m in matches
        ]
        if not locations:
            return None
        return locations[0] if exactly_one else locations
