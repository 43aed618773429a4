"""Opening hours: evaluate HSDS 3.0 schedule rows ("open now", "open tonight", weekly text).

Pure package (no Flask, no database) because search calls it for every result on a page and
matching for every candidate. Rules, chosen so a wrong "open" is rarer than an honest "unknown":

* A window belongs to the date it opens on. ``closes_at`` earlier than ``opens_at`` runs past
  midnight (Fri 22:00-07:00 covers Sat 02:00); ``23:59``/``24:00`` and a ``00:00`` close mean
  the end of the day, so 00:00-23:59 on consecutive days is continuous; equal times are 24 h.
  Windows are half-open: a service closing at 17:00 is closed at 17:00.
* Rows with both ``valid_from`` and ``valid_to`` are exceptions: on the dates they cover, the
  narrowest such range replaces every other row (a row without hours, or described "closed",
  closes the day). Other rows are the regular week, limited by any single bound they carry.
* Unknown is not closed: no usable rows gives ``None``; so do windows whose days cannot be
  placed (no ``byday``, or ``interval`` > 1 without ``dtstart``/``valid_from`` to count from).
  ``count`` and ``byweekno`` are not evaluated.
* Times are wall-clock times in the IANA zone given by the caller (the location's zone); only
  without one is the row's numeric ``timezone`` (or an offset suffix on the time) used, and
  without either, the wall clock of ``at`` itself (naive or aware).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hours.describe import day_abbr, describe
from hours.rows import DAY, NO, YES, ScheduleRow
from wording import _

__all__ = [
    "OpenState", "ScheduleRow", "describe", "is_open", "moment", "most_specific", "open_during", "open_state",
]  # fmt: skip

HORIZON_DAYS = 8
RowsArg = Iterable["ScheduleRow | Mapping[str, Any]"]
Window = tuple[float, float, bool]  # start, end (minutes from a base midnight), certain


@dataclass(frozen=True)
class OpenState:
    """What a result card shows: open or not, until when, and a short label (in the language
    of the request it is made in: see `wording`)."""

    open: bool | None
    closes_at: datetime | None = None
    opens_at: datetime | None = None
    always_open: bool = False
    label: str = field(default_factory=lambda: _("Hours not stated"))


T = TypeVar("T")


def most_specific(
    service_at_location: Iterable[T] | None, service: Iterable[T] | None, location: Iterable[T] | None
) -> list[T]:
    """Which hours apply to a service at a place: its service_at_location rows, else the
    service's own rows, else the location's. The first level with any row is used whole.

    Search, matching and the pages all ask this, so they never disagree on open or closed.
    """
    for level in (service_at_location, service, location):
        rows = list(level or ())
        if rows:
            return rows
    return []


def _rows(rows: RowsArg) -> list[ScheduleRow]:
    if isinstance(rows, list):
        for r in rows:
            if type(r) is not ScheduleRow:
                break
        else:
            return rows
    return [r if isinstance(r, ScheduleRow) else ScheduleRow.from_mapping(r) for r in rows]


@lru_cache(maxsize=64)
def _named_zone(tz: str) -> tzinfo:
    return ZoneInfo(tz)


def _zone(rows: list[ScheduleRow], tz: str | None) -> tzinfo | None:
    if tz:
        try:
            return _named_zone(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"time zone {tz!r} is not a known IANA zone name") from exc
    for row in rows:
        if row._offset is not None:
            return timezone(timedelta(minutes=row._offset))
    return None


def _local(at: datetime, zone: tzinfo | None) -> tuple[datetime, tzinfo | None]:
    """Naive wall-clock time to compare with the rows, and the zone to give results."""
    if zone is None:
        return at.replace(tzinfo=None), at.tzinfo
    if at.tzinfo is not None:
        at = at.astimezone(zone)
    return at.replace(tzinfo=None), zone


class _Week:
    """Rows split into the regular week and dated exceptions, for one evaluation."""

    __slots__ = ("regular", "exceptions", "regular_known", "by_weekday", "irregular")

    def __init__(self, rows: list[ScheduleRow]) -> None:
        self.regular: list[ScheduleRow] = []
        self.exceptions: list[ScheduleRow] = []
        # The regular week as spans per weekday (plain rows) plus the rows that need a date.
        self.by_weekday: list[list[tuple[int, int]]] = [[], [], [], [], [], [], []]
        self.irregular: list[ScheduleRow] = []
        for r in rows:
            if r._exc:
                self.exceptions.append(r)
                continue
            self.regular.append(r)
            if r._span is None:
                continue
            if r._plain:
                for d in r._days:
                    self.by_weekday[d].append(r._span)
            else:
                self.irregular.append(r)
        self.regular_known = bool(self.irregular) or any(self.by_weekday)

    @property
    def usable(self) -> bool:
        return self.regular_known or bool(self.exceptions)

    def day_rows(self, day: date) -> list[ScheduleRow] | None:
        """Rows in force on ``day`` (None: nothing known about that day)."""
        best: list[ScheduleRow] | None = None
        best_span = 0
        for r in self.exceptions:
            if r.valid_from <= day <= r.valid_to:  # type: ignore[operator]
                span = (r.valid_to - r.valid_from).days  # type: ignore[operator]
                if best is None or span < best_span:
                    best, best_span = [r], span
                elif span == best_span:
                    best.append(r)
        if best is not None:
            return best
        return self.regular if self.regular_known else None

    def windows(self, base: date, first: int, last: int) -> tuple[list[Window], set[int]]:
        """Windows opening on base+first .. base+last days, and the unknown day offsets."""
        out: list[Window] = []
        unknown: set[int] = set()
        base_weekday = base.weekday()
        dated = bool(self.exceptions or self.irregular)
        for k in range(first, last + 1):
            day = base + timedelta(days=k) if dated and k else base
            rows = self.day_rows(day) if self.exceptions else self.regular
            if rows is None:
                unknown.add(k)
                continue
            weekday = (base_weekday + k) % 7
            offset = k * DAY
            if rows is self.regular:  # the usual case: look the weekday up
                out.extend((offset + a, offset + b, True) for a, b in self.by_weekday[weekday])
                rows = self.irregular
            for r in rows:
                span = r._span
                if span is None:
                    continue
                if r._plain:
                    if weekday in r._days:
                        out.append((offset + span[0], offset + span[1], True))
                elif m := r.matches(day):
                    out.append((offset + span[0], offset + span[1], m == YES))
        return out, unknown


def _minutes(t: datetime) -> float:
    return t.hour * 60 + t.minute + (t.second + t.microsecond / 1e6) / 60


def is_open(rows: RowsArg, at: datetime, tz: str | None = None) -> bool | None:
    """Open at ``at``? None when the hours are not known (never guessed as closed)."""
    rows = _rows(rows)
    week = _Week(rows)
    if not week.usable:
        return None
    t, _zone_of = _local(at, _zone(rows, tz))
    now = _minutes(t)
    today = t.date()
    maybe = False
    for k in (0, -1):  # today's windows, then yesterday's running past midnight
        day = today if k == 0 else today - timedelta(days=1)
        day_rows = week.day_rows(day) if week.exceptions else week.regular
        if day_rows is None:
            if k == 0:
                maybe = True
            continue
        minute = now - k * DAY
        weekday = day.weekday()
        if day_rows is week.regular:
            if any(a <= minute < b for a, b in week.by_weekday[weekday]):
                return True
            day_rows = week.irregular
        for r in day_rows:
            span = r._span
            if span is None or not span[0] <= minute < span[1]:
                continue
            m = (YES if weekday in r._days else NO) if r._plain else r.matches(day)
            if m == YES:
                return True
            maybe = maybe or bool(m)
    return None if maybe else False


def _merge(windows: list[Window]) -> list[Window]:
    merged: list[Window] = []
    for start, end, certain in sorted(w for w in windows if w[2]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end), True)
        else:
            merged.append((start, end, certain))
    return merged


def open_state(rows: RowsArg, at: datetime, tz: str | None = None) -> OpenState:
    """Open/closed with the next change (up to 8 days ahead) and a label for result cards."""
    rows = _rows(rows)
    week = _Week(rows)
    if not week.usable:
        return OpenState(open=None)
    t, out_tz = _local(at, _zone(rows, tz))
    base = t.date()
    windows, unknown = week.windows(base, -1, HORIZON_DAYS)
    now = _minutes(t)
    midnight = datetime(base.year, base.month, base.day)

    def when(minutes: float) -> datetime:
        result = midnight + timedelta(minutes=minutes)
        return result.replace(tzinfo=out_tz) if out_tz is not None else result

    merged = _merge(windows)
    for start, end, _certain in merged:
        if start <= now < end:
            closes = when(end)
            if end - now >= 7 * DAY:
                return OpenState(True, closes, always_open=True, label=_("Open 24 hours"))
            if end - now <= DAY:
                if end % DAY == 0:
                    label = _("Open until midnight")
                else:
                    label = _("Open until %(time)s", time=closes.strftime("%H:%M"))
            else:
                day = day_abbr(closes.weekday())
                label = _("Open until %(day)s %(time)s", day=day, time=closes.strftime("%H:%M"))
            return OpenState(open=True, closes_at=closes, label=label)
    if any(start <= now < end for start, end, certain in windows if not certain):
        return OpenState(open=None, label=_("Hours uncertain"))
    if 0 in unknown:
        return OpenState(open=None)
    for start, _end, _certain in merged:
        if now < start <= now + HORIZON_DAYS * DAY:
            opens = when(start)
            if opens.date() == base:
                label = _("Closed · opens %(time)s", time=opens.strftime("%H:%M"))
            else:
                day = day_abbr(opens.weekday())
                label = _("Closed · opens %(day)s %(time)s", day=day, time=opens.strftime("%H:%M"))
            return OpenState(False, opens_at=opens, label=label)
    return OpenState(open=False, label=_("Closed"))


def open_during(rows: RowsArg, start: datetime, end: datetime, tz: str | None = None) -> bool | None:
    """Open at any moment in [start, end] (e.g. "tonight" 18:00-06:00)? None when unknown."""
    rows = _rows(rows)
    week = _Week(rows)
    if not week.usable:
        return None
    zone = _zone(rows, tz)
    s, _s_zone = _local(start, zone)
    e, _e_zone = _local(end, zone)
    if e < s:
        raise ValueError(f"open_during: end {end.isoformat()} is before start {start.isoformat()}")
    base = s.date()
    last = (e.date() - base).days
    windows, unknown = week.windows(base, -1, last)
    lo = _minutes(s)
    hi = last * DAY + _minutes(e)
    maybe = any(k >= 0 for k in unknown)
    for w_start, w_end, certain in windows:
        if w_start <= hi and w_end > lo:
            if certain:
                return True
            maybe = True
    return None if maybe else False


def moment(value: str, tz: str) -> datetime:
    """An ISO 8601 date-time a person or client asks about (``at=``); without an offset it is
    read in the zone ``tz`` (the deployment's), so every endpoint reads "2026-05-01T23:30" alike.
    Raises ValueError for text that is not one."""
    text = value.strip()
    at = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "+", 1) if "T" in text else text)
    return at if at.tzinfo is not None else at.replace(tzinfo=_named_zone(tz))
