"""Schedule rows: HSDS 3.0 schedule dicts checked once into typed, hashable values.

Which date a row applies to (``matches``) and the minutes it covers (``span``) live here so the
evaluator only loops; the rules themselves are described in ``hours``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_ALIASES: dict[str, int] = {}
for _i, (_code, _name) in enumerate(zip(DAY_CODES, _DAY_NAMES, strict=True)):
    _DAY_ALIASES.update({_code.lower(): _i, _name: _i, _name[:3]: _i, _name + "s": _i})
_DAY_ALIASES.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})

_TIME_RE = re.compile(
    r"^\s*(\d{1,2})(?::?(\d{2}))?(?::(\d{2})(?:\.\d+)?)?\s*([ap])?\.?\s*(?:m\.?)?\s*"
    r"(Z|[+-]\d{1,2}(?::?\d{2})?)?\s*$",
    re.IGNORECASE,
)
_BYDAY_RE = re.compile(r"^([+-]?\d)?([a-z]+)$")
_CLOSED_RE = re.compile(r"^\s*closed\b", re.IGNORECASE)
DAY = 1440  # minutes
HORIZON_DAYS = 8
NO, YES, MAYBE = 0, 1, 2


def _problem(row_id: Any, name: str, value: Any, expected: str) -> ValueError:
    return ValueError(f"schedule {row_id or '(no id)'}: {name} {value!r} is not {expected}")


def _parse_time(value: Any, row_id: Any, name: str) -> tuple[time | None, int | None, int | None]:
    """Return (time, minutes since midnight, UTC offset in minutes or None)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None, None
    if isinstance(value, time):
        return value, value.hour * 60 + value.minute, None
    m = _TIME_RE.match(str(value))
    if not m:
        raise _problem(row_id, name, value, "a time (HH:MM, optionally with Z or an offset)")
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if m.group(4):
        if not 1 <= hour <= 12:
            raise _problem(row_id, name, value, "a 12-hour clock time")
        hour = hour % 12 + (12 if m.group(4).lower() == "p" else 0)
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        raise _problem(row_id, name, value, "a time of day")
    offset = None
    if suffix := m.group(5):
        if suffix.upper() == "Z":
            offset = 0
        else:
            digits = suffix[1:].replace(":", "")
            hh, mm = (digits[:-2], digits[-2:]) if len(digits) > 2 else (digits, "0")
            offset = (int(hh) * 60 + int(mm)) * (-1 if suffix[0] == "-" else 1)
    minutes = hour * 60 + minute
    return time(hour % 24, minute), minutes, offset


def _parse_date(value: Any, row_id: Any, name: str) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise _problem(row_id, name, value, "a date (YYYY-MM-DD)") from None


def _parse_number(value: Any, row_id: Any, name: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _problem(row_id, name, value, "a number") from None


def _parse_byday(value: str | None, row_id: Any) -> tuple[frozenset[int], tuple[tuple[int, int], ...]]:
    plain: set[int] = set()
    ordinal: list[tuple[int, int]] = []
    for part in re.split(r"[,\s]+", value or ""):
        if not part:
            continue
        m = _BYDAY_RE.match(part.lower())
        if not m or m.group(2) not in _DAY_ALIASES:
            raise _problem(row_id, "byday", value, "a list of days like MO,TU or 2MO,-1FR")
        weekday = _DAY_ALIASES[m.group(2)]
        if m.group(1) and int(m.group(1)):
            ordinal.append((int(m.group(1)), weekday))
        else:
            plain.add(weekday)
    return frozenset(plain), tuple(ordinal)


@dataclass(frozen=True)
class ScheduleRow:
    """One HSDS schedule row with typed fields, checked once so evaluation stays cheap."""

    opens_at: time | None = None
    closes_at: time | None = None
    byday: str | None = None
    freq: str | None = None
    interval: int = 1
    bymonthday: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    dtstart: date | None = None
    until: date | None = None
    wkst: str | None = None
    description: str | None = None
    timezone: float | None = None
    closed: bool = False
    id: str | None = None
    _open: int | None = field(default=None, repr=False, compare=False)
    _close: int | None = field(default=None, repr=False, compare=False)
    _offset: int | None = field(default=None, repr=False, compare=False)
    _days: frozenset[int] = field(default=frozenset(), repr=False, compare=False)
    _nth: tuple[tuple[int, int], ...] = field(default=(), repr=False, compare=False)
    _mdays: tuple[int, ...] = field(default=(), repr=False, compare=False)
    # Derived once in __post_init__ so evaluation is attribute reads (search calls it per result).
    _span: tuple[int, int] | None = field(default=None, init=False, repr=False, compare=False)
    _exc: bool = field(default=False, init=False, repr=False, compare=False)
    _plain: bool = field(default=False, init=False, repr=False, compare=False)

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any]) -> ScheduleRow:
        """Build from an HSDS 3.0 schedule dict; also takes 1.x ``weekday``/``start_date``/
        ``end_date``/``closed`` so legacy regular and holiday schedules need no extra step."""
        rid = d.get("id")
        opens, open_min, off1 = _parse_time(d.get("opens_at"), rid, "opens_at")
        closes, close_min, off2 = _parse_time(d.get("closes_at"), rid, "closes_at")
        byday = d.get("byday") or d.get("weekday")
        byday = str(byday).strip() if byday not in (None, "") else None
        days, nth = _parse_byday(byday, rid)
        mdays: list[int] = []
        for part in re.split(r"[,\s]+", str(d.get("bymonthday") or "")):
            if part:
                if not re.fullmatch(r"-?\d{1,2}", part) or not 1 <= abs(int(part)) <= 31:
                    raise _problem(rid, "bymonthday", d.get("bymonthday"), "days like 1,15,-1")
                mdays.append(int(part))
        freq = str(d.get("freq") or "").strip().upper() or None
        if freq not in (None, "WEEKLY", "MONTHLY", "DAILY"):
            raise _problem(rid, "freq", d.get("freq"), "WEEKLY or MONTHLY")
        interval = _parse_number(d.get("interval"), rid, "interval")
        interval = 1 if interval is None else interval
        if interval < 1 or interval != int(interval):
            raise _problem(rid, "interval", d.get("interval"), "a whole number of at least 1")
        tz_hours = _parse_number(d.get("timezone"), rid, "timezone")
        closed_flag = d.get("closed")
        closed = closed_flag is True or str(closed_flag).strip().lower() in ("true", "1", "yes")
        description = d.get("description")
        closed = closed or bool(description and _CLOSED_RE.match(str(description)))
        offset = off1 if off1 is not None else off2
        if tz_hours is not None:
            offset = round(tz_hours * 60)
        return cls(
            opens_at=opens,
            closes_at=closes,
            byday=byday,
            freq="WEEKLY" if freq == "DAILY" else freq,
            interval=int(interval),
            bymonthday=str(d.get("bymonthday")) if mdays else None,
            valid_from=_parse_date(d.get("valid_from") or d.get("start_date"), rid, "valid_from"),
            valid_to=_parse_date(d.get("valid_to") or d.get("end_date"), rid, "valid_to"),
            dtstart=_parse_date(d.get("dtstart"), rid, "dtstart"),
            until=_parse_date(d.get("until"), rid, "until"),
            wkst=(str(d.get("wkst")).upper() if d.get("wkst") else None),
            description=description,
            timezone=tz_hours,
            closed=closed,
            id=str(rid) if rid is not None else None,
            _open=open_min,
            _close=close_min,
            _offset=offset,
            _days=days if (days or nth or mdays or freq != "DAILY") else frozenset(range(7)),
            _nth=nth,
            _mdays=tuple(mdays),
        )

    def __post_init__(self) -> None:
        # Rows built directly (not through from_mapping) get the same derived fields.
        if self._open is None and self.opens_at is not None:
            object.__setattr__(self, "_open", self.opens_at.hour * 60 + self.opens_at.minute)
        if self._close is None and self.closes_at is not None:
            object.__setattr__(self, "_close", self.closes_at.hour * 60 + self.closes_at.minute)
        if self.byday and not (self._days or self._nth):
            days, nth = _parse_byday(self.byday, self.id)
            object.__setattr__(self, "_days", days)
            object.__setattr__(self, "_nth", nth)
        if self.bymonthday and not self._mdays:
            mdays = tuple(int(p) for p in re.split(r"[,\s]+", self.bymonthday) if p)
            object.__setattr__(self, "_mdays", mdays)
        if self._offset is None and self.timezone is not None:
            object.__setattr__(self, "_offset", round(self.timezone * 60))
        object.__setattr__(self, "_span", self._compute_span())
        exception = self.valid_from is not None and self.valid_to is not None
        object.__setattr__(self, "_exc", exception)
        unbounded = not (self.valid_from or self.valid_to or self.dtstart or self.until)
        plain = unbounded and self.interval == 1 and self.freq != "MONTHLY" and bool(self._days)
        object.__setattr__(self, "_plain", plain and not (self._nth or self._mdays))

    @property
    def utc_offset(self) -> int | None:
        """The UTC offset in minutes the row states (its ``timezone`` or a time suffix)."""
        return self._offset

    def _compute_span(self) -> tuple[int, int] | None:
        start, end = self._open, self._close
        if start is None or end is None or self.closed:
            return None
        if start == DAY:
            start = 0
        if end >= 1439 or (end == 0 and start != 0):
            end = DAY
        if end <= start:
            end += DAY
        return start, end

    @property
    def has_hours(self) -> bool:
        return self._span is not None

    @property
    def is_exception(self) -> bool:
        return self._exc

    def span(self) -> tuple[int, int] | None:
        """Minutes from the start of the opening date: [open, close), close up to 2 days."""
        return self._span

    def matches(self, day: date) -> int:
        """NO, YES or MAYBE (the row's days cannot be placed) for a window opening on ``day``."""
        if (self.valid_from and day < self.valid_from) or (self.valid_to and day > self.valid_to):
            return NO
        if (self.dtstart and day < self.dtstart) or (self.until and day > self.until):
            return NO
        anchor = self.dtstart or self.valid_from
        weekday = day.weekday()
        if self.freq == "MONTHLY" or (self._mdays or self._nth) and self.freq != "WEEKLY":
            if self.interval > 1:
                if anchor is None:
                    return MAYBE if self._day_in_month(day) else NO
                months = (day.year - anchor.year) * 12 + day.month - anchor.month
                if months % self.interval:
                    return NO
            if self._days or self._nth or self._mdays:
                return YES if self._day_in_month(day) else NO
            if self.dtstart:
                return YES if day.day == self.dtstart.day else NO
            return YES if self.is_exception else MAYBE
        if self._days:
            hit = weekday in self._days
        elif self._nth:  # ordinals under WEEKLY: read them as monthly, which is what was meant
            hit = self._day_in_month(day)
        elif self.dtstart:
            hit = weekday == self.dtstart.weekday()
        else:
            return YES if self.is_exception else MAYBE
        if not hit:
            return NO
        if self.interval > 1:
            if anchor is None:
                return MAYBE
            wkst = DAY_CODES.index(self.wkst) if self.wkst in DAY_CODES else 0
            week0 = anchor - timedelta(days=(anchor.weekday() - wkst) % 7)
            week = day - timedelta(days=(weekday - wkst) % 7)
            if ((week - week0).days // 7) % self.interval:
                return NO
        return YES

    def _day_in_month(self, day: date) -> bool:
        weekday = day.weekday()
        if weekday in self._days:
            return True
        if self._nth:
            last = (date(day.year + day.month // 12, day.month % 12 + 1, 1) - timedelta(days=1)).day
            for n, wd in self._nth:
                if wd == weekday and (
                    (n > 0 and (day.day - 1) // 7 + 1 == n) or (n < 0 and (last - day.day) // 7 + 1 == -n)
                ):
                    return True
        if self._mdays:
            last = (date(day.year + day.month // 12, day.month % 12 + 1, 1) - timedelta(days=1)).day
            return any(day.day == (k if k > 0 else last + k + 1) for k in self._mdays)
        return False
