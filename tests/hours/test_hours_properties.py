"""Properties of the hours evaluator and parser over generated schedules and texts."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from hours import ScheduleRow, describe, is_open, open_during, open_state
from importers.hours_text import parse_hours

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

clock = st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
weekly_row = st.builds(
    lambda days, opens, closes: {
        "freq": "WEEKLY",
        "byday": ",".join(sorted(days, key=DAYS.index)),
        "opens_at": f"{opens[0]:02d}:{opens[1]:02d}",
        "closes_at": f"{closes[0]:02d}:{closes[1]:02d}",
    },
    st.sets(st.sampled_from(DAYS), min_size=1),
    clock,
    clock,
)
moment = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31))


def reference_open(rows: list[dict], at: datetime) -> bool:
    """Straight from the HSDS reading: a window opens on its day and may run past midnight."""
    minute = at.hour * 60 + at.minute + at.second / 60 + at.microsecond / 6e7
    for row in rows:
        opens = int(row["opens_at"][:2]) * 60 + int(row["opens_at"][3:])
        closes = int(row["closes_at"][:2]) * 60 + int(row["closes_at"][3:])
        if closes == 0 and opens != 0:
            closes = 1440
        length = (closes - opens) % 1440 or 1440
        for back, day in ((0, at), (1, at - timedelta(days=1))):
            if (
                DAYS[day.weekday()] in row["byday"].split(",")
                and opens <= minute + back * 1440 < opens + length
            ):
                return True
    return False


@settings(max_examples=150, deadline=None)
@given(st.lists(weekly_row, min_size=1, max_size=6), moment)
def test_is_open_matches_the_plain_reading_of_weekly_rows(rows: list[dict], at: datetime) -> None:
    assert is_open(rows, at) is reference_open(rows, at)


@settings(max_examples=100, deadline=None)
@given(st.lists(weekly_row, min_size=1, max_size=6), moment)
def test_open_state_open_during_and_is_open_agree(rows: list[dict], at: datetime) -> None:
    prepared = [ScheduleRow.from_mapping(r) for r in rows]
    state = open_state(prepared, at)
    assert state.open is is_open(prepared, at)
    assert open_during(prepared, at, at) is state.open
    if state.open:
        assert state.closes_at is not None
        assert state.closes_at > at
        assert is_open(prepared, state.closes_at) is False or state.always_open
    elif state.opens_at is not None:
        assert state.opens_at > at
        assert is_open(prepared, state.opens_at) is True
        just_before = state.opens_at - timedelta(microseconds=1)
        assert just_before < at or open_during(prepared, at, just_before) is False
    assert describe(prepared)


def _twelve_hour(hour: int, minute: int) -> str:
    suffix = "am" if hour < 12 else "pm"
    return f"{hour % 12 or 12}:{minute:02d}{suffix}" if minute else f"{hour % 12 or 12}{suffix}"


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 6),
    st.integers(1, 6),
    st.integers(5, 12),
    st.sampled_from([0, 30]),
    st.integers(1, 10),
    st.sampled_from(["{days} {times}", "{days}: {times}", "{times} {days}", "{days}\n{times}"]),
    st.sampled_from(["abbr", "name"]),
    st.sampled_from([" - ", "-", " to "]),
)
def test_written_day_ranges_and_times_parse_exactly(
    first: int, span: int, hour: int, minute: int, length: int, layout: str, style: str, dash: str
) -> None:
    last = min(6, first + span)
    names = ABBR if style == "abbr" else NAMES
    closes = hour * 60 + minute + length * 60
    text = layout.format(
        days=f"{names[first]}{dash}{names[last]}",
        times=f"{_twelve_hour(hour, minute)}{dash}{_twelve_hour(closes // 60 % 24, closes % 60)}",
    )
    parsed = parse_hours(text)
    assert parsed.ok, text
    assert [(s["byday"], s["opens_at"], s["closes_at"]) for s in parsed.schedules] == [
        (
            ",".join(DAYS[first : last + 1]),
            f"{hour:02d}:{minute:02d}",
            "23:59" if closes == 1440 else f"{closes // 60 % 24:02d}:{closes % 60:02d}",
        )
    ], text


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_without_error_and_keeps_what_it_does_not_understand(text: str) -> None:
    parsed = parse_hours(text)
    if any(c.isalnum() for c in text) and not parsed.schedules and not parsed.closed_days:
        assert parsed.unparsed
    for schedule in parsed.schedules:
        ScheduleRow.from_mapping(schedule)
