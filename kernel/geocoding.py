"""Geocoding with a database cache, so one address costs one online lookup.

`geo` is pure and stateless; this module adds the two things that need the app: the one
configured online geocoder of the process (its rate limit lives in the instance) and the
`geocode_cache` table. Only answers of an online geocoder are cached. Offline answers
(coordinates, ZIP centroids, city points) are cheaper to recompute than to read, and a
cached offline fallback would hide a better answer once a geocoder is configured. Failures
are not cached either: a service that was down should be asked again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Float, Text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

import geo
from kernel.db import Base, Timestamp

OFFLINE_SOURCES = frozenset({"input", "zipcodes"})
_EXTENSION_KEY = "linkage.geocoder"


class GeocodeCache(Base):
    """One resolved address per normalised query text."""

    __tablename__ = "geocode_cache"
    query: Mapped[str] = mapped_column(Text, primary_key=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    precision: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    postcode: Mapped[str | None] = mapped_column(Text)
    created: Mapped[Timestamp]

    def place(self) -> geo.Place:
        return geo.Place(
            self.lat,
            self.lon,
            self.precision,  # type: ignore[arg-type]
            self.source,
            label=self.label,
            note=self.note,
            postcode=self.postcode,
        )


def cache_key(text: str) -> str:
    """Case and spacing do not make a different address."""
    return " ".join(text.split()).casefold()


def app_geocoder(app: Flask | None = None) -> geo.Geocoder | None:
    """The process's online geocoder from the GEOCODER setting, built once; None if unset."""
    app = app or current_app
    if _EXTENSION_KEY not in app.extensions:
        app.extensions[_EXTENSION_KEY] = geo.make_geocoder(app.config.get("GEOCODER"))
    geocoder: geo.Geocoder | None = app.extensions[_EXTENSION_KEY]
    return geocoder


def cached_locate(
    session: Session,
    text: str,
    *,
    geocoder: geo.Geocoder | Mapping[str, Any] | str | None = None,
) -> geo.Place:
    """`geo.locate` with the answers of the online geocoder kept in `geocode_cache`.

    Takes the session of the caller and never commits. Raises `geo.LocationError`.
    """
    key = cache_key(text) if isinstance(text, str) else ""
    if key:
        row = session.get(GeocodeCache, key)
        if row is not None:
            return row.place()
    place = geo.locate(text, geocoder=geocoder)
    if key and place.source not in OFFLINE_SOURCES:
        _store(session, key, place)
    return place


def _store(session: Session, key: str, place: geo.Place) -> None:
    row = GeocodeCache(
        query=key,
        lat=place.lat,
        lon=place.lon,
        precision=place.precision,
        source=place.source,
        label=place.label,
        note=place.note,
        postcode=place.postcode,
        created=dt.datetime.now(dt.UTC),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Another request cached the same address first; its answer is as good as ours.
        pass
