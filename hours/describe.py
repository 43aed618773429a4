"""Schedule rows as short plain lines ("Mon–Fri 09:00–17:00") for result pages and exports.

The words are in the language of the request the lines are made in (see `wording`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hours.rows import DAY, ScheduleRow
from wording import N_, _, date, ngettext

_ORDINALS = {
    1: N_("1st"), 2: N_("2nd"), 3: N_("3rd"), 4: N_("4th"), 5: N_("5th"), -1: N_("last"), -2: N_("2nd-last")
}  # fmt: skip
# Monday first, as `datetime.weekday()` counts.
_DAY_ABBR = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def day_abbr(weekday: int) -> str:
    """'Mon' ('lun' in Spanish) for 0, as `datetime.weekday()` counts."""
    return _(_DAY_ABBR[weekday])


def _ordinal(n: int) -> str:
    known = _ORDINALS.get(n)
    return _(known) if known else _("%(n)sth", n=n)


def _clock(minutes: int) -> str:
    if minutes == DAY:
        return _("midnight")
    minutes %= DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _windows(spans: Iterable[tuple[int, int]]) -> str:
    spans = sorted(set(spans))
    if any(end - start >= DAY for start, end in spans):
        return _("24 hours")
    text = ", ".join(f"{_clock(start)}–{_clock(end)}" for start, end in spans)
    return _("%(times)s (overnight)", times=text) if any(end > DAY for _s, end in spans) else text


def _days(days: Iterable[int]) -> str:
    days = sorted(set(days))
    if len(days) == 7:
        return _("Every day")
    runs: list[list[int]] = []
    for d in days:
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{day_abbr(run[0])}–{day_abbr(run[-1])}")
        else:
            parts.extend(day_abbr(d) for d in run)
    return ", ".join(parts)


def _weekly(rows: list[ScheduleRow]) -> list[str]:
    """Days with identical windows share one line; lines run Monday to Sunday."""
    per_day: dict[int, set[tuple[int, int]]] = {}
    for row in rows:
        span = row.span()
        if span is not None:
            for d in row._days:
                per_day.setdefault(d, set()).add(span)
    groups: dict[tuple[tuple[int, int], ...], list[int]] = {}
    for d in sorted(per_day):
        groups.setdefault(tuple(sorted(per_day[d])), []).append(d)
    return [f"{_days(days)} {_windows(spans)}" for spans, days in groups.items()]


def _row_line(row: ScheduleRow) -> str | None:
    span = row.span()
    if span is None:
        return None
    hours = _windows([span])
    if row._nth:
        by_day: dict[int, list[int]] = {}
        for n, wd in row._nth:
            by_day.setdefault(wd, []).append(n)
        days = ", ".join(
            _(
                "%(nth)s %(day)s",
                nth=" & ".join(_ordinal(n) for n in sorted(ns, key=lambda n: (n < 0, n))),
                day=day_abbr(wd),
            )
            for wd, ns in by_day.items()
        )
        if row._days:
            line = _(
                "%(nth_days)s, every %(days)s of the month %(hours)s",
                nth_days=days,
                days=_days(row._days),
                hours=hours,
            )
        else:
            line = _("%(nth_days)s of the month %(hours)s", nth_days=days, hours=hours)
        return line[0].upper() + line[1:]
    if row._mdays:
        days = ", ".join(str(d) if d > 0 else _ordinal(d) for d in row._mdays)
        return _("Day %(days)s of the month %(hours)s", days=days, hours=hours)
    if not row._days:
        return _("Days not stated %(hours)s", hours=hours)
    line = f"{_days(row._days)} {hours}"
    if row.interval > 1:
        if row.freq == "MONTHLY":
            return ngettext(
                "Every %(num)s month: %(line)s", "Every %(num)s months: %(line)s", row.interval, line=line
            )
        return ngettext(
            "Every %(num)s week: %(line)s", "Every %(num)s weeks: %(line)s", row.interval, line=line
        )
    return line


def describe(rows: Iterable[ScheduleRow | Mapping[str, Any]]) -> list[str]:
    """Regular week first, then monthly and irregular rows, then dated exceptions."""
    parsed = [r if isinstance(r, ScheduleRow) else ScheduleRow.from_mapping(r) for r in rows]
    regular = [r for r in parsed if not r.is_exception]
    simple = [
        r
        for r in regular
        if r._days and not r._nth and not r._mdays and r.interval == 1 and r.freq != "MONTHLY"
    ]
    lines = _weekly(simple)
    for row in regular:
        if row in simple:
            continue
        if (line := _row_line(row)) is not None:
            lines.append(line)
    for row in regular:
        text = row.description
        if text and not row.has_hours and not row.closed and row not in simple and text not in lines:
            lines.append(text)
    exceptions: dict[tuple[Any, Any], list[ScheduleRow]] = {}
    for row in parsed:
        if row.is_exception:
            exceptions.setdefault((row.valid_from, row.valid_to), []).append(row)
    for (first, last), group in sorted(exceptions.items()):
        # A day as the reader's locale writes it ("Fri 25 Dec 2026", "vie 25 dic 2026").
        if first == last:
            dates = date(first)
        else:
            dates = _("%(first)s to %(last)s", first=date(first), last=date(last))
        open_rows = [r for r in group if r.has_hours]
        if not open_rows:
            lines.append(_("%(dates)s: Closed", dates=dates))
            continue
        parts = [_row_line(r) for r in open_rows if r._days or r._nth or r._mdays]
        parts += [_windows([r.span()]) for r in open_rows if not (r._days or r._nth or r._mdays)]  # type: ignore[list-item]
        lines.append(f"{dates}: " + "; ".join(p for p in parts if p))
    return lines
