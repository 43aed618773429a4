"""The period a dashboard figure covers: two dates (inclusive, UTC), as a page's form or the
JSON API's query string gives them, for every part of the dashboard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_MONTHS = 12
LONGEST = dt.timedelta(days=366 * 5)  # a period longer than this is a mistake, not a report


@dataclass(frozen=True)
class Period:
    """From the start of `start` to the end of `end` (dates, inclusive, UTC)."""

    start: dt.date
    end: dt.date

    @property
    def lower(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), dt.UTC)

    @property
    def upper(self) -> dt.datetime:
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), dt.UTC)

    def months(self) -> list[str]:
        """Every month the period touches, "YYYY-MM", oldest first."""
        out, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    @classmethod
    def from_strings(cls, start: str, end: str) -> Period:
        return cls(dt.date.fromisoformat(start), dt.date.fromisoformat(end))

    @classmethod
    def last_months(cls, today: dt.date, months: int = 12) -> Period:
        """The default: the `months` calendar months up to and including today's."""
        year, month = today.year, today.month - (months - 1)
        while month < 1:
            year, month = year - 1, month + 12
        return cls(dt.date(year, month, 1), today)


class PeriodError(ValueError):
    """A date that cannot be used, naming its parameter (`from` or `to`)."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.message = message


def _date(raw: str, param: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise PeriodError(
            param, f"{param} must be a date in ISO 8601 form (YYYY-MM-DD), not {raw!r}."
        ) from None


def parse(args: Mapping[str, str], today: dt.date) -> Period:
    """`from` and `to` of a query string (either may be left out: the default is the last
    DEFAULT_MONTHS months up to today); PeriodError names the one that cannot be used."""
    default = Period.last_months(today, DEFAULT_MONTHS)
    raw_from, raw_to = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    end = _date(raw_to, "to") if raw_to else default.end
    if raw_from:
        start = _date(raw_from, "from")
    elif raw_to:
        start = Period.last_months(end, DEFAULT_MONTHS).start
    else:
        start = default.start
    if start > end:
        raise PeriodError("from", "from must be on or before to.")
    if end - start > LONGEST:
        raise PeriodError("from", "The period may be at most five years long.")
    return Period(start, end)
