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
comparing one moment against two arrays. After a capacity write, the next such search of
each process reads again only the figures the write touched: `capacity_changed` (migration
0031) names each figure with the position of its latest write, and the process keeps the
position it has read. A write to the search documents (which may renumber them) still makes
it read every figure (about as long as the SQL rule took once).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from dataclasses import dataclass, field
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
    figures: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def covers(self, now: dt.datetime) -> bool:
        return micros(now) >= self.since

    def free_documents(self, now: dt.datetime) -> npt.NDArray[np.int64]:
        """Ids of the documents whose service has a place free at `now`."""
        t = micros(now)
        return np.unique(self.docs[(self.start <= t) & (t <= self.end)])

    def replaced(self, figure_ids: list[Any], fresh: Stretches) -> Stretches:
        """These stretches with the rows of `figure_ids` replaced by `fresh` (their stretches
        read again); valid from the later of the two moments."""
        keep = ~np.isin(self.figures, _figure_keys(figure_ids))
        return Stretches(
            np.concatenate([self.docs[keep], fresh.docs]),
            np.concatenate([self.start[keep], fresh.start]),
            np.concatenate([self.end[keep], fresh.end]),
            max(self.since, fresh.since),
            np.concatenate([self.figures[keep], fresh.figures]),
        )


def _figure_keys(ids: list[Any]) -> npt.NDArray[np.int64]:
    """A figure's id (bytes on SQLite, a UUID on PostgreSQL) as a 64-bit key, for numpy.

    Python's own hash, stable within a process, which is all the keys live for; two of a
    catalog's figures meeting on one key (odds about n / 2**64 for n figures) would cost only
    that the other's stretch is read again with it."""
    return np.fromiter((hash(i) for i in ids), dtype=np.int64, count=len(ids))


def _times(values: list[Any]) -> npt.NDArray[np.int64]:
    """Timestamps as read (SQLite: text; PostgreSQL: aware datetimes) to microseconds; a
    missing one to the smallest int64 (never fresh, never counted)."""
    if not values:
        return np.zeros(0, dtype=np.int64)
    if isinstance(values[0], str) or all(v is None or isinstance(v, str) for v in values):
        return np.array(["NaT" if v is None else v for v in values], dtype="datetime64[us]").astype(np.int64)
    return np.array([_EARLIEST if v is None else micros(v) for v in values], dtype=np.int64)


_FIGURES = (
    "SELECT d.id, c.id, c.available, c.updated, u.name FROM service_capacity c "
    "JOIN unit u ON u.id = c.unit_id JOIN search_document d ON d.service_id = c.service_id"
)
# The holds the rule may count at a moment at or after :since: active ones not yet run out
# then, and accepted ones since their figure (counted until the provider's next figure).
_HOLDS = (
    "SELECT h.capacity_id, h.expires_at, h.accepted_at IS NOT NULL FROM capacity_hold h "
    "JOIN service_capacity c ON c.id = h.capacity_id WHERE h.released_at IS NULL AND "
    "((h.accepted_at IS NULL AND h.expires_at > :since) OR h.accepted_at > c.updated)"
)
_CHUNK = 500  # figures named in one statement (SQLite's bound parameters are limited)


def _read(conn: Connection, since: Any, ids: list[Any] | None) -> tuple[list[Any], list[Any]]:
    """The figures (all, or those of `ids`) with the holds the rule may count."""
    if ids is None:
        return list(conn.execute(text(_FIGURES))), list(conn.execute(text(_HOLDS), {"since": since}))
    figures: list[Any] = []
    holds: list[Any] = []
    for at in range(0, len(ids), _CHUNK):
        chunk = {f"c{n}": v for n, v in enumerate(ids[at : at + _CHUNK])}
        names = ", ".join(f":{k}" for k in chunk)
        figures += conn.execute(text(f"{_FIGURES} WHERE c.id IN ({names})"), chunk).all()
        holds += conn.execute(
            text(f"{_HOLDS} AND h.capacity_id IN ({names})"), {**chunk, "since": since}
        ).all()
    return figures, holds


def work_out(
    conn: Connection, ages: rules.MaxAges, since: dt.datetime, ids: list[Any] | None = None
) -> Stretches:
    """Read every figure (or those of `ids`) with its holds and turn each into its stretch
    (see the module)."""
    since_at = since.astimezone(dt.UTC)
    if conn.dialect.name == "sqlite":  # stored as text in UTC, as kernel.db.UTCDateTime writes it
        bound: Any = since_at.replace(tzinfo=None).isoformat(" ", "microseconds")
    else:
        bound = since_at
    figures, holds = _read(conn, bound, ids)
    n = len(figures)
    docs = np.fromiter((r[0] for r in figures), dtype=np.int64, count=n)
    keys = _figure_keys([r[1] for r in figures])
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
    return Stretches(docs[keep], start[keep], end[keep], micros(since_at), keys[keep])


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


# The log's position a process has read: the largest position, or none yet (SQLite), with
# the capacity generation of the same snapshot. One statement, so one snapshot on both engines.
_POSITION = text(
    "SELECT g.value, (SELECT max(seq) FROM capacity_changed) FROM capacity_generation g WHERE g.id = 1"
)
_SINCE = text(
    "SELECT g.value, c.capacity_id, c.seq FROM capacity_generation g "
    "LEFT JOIN capacity_changed c ON c.seq > :seq WHERE g.id = 1"
)
# Past this share of the figures, reading them all is cheaper than naming them.
_DELTA_SHARE = 0.2


@dataclass(frozen=True)
class _Kept:
    key: tuple[Any, ...]  # (search generation, capacity generation, ages)
    stretches: Stretches
    seq: int  # the log's position these stretches include


_KEPT: dict[int, _Kept] = {}
_LOCK = threading.Lock()


def _whole(conn: Connection, key: tuple[Any, ...], ages: rules.MaxAges, since: dt.datetime) -> _Kept:
    # The position first: the figures read after it are at least that new, so a write after
    # it is read again next time at worst.
    seq = conn.execute(_POSITION).one()[1] or 0
    return _Kept(key, work_out(conn, ages, since), int(seq))


def _refreshed(conn: Connection, kept: _Kept, key: tuple[Any, ...], since: dt.datetime) -> _Kept | None:
    """`kept` brought up to date from the figures written since its position; None when so
    many were written that reading them all is cheaper."""
    rows = conn.execute(_SINCE, {"seq": kept.seq}).all()
    changed = [r[1] for r in rows if r[1] is not None]
    if len(changed) > max(1000, _DELTA_SHARE * len(kept.stretches.docs)):
        return None
    seq = max([int(r[2]) for r in rows if r[2] is not None], default=kept.seq)
    # The generation of the log's snapshot: a write committed after it names a new one.
    key = (key[0], int(rows[0][0]), key[2])
    fresh = work_out(conn, key[2], since, changed) if changed else None
    stretches = kept.stretches.replaced(changed, fresh) if fresh is not None else kept.stretches
    return _Kept(key, stretches, seq)


def stretches(
    conn: Connection, index: object, search_generation: int | None, ages: rules.MaxAges, now: dt.datetime
) -> Stretches | None:
    """This process's stretches for `index`, brought up to date when a document, figure, hold
    or unit was written since; None where they cannot answer (a transaction that wrote, a
    moment older than the holds read), and the caller asks the SQL rule."""
    if search_generation is None:
        return None
    capacity = generation(conn)
    if capacity is None:
        return None
    key = (search_generation, capacity, ages)
    kept = _KEPT.get(id(index))
    if kept is not None and kept.key == key and kept.stretches.covers(now):
        return kept.stretches
    since = min(now, dt.datetime.now(dt.UTC)) - _LOOKBACK
    with _LOCK:  # two threads of one process read the figures once
        kept = _KEPT.get(id(index))
        if kept is not None and kept.key == key and kept.stretches.covers(now):
            return kept.stretches
        made = None
        if kept is not None and kept.key[0] == search_generation and kept.key[2] == ages:
            made = _refreshed(conn, kept, key, since)
        if made is None or not made.stretches.covers(now):
            made = _whole(conn, key, ages, since)
        _KEPT[id(index)] = made
    return made.stretches
