"""Schedule rows as short plain lines ("Mon–Fri 09:00–17:00") for result pages and exports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hours.rows import DAY, DAY_ABBR, ScheduleRow

_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th", -1: "last", -2: "2nd-last"}


def _clock(minutes: int) -> str:
    if minutes == DAY:
        return "midnight"
    minutes %= DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _windows(spans: Iterable[tuple[int, int]]) -> str:
    spans = sorted(set(spans))
    if any(end - start >= DAY for start, end in spans):
        return "24 hours"
    text = ", ".join(f"{_clock(start)}–{_clock(end)}" for start, end in spans)
    return text + (" (overnight)" if any(end > DAY for _, end in spans) else "")


def _days(days: Iterable[int]) -> str:
    days = sorted(set(days))
    if len(days) == 7:
        return "Every day"
    runs: list[list[int]] = []
    for d in days:
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_ABBR[run[0]]}–{DAY_ABBR[run[-1]]}")
        else:
            parts.extend(DAY_ABBR[d] for d in run)
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
            " & ".join(_ORDINALS.get(n, f"{n}th") for n in sorted(ns, key=lambda n: (n < 0, n)))
            + f" {DAY_ABBR[wd]}"
            for wd, ns in by_day.items()
        )
        extra = f", every {_days(row._days)}" if row._days else ""
        return f"{days[0].upper()}{days[1:]}{extra} of the month {hours}"
    if row._mdays:
        days = ", ".join(str(d) if d > 0 else _ORDINALS.get(d, str(d)) for d in row._mdays)
        return f"Day {days} of the month {hours}"
    if not row._days:
        return f"Days not stated {hours}"
    line = f"{_days(row._days)} {hours}"
    if row.interval > 1:
        unit = "months" if row.freq == "MONTHLY" else "weeks"
        line = f"Every {row.interval} {unit}: {line}"
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
        dates = first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
        open_rows = [r for r in group if r.has_hours]
        if not open_rows:
            lines.append(f"{dates}: Closed")
            continue
        parts = [_row_line(r) for r in open_rows if r._days or r._nth or r._mdays]
        parts += [_windows([r.span()]) for r in open_rows if not (r._days or r._nth or r._mdays)]  # type: ignore[list-item]
        lines.append(f"{dates}: " + "; ".join(p for p in parts if p))
    return lines
