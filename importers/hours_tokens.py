"""Tokens of free-text opening hours: days, time ranges, "closed", and words left over.

Kept apart from the pairing rules in ``importers.hours_text`` so each stays readable. Times
without am/pm are resolved the way people write them: "9-5" is 09:00-17:00, "10-2" ends at
14:00, "1-5" and "12-5" are afternoons, "0900-1700" and "17:00" are a 24-hour clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Window = tuple[int, int]  # minutes from the opening day's midnight; end may pass 1440
_DAY = 1440

_DAYNAME = (
    r"(?:mon(?:day)?s?|tue(?:s(?:day)?)?s?|tu|wed(?:s|nesday)?s?|thu(?:r(?:s(?:day)?)?)?s?|th"
    r"|thru(?=\s*(?:[,;.:\n\d]|$))|fri(?:day)?s?|sat(?:urday)?s?|sun(?:day)?s?)(?![a-z])\.?"
)
_DAY_SEP = r"\s*(?:,\s*(?:and|&|or)?|-+|to|thru|through|until|&|and|/|\+|or)\s*"
_ORD = r"(?:1st|2nd|3rd|4th|5th|first|second|third|fourth|fifth|last)"
_ORD_VALUES = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "first": 1, "second": 2}
_ORD_VALUES.update({"third": 3, "fourth": 4, "fifth": 5, "last": -1})
_TIME = r"(?:noon|midnight|\d{1,4}(?::\d{2}){0,2}(?:\s*(?:[ap]\.?\s?m\b\.?|[ap]\b))?)"
_LETTERS = {"M": 0, "T": 1, "Tu": 1, "W": 2, "Th": 3, "R": 3, "F": 4, "Sa": 5, "Su": 6}
_I = re.IGNORECASE

H24 = re.compile(
    r"\b24\s*(?:/|x|-)\s*7\b|\b24\s*-?\s*(?:hours?|hrs?|h)\b(?:\s*(?:a|per)\s*day)?"
    r"|\baround\s+the\s+clock\b",
    _I,
)
RANGE = re.compile(
    rf"(?<![\w:/.$#-])(?P<a>{_TIME})\s*(?:-+|to|until|till|til|thru|through)\s*(?P<b>{_TIME})"
    r"(?![\w:/%+]|-\d|\.\d)",
    _I,
)
_TIME_MER = r"(?:noon|midnight|\d{1,2}(?::\d{2}){0,2}\s*[ap]\.?\s?m\b\.?)"
PAIR = re.compile(rf"(?<![\w:/.$#-])(?P<a>{_TIME_MER})\s+(?P<b>{_TIME_MER})", _I)  # "4:00 PM 7:00 PM"
ORDDAY = re.compile(
    rf"\b(?P<ords>{_ORD}(?:\s*(?:,\s*(?:and|&)?|&|and|/|\+|or)\s*{_ORD})*)\s+(?P<day>{_DAYNAME})",
    _I,
)
ALLDAYS = re.compile(
    r"\b(?:daily|every\s*day|7\s*days(?:\s*(?:a|per|/)\s*week)?|seven\s+days(?:\s+(?:a|per)"
    r"\s+week)?|all\s+week|week\s*days|week\s*ends?)\b",
    _I,
)
LETTER_RANGE = re.compile(r"\b(M|Tu|T|W|Th|R|F|Sa|Su)\s*-\s*(M|Tu|T|W|Th|R|F|Sa|Su)\b")
LETTER_RUN = re.compile(r"\b(?:Th|TH|Tu|TU|M|T|W|R|F){2,}\b")  # "MWF", "TTh", "TWTH"
DAYSPEC = re.compile(rf"\b{_DAYNAME}(?:{_DAY_SEP}{_DAYNAME})*", _I)
SEASON = re.compile(
    r"\b(?:(?i:seasonal\w*|summer|winter|january|february|march|april|june|july|august|september"
    r"|october|november|december)|May|(?i:jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\b\.?)\b"
)
CLOSED = re.compile(r"\bclosed\b", _I)
POISON = re.compile(
    r"\b(?:every\s+other|bi-?weekly|every\s+(?:2|two)\s+weeks|alternat\w*|other\s+week"
    r"|(?:once|twice)\s+(?:a|per)\s+month|monthly|(?:each|per|a|every|of\s+(?:the|each))\s+month"
    r"|weeks?\s+of\s+(?:the\s+)?month"
    rf"|except\s+(?:the\s+)?{_ORD})\b",
    _I,
)
SINGLE = re.compile(
    r"(?<![\w:/.$#-])(?:noon|midnight|\d{1,2}(?::\d{2}){1,2}(?:\s*[ap]\.?\s?m\b\.?)?"
    r"|\d{1,2}\s*[ap]\.?\s?m\b\.?)",
    _I,
)
WORD = re.compile(r"[A-Za-z0-9$%'’]+")
_SKIP = re.compile(r"[^A-Za-z0-9$%'’]+")
_NOT_HOURS_AFTER = re.compile(
    r"\s*(?:in\s+advance|notice|prior|ahead|before|after|to\s+respond|response|years?|yrs?"
    r"|y/?o\b|months?|days?|weeks?|people|persons|%|lbs?\b|pounds|items|bags|boxes|miles"
    r"|children|kids|times|visits|per\b)",
    _I,
)
_NOT_HOURS_BEFORE = {"age", "ages", "aged", "grade", "grades", "within", "least", "ratio"}
FILLER = frozenset(
    [
        "open",
        "opens",
        "opened",
        "opening",
        "hours",
        "hour",
        "hrs",
        "hr",
        "of",
        "operation",
        "operations",
        "operating",
        "from",
        "and",
        "to",
        "on",
        "the",
        "at",
        "each",
        "every",
        "week",
        "weekly",
        "a",
        "an",
        "only",
        "are",
        "is",
        "we",
        "our",
        "day",
        "days",
        "month",
        "months",
        "time",
        "times",
        "office",
        "business",
        "regular",
        "normal",
        "distribution",
        "pantry",
        "food",
        "in",
        "for",
        "by",
        "lunch",
        "through",
        "thru",
        "until",
        "till",
        "usually",
        "generally",
        "currently",
        "also",
    ]
)


@dataclass(eq=False)
class Item:
    """A token: D days, T time windows, C "closed", P words that change the meaning, W a word."""

    kind: str
    start: int
    end: int
    text: str = ""
    days: frozenset[int] = frozenset()
    nth: frozenset[tuple[int, int]] = frozenset()
    windows: list[Window] = field(default_factory=list)
    all_day: bool = False
    significant: bool = True
    used: bool = False
    parts: tuple[Item, ...] = ()

    def __post_init__(self) -> None:
        if not self.parts:
            self.parts = (self,)

    def union(self, other: Item) -> Item:
        # "3rd Wednesday only Wednesday" repeats the weekday of an ordinal: still monthly.
        repeated = {d for _, d in self.nth} if other.days and not other.nth else set()
        return Item(
            "D",
            self.start,
            other.end,
            days=self.days | (other.days - repeated),
            nth=self.nth | other.nth,
            parts=self.parts + other.parts,
        )

    @classmethod
    def every_day(cls) -> Item:
        return cls("D", 0, 0, days=frozenset(range(7)))


def _day_index(name: str) -> int:
    return ("mo", "tu", "we", "th", "fr", "sa", "su").index(name.lower()[:2])


def _span(first: int, last: int) -> set[int]:
    return {(first + i) % 7 for i in range((last - first) % 7 + 1)}


def _dayspec(text: str) -> frozenset[int]:
    names = list(re.finditer(_DAYNAME, text, _I))
    days: set[int] = set()
    for i, m in enumerate(names):
        day = _day_index(m.group())
        between = text[names[i - 1].end() : m.start()].lower() if i else ""
        if i and re.search(r"-|\bto\b|thru|through|until", between):
            days |= _span(_day_index(names[i - 1].group()), day)
        days.add(day)
    return frozenset(days)


class _Clock:
    """A clock time as written: fixed minutes, or morning/afternoon not yet decided."""

    __slots__ = ("fixed", "hour", "am", "midnight", "meridiem")

    def __init__(
        self, fixed: int | None, hour: int = 0, am: int = 0, midnight: bool = False, meridiem: bool = False
    ) -> None:
        self.fixed, self.hour, self.am = fixed, hour, am
        self.midnight, self.meridiem = midnight, meridiem


def _clock(raw: str) -> _Clock | None:
    s = re.sub(r"[.\s]", "", raw.lower())
    if s == "noon":
        return _Clock(720)
    if s == "midnight":
        return _Clock(None, midnight=True)
    m = re.fullmatch(r"(\d{1,4})(?::(\d{2}))?(?::\d{2})?([ap])?m?", s)
    if not m:
        return None
    digits, mm, meridiem = m.groups()
    if len(digits) >= 3:
        if mm is not None or (len(digits) == 3 and not meridiem):
            return None
        hour, minute = divmod(int(digits), 100)
        explicit = not meridiem
        if explicit and minute % 5:
            return None
    else:
        hour, minute = int(digits), int(mm or 0)
        explicit = (len(digits) == 2 and digits[0] == "0") or hour == 0 or hour > 12
    if minute > 59:
        return None
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        return _Clock((hour % 12 + (12 if meridiem == "p" else 0)) * 60 + minute, meridiem=True)
    if hour > 24 or (hour == 24 and minute):
        return None
    if explicit:
        return _Clock(hour * 60 + minute)
    return _Clock(None, hour=hour, am=(hour % 12) * 60 + minute)


def resolve(raw_start: str, raw_end: str) -> Window | None:
    """Minutes for a written range; the end may pass midnight (overnight)."""
    a, b = _clock(raw_start), _clock(raw_end)
    if a is None or b is None:
        return None
    start = 0 if a.midnight else a.fixed
    end = _DAY if b.midnight else b.fixed
    if start is None and end is None:  # "9-5", "1-5", "12-5": 1 to 5 o'clock and noon are p.m.
        start = a.am + 720 if a.hour == 12 or 1 <= a.hour <= 5 else a.am
    if end is None:
        ends = sorted(c if c >= 60 else c + _DAY for c in (b.am, b.am + 720))
        end = next((c for c in ends if c > start), ends[0])  # type: ignore[operator]
    elif start is None:
        # "8-10pm": the start shares the end's p.m. when that keeps it earlier; "9:00-22:00"
        # is a 24-hour clock, so only 1 to 5 o'clock and 12 read as afternoon ("1:00-17:00").
        limit = _DAY if end == 0 else end
        pm = a.am + 720
        afternoon = b.meridiem and end >= 720 or a.hour == 12 or 1 <= a.hour <= 5
        if afternoon and pm < limit:
            start = pm
        elif a.am < limit:
            start = a.am
        else:
            start = pm
    if end == 0 and start > 0:
        end = _DAY
    if end == start:
        return None
    if end > _DAY and end - _DAY < start:  # "7pm-12:30" chose 00:30 of the next day
        return (start, end)
    if end <= start:
        end += _DAY
    return (start, end) if end - start <= _DAY else None


def _match(text: str, pos: int, prev_word: str) -> Item | None:
    """The token starting at ``pos``, tried from the most specific pattern down."""
    m = H24.match(text, pos)
    if m and not _NOT_HOURS_AFTER.match(text, m.end()) and prev_word not in _NOT_HOURS_BEFORE:
        return Item("T", pos, m.end(), m.group(), windows=[(0, _DAY)], all_day=True)
    if m := (RANGE.match(text, pos) or PAIR.match(text, pos)):
        window = resolve(m.group("a"), m.group("b"))
        if (
            window is not None
            and prev_word not in _NOT_HOURS_BEFORE
            and not _NOT_HOURS_AFTER.match(text, m.end())
        ):
            return Item("T", pos, m.end(), m.group(), windows=[window])
    if m := ORDDAY.match(text, pos):
        ords = [_ORD_VALUES[o.lower()] for o in re.findall(_ORD, m.group("ords"), _I)]
        day = _day_index(m.group("day"))
        return Item("D", pos, m.end(), m.group(), nth=frozenset((n, day) for n in ords))
    if m := ALLDAYS.match(text, pos):
        word = m.group().lower().replace(" ", "")
        days = range(5) if word.startswith("weekday") else range(5, 7)
        days = range(7) if not word.startswith("week") else days
        return Item("D", pos, m.end(), m.group(), days=frozenset(days))
    if m := LETTER_RANGE.match(text, pos):
        days = _span(_LETTERS[m.group(1)], _LETTERS[m.group(2)])
        return Item("D", pos, m.end(), m.group(), days=frozenset(days))
    if m := LETTER_RUN.match(text, pos):
        letters = re.findall(r"Th|TH|Tu|TU|M|T|W|R|F", m.group())
        days = frozenset(_LETTERS[x[0] + x[1:].lower()] for x in letters)
        return Item("D", pos, m.end(), m.group(), days=days)
    if m := DAYSPEC.match(text, pos):
        return Item("D", pos, m.end(), m.group(), days=_dayspec(m.group()))
    for kind, pattern in (("C", CLOSED), ("P", POISON), ("S", SEASON)):
        if m := pattern.match(text, pos):
            return Item(kind, pos, m.end(), m.group())
    if m := SINGLE.match(text, pos):
        return Item("W", pos, m.end(), m.group())
    return None


def tokenize(text: str) -> list[Item]:
    """All tokens of one segment in order, words included (they decide what is unparsed)."""
    items: list[Item] = []
    pos = 0
    prev_word = ""
    while pos < len(text):
        if skip := _SKIP.match(text, pos):
            pos = skip.end()
            continue
        item = _match(text, pos, prev_word)
        if item is None:
            m = WORD.match(text, pos)
            assert m is not None
            word = m.group().lower()
            item = Item("W", pos, m.end(), m.group(), significant=word not in FILLER)
            prev_word = word
        else:
            prev_word = ""
        items.append(item)
        pos = item.end
    return items
