"""Opening hours from source formats into HSDS 3.0 schedule dicts.

Free text ("Mon-Fri 9am-5pm; Sat 10-2", "Daily 7pm-7am", "2nd & 4th Tuesday 12-4") is read by
``parse_hours``; anything it cannot place is returned in ``unparsed`` so the importer can keep
it for a person to read: hours are what users complain about most, so nothing is guessed into
a schedule and nothing is dropped. Every row keeps the original text as its ``description``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from importers.hours_tokens import Item, Window, tokenize

__all__ = ["ParsedHours", "hhmm_to_hsds", "parse_hours"]

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_WEEKDAYS = {
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
}
_DAY = 1440
_TAGS = re.compile(r"<[^>]*>")
_BREAK_TAGS = re.compile(r"<\s*(?:/tr|br|/p|/li|/div|/h\d)\b[^>]*>", re.IGNORECASE)
_SEGMENT_BREAK = re.compile(r"[;\n|\u2022]+|\.\s+")
_NO_SENTENCE_END = re.compile(
    r"(?:\b[ap]\.?m|\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|[ap])|\d)$", re.IGNORECASE
)


@dataclass
class ParsedHours:
    """Schedules understood, fragments not understood, and days stated as closed."""

    text: str
    schedules: list[dict[str, Any]] = field(default_factory=list)
    unparsed: list[str] = field(default_factory=list)
    closed_days: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Everything was understood and it said something about opening or closing."""
        return not self.unparsed and bool(self.schedules or self.closed_days)


def _hhmm(value: Any, where: str) -> str:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {value!r} is not an HHMM time") from None
    hours, minutes = divmod(number, 100)
    if not (0 <= hours <= 24 and 0 <= minutes <= 59) or (hours == 24 and minutes):
        raise ValueError(f"{where}: {value!r} is not an HHMM time")
    return f"{hours:02d}:{minutes:02d}"


def hhmm_to_hsds(weekday: str, opens_at: Any, closes_at: Any) -> dict[str, str]:
    """A weekly row from sources storing HHMM integers (Link-SF: 1930; 0-2359 is 24 h)."""
    code = _WEEKDAYS.get(str(weekday).strip().lower())
    if code is None:
        raise ValueError(f"weekday {weekday!r} is not a day name")
    return {
        "freq": "WEEKLY",
        "byday": code,
        "opens_at": _hhmm(opens_at, "opens_at"),
        "closes_at": _hhmm(closes_at, "closes_at"),
    }


def _normalise(text: str) -> str:
    if "<" in text and ">" in text:
        text = _TAGS.sub(" ", _BREAK_TAGS.sub("\n", text))
    text = html.unescape(text).replace("\\n", "\n")
    text = re.sub(r"[\u2010-\u2015\u2212]|GÇô|GÇö|â€“|â€”", "-", text)  # dashes, also mis-decoded
    return re.sub(r"[ \t\u00a0\u202f]+", " ", text)


def _segments(text: str) -> list[str]:
    """Split on ; | newlines bullets and sentence ends, but not after "a.m." or "Mon."."""
    parts: list[str] = []
    start = 0
    for m in _SEGMENT_BREAK.finditer(text):
        if m.group().startswith(".") and _NO_SENTENCE_END.search(text[start : m.start()]):
            continue
        parts.append(text[start : m.start()])
        start = m.end()
    parts.append(text[start:])
    cleaned = (p.strip().strip(" ,.:-").strip() for p in parts)
    return [p for p in cleaned if p]


class _Builder:
    """Collects windows per day (weekly) and per ordinal day (monthly) for one text."""

    def __init__(self) -> None:
        self.weekly: dict[int, list[Window]] = {}
        self.monthly: dict[tuple[int, int], list[Window]] = {}
        self.closed: set[int] = set()

    def add(self, days: Item, windows: list[Window]) -> None:
        for d in days.days:
            self.weekly.setdefault(d, []).extend(windows)
        for nth in days.nth:
            self.monthly.setdefault(nth, []).extend(windows)

    def remove(self, days: Item, gap: Window) -> None:
        """A lunch break: cut ``gap`` out of the windows of ``days``."""
        for d in days.days:
            cut: list[Window] = []
            for start, end in self.weekly.get(d, []):
                if gap[0] > start:
                    cut.append((start, min(end, gap[0])))
                if gap[1] < end:
                    cut.append((max(start, gap[1]), end))
            self.weekly[d] = cut

    def rows(self, description: str) -> list[dict[str, Any]]:
        for d in self.closed:
            self.weekly.pop(d, None)
        by_window: dict[tuple[str, Window], list[str]] = {}
        for d in sorted(self.weekly):
            for window in _merge(self.weekly[d]):
                by_window.setdefault(("WEEKLY", window), []).append(DAY_CODES[d])
        for n, d in sorted(self.monthly, key=lambda k: (k[1], k[0] < 0, k[0])):
            for window in _merge(self.monthly[(n, d)]):
                by_window.setdefault(("MONTHLY", window), []).append(f"{n}{DAY_CODES[d]}")
        ordered = sorted(by_window.items(), key=lambda kv: (kv[0][0], _first(kv[1]), kv[0][1]))
        return [
            {
                "freq": freq,
                "byday": ",".join(days),
                "opens_at": _clock(window[0]),
                "closes_at": "23:59" if window[1] == _DAY else _clock(window[1] % _DAY),
                "description": description,
            }
            for (freq, window), days in ordered
        ]


def _first(days: list[str]) -> int:
    return DAY_CODES.index(days[0][-2:])


def _merge(windows: list[Window]) -> list[Window]:
    merged: list[Window] = []
    for start, end in sorted(set(windows)):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _pair(items: list[Item], build: _Builder) -> None:
    """Attach times to days within one segment ("Mon-Fri 9-5", "9-5 Mon-Fri", "Sun: Closed")."""
    first = next((it for it in items if it.kind in ("D", "T")), None)
    times_first = first is not None and first.kind == "T"
    current: Item | None = None
    current_timed = False
    pending: list[Item] = []
    last_times: list[Item] = []
    for i, it in enumerate(items):
        prev = items[i - 1] if i else None
        nxt = items[i + 1] if i + 1 < len(items) else None
        if it.kind == "D" and not it.used:
            if times_first:
                if pending:
                    last_times, pending = pending, []
                elif prev is None or prev.kind != "D":
                    last_times = []
                if last_times:
                    build.add(it, [w for t in last_times for w in t.windows])
                    for used in (it, *last_times):
                        used.used = True
            elif current is not None and prev is not None and prev.kind == "D" and not current_timed:
                current = current.union(it)
            else:
                current, current_timed = it, False
        elif it.kind == "T" and not it.used:
            if times_first or current is None:
                pending.append(it)
            else:
                build.add(current, it.windows)
                it.used = current_timed = True
                for part in current.parts:
                    part.used = True
        elif it.kind == "C":
            # A closed ordinal day ("closed 1st Monday") has no weekly form: left unparsed.
            if current is not None and prev is not None and prev.kind == "D" and not current_timed:
                if current.nth:
                    continue
                build.closed.update(current.days)
                for used in (it, *current.parts):
                    used.used = True
                current = None
            elif nxt is not None and nxt.kind == "D":
                if nxt.nth:
                    continue
                build.closed.update(nxt.days)
                it.used = nxt.used = True
            elif nxt is not None and nxt.kind == "T" and current is not None and current_timed:
                for window in nxt.windows:
                    build.remove(current, window)
                it.used = nxt.used = True


def _union(items: list[Item]) -> Item:
    days = [it for it in items if it.kind == "D"]
    result = days[0]
    for it in days[1:]:
        result = result.union(it)
    return result


def parse_hours(text: str | None) -> ParsedHours:
    """Read free-text opening hours; see the module docstring for what is and is not kept."""
    original = text or ""
    result = ParsedHours(text=original)
    build = _Builder()
    carry_days: Item | None = None  # "Monday - Friday" on one line, the hours on the next
    carry_times: list[Item] = []  # or the hours first and the days after
    carry_segment = ""
    heading: Item | None = None  # days whose hours follow on several lines
    segments = _segments(_normalise(original))
    for segment in segments:
        items = tokenize(segment)
        kinds = {it.kind for it in items if it.kind != "W"}
        noisy = any(it.kind == "W" and it.significant for it in items)
        if "S" in kinds and not kinds & {"D", "T", "C"}:
            # "May - September" on its own line qualifies every line: keep it all as text.
            return ParsedHours(text=original, unparsed=segments)
        if any(it.nth for it in items):
            for it in items:  # "of the month" only repeats what "2nd Tuesday" says
                it.significant = it.significant and it.kind != "P"
        elif "P" in kinds:
            kinds = set()
        if _season_not_closure(items):
            kinds = set()  # "every other Tuesday", "summer hours": not a regular week
        if kinds == {"T"} and heading is not None and not noisy:
            build.add(heading, [w for it in items for w in it.windows])
            continue
        heading = None
        if carry_days is not None or carry_times:
            if kinds == {"T"} and carry_days is not None and not noisy:
                build.add(carry_days, [w for it in items for w in it.windows])
                heading, carry_days = carry_days, None
                continue
            if kinds == {"D"} and carry_times and not noisy:
                build.add(_union(items), [w for t in carry_times for w in t.windows])
                carry_times = []
                continue
            timed = [it for it in items if it.kind != "W"]
            if carry_times and {"D", "T"} <= kinds and timed[0].kind == "T":
                _pair([*carry_times, *timed], build)  # "8am-12pm; 1pm-5pm, Mon-Fri"
                _leftovers(segment, items, result)
                carry_times = []
                continue
            result.unparsed.append(carry_segment)
            carry_days, carry_times = None, []
        if not kinds & {"D", "T"} or (kinds in ({"D"}, {"T"}) and noisy):
            result.unparsed.append(segment)
        elif kinds == {"D"}:
            carry_days, carry_segment = _union(items), segment
        elif kinds == {"T"} and all(it.all_day for it in items if it.kind == "T"):
            build.add(Item.every_day(), [(0, 1440)])  # "24 hours", "24/7" alone
        elif kinds == {"T"}:
            carry_times, carry_segment = [it for it in items if it.kind == "T"], segment
        else:
            timed = [it for it in items if it.kind != "W"]
            _pair(timed, build)
            _leftovers(segment, items, result)
    if carry_days is not None or carry_times:
        result.unparsed.append(carry_segment)
    result.schedules = build.rows(original)
    result.closed_days = [DAY_CODES[d] for d in sorted(build.closed)]
    return result


def _season_not_closure(items: list[Item]) -> bool:
    """A month or season word qualifies the hours unless it dates a closure ("closed Dec 25")."""
    closed_seen = False
    for it in items:
        closed_seen = closed_seen or it.kind == "C"
        if it.kind == "S" and not closed_seen:
            return True
    return False


def _leftovers(segment: str, items: list[Item], result: ParsedHours) -> None:
    """Runs of unused tokens that carry meaning become unparsed fragments."""
    if not any(it.used for it in items):
        result.unparsed.append(segment)
        return
    run: list[Item] = []
    for it in [*items, None]:
        if it is not None and not it.used:
            run.append(it)
            continue
        if any(t.significant for t in run):
            fragment = segment[run[0].start : run[-1].end].strip(" ,.;:-&()")
            if fragment:
                result.unparsed.append(fragment)
        run = []
