"""The "places free now" filter of search, from stretches of time kept per process.

`catalog.capacity.free_services` is the one rule of free places, in SQL: a fresh figure
above the holds counted against it. Asked for each search with the filter, at 1,000,000
services, it worked out every free service (389,000) each time: about one second. But the
rule changes with time only in two ways, both known in advance: an active hold stops
counting when it expires, and a figure stops counting when it grows older than its unit's
maximum age. So each figure is free over one stretch of time, [free from, free until]:

- free until: its `updated` plus its unit's maximum age (the rule's `updated >= now - age`);
  a waitlist's figure, or one at or below the holds accepted since it, is never free;
- free from: the moment enough of its active holds have run out that what is left is below
  the figure (the k-th latest expiry, k = the places the figure leaves for active holds);
  with no more active holds than that, it is free already.

Those stretches hold for as long as no figure, hold or unit is written: the capacity
generation (migration 0030) changes at each such write, as the search generation does for
the documents, so a bed reported, held or released by any process is seen at the next search.
Each process keeps one set of stretches per index; a search filters its match set by
comparing one moment against two arrays. Every capacity write makes the next such search of
each process read the figures again (about as long as the SQL rule took once).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import text
from sqlalchemy.engine import Connection

from catalog import rules

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EARLIEST = np.iinfo(np.int64).min  # as a start: free already; as an end: never free (also NaT)
# Holds that ran out this long before the moment asked are not read: a search asks about now
# (or a moment given a little before it), and an older moment is answered by the SQL rule.
_LOOKBACK = dt.timedelta(days=1)


def micros(at: dt.datetime) -> int:
    """Microseconds since 1970 (UTC), exact: the stretches' unit of time."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return (at - _EPOCH) // dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class Stretches:
    """Per capacity figure: the document of its service and when the figure leaves a place free."""

    docs: npt.NDArray[np.int64]
    start: npt.NDArray[np.int64]  # free from this microsecond on (inclusive)
    end: npt.NDArray[np.int64]  # free up to this microsecond (inclusive)
    since: int  # valid for moments at or after this one

    def covers(self, now: dt.datetime) -> bool:
        return micros(now) >= self.since

    def free_documents(self, now: dt.datetime) -> npt.NDArray[np.int64]:
        """Ids of the documents whose service has a place free at `now`."""
        t = micros(now)
        return np.unique(self.docs[(self.start <= t) & (t <= self.end)])


def _times(values: list[Any]) -> npt.NDArray[np.int64]:
    """Timestamps as read (SQLite: text; PostgreSQL: aware datetimes) to microseconds; a
    missing one to the smallest int64 (never fresh, never counted)."""
    if not values:
        return np.zeros(0, dtype=np.int64)
    if isinstance(values[0], str) or all(v is None or isinstance(v, str) for v in values):
        return np.array(["NaT" if v is None else v for v in values], dtype="datetime64[us]").astype(np.int64)
    return np.array([_EARLIEST if v is None else micros(v) for v in values], dtype=np.int64)


_FIGURES = text(
    "SELECT d.id, c.id, c.available, c.updated, u.name FROM service_capacity c "
    "JOIN unit u ON u.id = c.unit_id JOIN search_document d ON d.service_id = c.service_id"
)
# The holds the rule may count at a moment at or after :since: active ones not yet run out
# then, and accepted ones since their figure (counted until the provider's next figure).
_HOLDS = text(
    "SELECT h.capacity_id, h.expires_at, h.accepted_at IS NOT NULL FROM capacity_hold h "
    "JOIN service_capacity c ON c.id = h.capacity_id WHERE h.released_at IS NULL AND "
    "((h.accepted_at IS NULL AND h.expires_at > :since) OR h.accepted_at > c.updated)"
)


def work_out(conn: Connection, ages: rules.MaxAges, since: dt.datetime) -> Stretches:
    """Read every figure with its holds and turn each into its stretch (see the module)."""
    since_at = since.astimezone(dt.UTC)
    if conn.dialect.name == "sqlite":  # stored as text in UTC, as kernel.db.UTCDateTime writes it
        bound: Any = since_at.replace(tzinfo=None).isoformat(" ", "microseconds")
    else:
        bound = since_at
    figures = conn.execute(_FIGURES).all()
    holds = conn.execute(_HOLDS, {"since": bound}).all()
    n = len(figures)
    docs = np.fromiter((r[0] for r in figures), dtype=np.int64, count=n)
    available = np.array([math.nan if r[2] is None else float(r[2]) for r in figures], dtype=np.float64)
    updated = _times([r[3] for r in figures])
    by_unit = {name: _unit_age(name, ages) for name in {r[4] for r in figures}}
    age = np.array([by_unit[r[4]] for r in figures], dtype=np.int64)
    end = np.where((age < 0) | (updated == _EARLIEST), _EARLIEST, updated + np.maximum(age, 0))

    # A figure serves one row per document of its service: its holds apply to each row.
    accepted_n: dict[Any, int] = {}
    running: dict[Any, list[int]] = {}
    for (cap_id, _expires, was_accepted), expires in zip(holds, _times([r[1] for r in holds]), strict=True):
        if was_accepted:
            accepted_n[cap_id] = accepted_n.get(cap_id, 0) + 1
        else:
            running.setdefault(cap_id, []).append(int(expires))
    rows_of: dict[Any, list[int]] = {}
    if holds:
        held = accepted_n.keys() | running.keys()
        for i, r in enumerate(figures):
            if r[1] in held:
                rows_of.setdefault(r[1], []).append(i)
    accepted = np.zeros(n, dtype=np.float64)
    for cap_id, count in accepted_n.items():
        accepted[rows_of.get(cap_id, [])] = count
    with np.errstate(invalid="ignore"):
        room = np.ceil(available - accepted) - 1  # active holds the figure bears and stays free
    never = ~(room >= 0)  # also NaN: no figure
    start = np.full(n, _EARLIEST, dtype=np.int64)
    for cap_id, times in running.items():
        times.sort(reverse=True)
        for i in rows_of.get(cap_id, []):
            k = 0 if never[i] else int(room[i])
            if len(times) > k:
                start[i] = times[k]  # free once the (k+1)-th latest of them has run out
    end[never] = _EARLIEST
    keep = end != _EARLIEST
    return Stretches(docs[keep], start[keep], end[keep], micros(since_at))


def _unit_age(name: str | None, ages: rules.MaxAges) -> int:
    """A unit's maximum age in microseconds; -1 for a waitlist (never places free)."""
    if rules.unit_kind(name) == "waitlist":
        return -1
    return dt.timedelta(hours=ages.hours(name)) // dt.timedelta(microseconds=1)


def generation(conn: Connection) -> int | None:
    """The capacity generation; None on PostgreSQL inside a transaction that wrote figures,
    holds or units (it must see its own writes, which no kept stretches hold)."""
    if conn.dialect.name == "postgresql":
        value, written = conn.execute(
            text("SELECT value, current_setting('linkage.capacity_written', true) FROM capacity_generation")
        ).one()
        return None if written == "1" else int(value)
    found = conn.execute(text("SELECT value FROM capacity_generation WHERE id = 1")).scalar()
    return None if found is None else int(found)


_KEPT: dict[int, tuple[tuple[Any, ...], Stretches]] = {}
_LOCK = threading.Lock()


def stretches(
    conn: Connection, index: object, search_generation: int | None, ages: rules.MaxAges, now: dt.datetime
) -> Stretches | None:
    """This process's stretches for `index`, read again when a document, figure, hold or unit
    was written since; None where they cannot answer (a transaction that wrote, a moment
    older than the holds read), and the caller asks the SQL rule."""
    if search_generation is None:
        return None
    capacity = generation(conn)
    if capacity is None:
        return None
    key = (search_generation, capacity, ages)
    kept = _KEPT.get(id(index))
    if kept is not None and kept[0] == key and kept[1].covers(now):
        return kept[1]
    since = min(now, dt.datetime.now(dt.UTC)) - _LOOKBACK
    with _LOCK:  # two threads of one process read the figures once
        kept = _KEPT.get(id(index))
        if kept is not None and kept[0] == key and kept[1].covers(now):
            return kept[1]
        made = work_out(conn, ages, since)
        _KEPT[id(index)] = (key, made)
    return made
