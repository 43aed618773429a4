"""Open/closed status from HSDS schedules: the cases users complain about when we get them wrong."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hours import OpenState, ScheduleRow, describe, is_open, open_during, open_state
from importers.hours_text import hhmm_to_hsds, parse_hours
from tests.conftest import shared_path

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR")


def weekly(byday: str, opens: str | None, closes: str | None, **extra: object) -> dict:
    return {"freq": "WEEKLY", "byday": byday, "opens_at": opens, "closes_at": closes, **extra}


OFFICE = [weekly("MO,TU,WE,TH,FR", "09:00", "17:00")]
FRIDAY_NIGHT = [weekly("FR", "22:00", "07:00")]
WEEKNIGHTS = [weekly("MO,TU,WE,TH,FR", "22:00", "07:00")]
NIGHTLY = [weekly("MO,TU,WE,TH,FR,SA,SU", "19:00", "07:00")]
ALWAYS = [weekly(day, "00:00", "23:59") for day in ("MO", "TU", "WE", "TH", "FR", "SA", "SU")]
LUNCH_BREAK = [
    weekly("MO,TU,WE,TH,FR", "09:00", "12:00"),
    weekly("MO,TU,WE,TH,FR", "13:00", "17:00"),
]
CHRISTMAS_CLOSED = [*OFFICE, {"valid_from": "2026-12-25", "valid_to": "2026-12-25"}]
CHRISTMAS_EVE_SHORT = [
    *OFFICE,
    {
        "valid_from": "2026-12-24",
        "valid_to": "2026-12-24",
        "opens_at": "09:00",
        "closes_at": "12:00",
    },
]
SUMMER = [
    *OFFICE,
    weekly("MO,TU,WE,TH", "08:00", "13:00", valid_from="2026-06-01", valid_to="2026-08-31"),
    {"valid_from": "2026-07-03", "valid_to": "2026-07-03", "description": "Closed for the holiday"},
]
SECOND_MONDAY = [{"freq": "MONTHLY", "byday": "2MO", "opens_at": "10:00", "closes_at": "12:00"}]
LAST_FRIDAY = [{"freq": "MONTHLY", "byday": "-1FR", "opens_at": "10:00", "closes_at": "12:00"}]
MONTH_DAYS = [{"freq": "MONTHLY", "bymonthday": "1,-1", "opens_at": "10:00", "closes_at": "12:00"}]
FORTNIGHTLY = [weekly("SA", "10:00", "14:00", interval=2, dtstart="2026-11-07")]
UNTIL_END_OF_YEAR = [weekly("MO,TU,WE,TH,FR", "09:00", "17:00", until="2026-12-31")]
TO_MIDNIGHT = [weekly("FR", "18:00", "00:00")]

FRIDAY_NIGHT_HOLIDAY = [*FRIDAY_NIGHT, {"valid_from": "2026-12-25", "valid_to": "2026-12-25"}]
SATURDAY_HOLIDAY = [*FRIDAY_NIGHT, {"valid_from": "2026-12-26", "valid_to": "2026-12-26"}]

# Fri 2026-11-27, Sat 28, Sun 29, Mon 30; Dec 2026: Mondays 7 and 14, Fridays 4..25.
CASES = [
    ("overnight Fri 23:30", FRIDAY_NIGHT, datetime(2026, 11, 27, 23, 30), True),
    ("overnight Sat 02:00", FRIDAY_NIGHT, datetime(2026, 11, 28, 2, 0), True),
    ("overnight Sat 06:59:59", FRIDAY_NIGHT, datetime(2026, 11, 28, 6, 59, 59), True),
    ("overnight closes at 07:00", FRIDAY_NIGHT, datetime(2026, 11, 28, 7, 0), False),
    ("overnight Fri 21:59", FRIDAY_NIGHT, datetime(2026, 11, 27, 21, 59), False),
    ("overnight not Sat night", FRIDAY_NIGHT, datetime(2026, 11, 28, 23, 0), False),
    ("overnight Fri 00:30 is Thursday's night", FRIDAY_NIGHT, datetime(2026, 11, 27, 0, 30), False),
    ("weeknights Sun 06:00 (no Sat night)", WEEKNIGHTS, datetime(2026, 11, 29, 6, 0), False),
    ("weeknights Sat 06:00 (Fri night)", WEEKNIGHTS, datetime(2026, 11, 28, 6, 0), True),
    ("nightly Sun 06:00 (Sat night)", NIGHTLY, datetime(2026, 11, 29, 6, 0), True),
    ("nightly Mon 06:00 across week end", NIGHTLY, datetime(2026, 11, 30, 6, 0), True),
    ("nightly Sun 12:00", NIGHTLY, datetime(2026, 11, 29, 12, 0), False),
    ("24 h Sat 23:59:30", ALWAYS, datetime(2026, 11, 28, 23, 59, 30), True),
    ("24 h Sun 00:00", ALWAYS, datetime(2026, 11, 29, 0, 0), True),
    ("lunch break 11:00", LUNCH_BREAK, datetime(2026, 11, 27, 11, 0), True),
    ("lunch break 12:30", LUNCH_BREAK, datetime(2026, 11, 27, 12, 30), False),
    ("lunch break 14:00", LUNCH_BREAK, datetime(2026, 11, 27, 14, 0), True),
    ("office closes at 17:00", OFFICE, datetime(2026, 11, 27, 17, 0), False),
    ("office Sat", OFFICE, datetime(2026, 11, 28, 12, 0), False),
    ("holiday closed", CHRISTMAS_CLOSED, datetime(2026, 12, 25, 12, 0), False),
    ("day before holiday", CHRISTMAS_CLOSED, datetime(2026, 12, 24, 12, 0), True),
    ("day after holiday", CHRISTMAS_CLOSED, datetime(2026, 12, 28, 12, 0), True),
    ("short day morning", CHRISTMAS_EVE_SHORT, datetime(2026, 12, 24, 11, 0), True),
    ("short day afternoon", CHRISTMAS_EVE_SHORT, datetime(2026, 12, 24, 13, 0), False),
    ("summer hours 08:30", SUMMER, datetime(2026, 7, 1, 8, 30), True),
    ("summer hours 14:00", SUMMER, datetime(2026, 7, 1, 14, 0), False),
    ("summer Friday closed", SUMMER, datetime(2026, 7, 10, 10, 0), False),
    ("holiday inside summer", SUMMER, datetime(2026, 7, 3, 9, 0), False),
    ("after summer", SUMMER, datetime(2026, 9, 4, 14, 0), True),
    ("2nd Monday", SECOND_MONDAY, datetime(2026, 12, 14, 11, 0), True),
    ("1st Monday", SECOND_MONDAY, datetime(2026, 12, 7, 11, 0), False),
    ("3rd Monday", SECOND_MONDAY, datetime(2026, 12, 21, 11, 0), False),
    ("last Friday", LAST_FRIDAY, datetime(2026, 12, 25, 11, 0), True),
    ("4th-from-last Friday", LAST_FRIDAY, datetime(2026, 12, 4, 11, 0), False),
    ("month day 1", MONTH_DAYS, datetime(2026, 12, 1, 11, 0), True),
    ("month day -1 (Feb 28)", MONTH_DAYS, datetime(2027, 2, 28, 11, 0), True),
    ("month day 2", MONTH_DAYS, datetime(2026, 12, 2, 11, 0), False),
    ("fortnightly on week", FORTNIGHTLY, datetime(2026, 11, 21, 11, 0), True),
    ("fortnightly off week", FORTNIGHTLY, datetime(2026, 11, 14, 11, 0), False),
    ("fortnightly before dtstart", FORTNIGHTLY, datetime(2026, 10, 24, 11, 0), False),
    ("until last day", UNTIL_END_OF_YEAR, datetime(2026, 12, 31, 11, 0), True),
    ("after until", UNTIL_END_OF_YEAR, datetime(2027, 1, 4, 11, 0), False),
    ("holiday Friday closes Friday night", FRIDAY_NIGHT_HOLIDAY, datetime(2026, 12, 26, 2, 0), False),
    ("holiday Saturday keeps Friday night", SATURDAY_HOLIDAY, datetime(2026, 12, 26, 2, 0), True),
    ("until midnight 23:59", TO_MIDNIGHT, datetime(2026, 11, 27, 23, 59), True),
    ("until midnight Sat 00:00", TO_MIDNIGHT, datetime(2026, 11, 28, 0, 0), False),
]


@pytest.mark.parametrize(("rows", "at", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_schedule_cases(rows: list[dict], at: datetime, expected: bool) -> None:
    assert is_open(rows, at) is expected


@pytest.mark.parametrize("at", [datetime(2026, 11, 27, 23, 30), datetime(2026, 11, 28, 2, 0)])
def test_overnight_window_is_open_after_midnight(at: datetime) -> None:
    assert is_open(FRIDAY_NIGHT, at) is True
    state = open_state(FRIDAY_NIGHT, at)
    assert state.closes_at == datetime(2026, 11, 28, 7, 0)
    assert state.label == "Open until 07:00"


def test_nightly_shelter_is_open_sunday_0600_from_saturday_night() -> None:
    assert is_open(NIGHTLY, datetime(2026, 11, 29, 6, 0)) is True
    assert is_open(WEEKNIGHTS, datetime(2026, 11, 29, 6, 0)) is False


def test_holiday_exception_closes_the_day_and_says_when_it_reopens() -> None:
    state = open_state(CHRISTMAS_CLOSED, datetime(2026, 12, 25, 10, 0))
    assert state == OpenState(
        open=False, opens_at=datetime(2026, 12, 28, 9, 0), label="Closed · opens Mon 09:00"
    )


def test_24_hour_service_is_always_open() -> None:
    state = open_state(ALWAYS, datetime(2026, 11, 28, 3, 0))
    assert state.open is True
    assert state.always_open is True
    assert state.label == "Open 24 hours"
    assert describe(ALWAYS) == ["Every day 24 hours"]


def test_24_hour_service_with_holiday_is_not_always_open() -> None:
    rows = [*ALWAYS, {"valid_from": "2026-12-25", "valid_to": "2026-12-25"}]
    state = open_state(rows, datetime(2026, 12, 23, 3, 0))
    assert state.always_open is False
    assert state.closes_at == datetime(2026, 12, 25, 0, 0)
    assert state.label == "Open until Fri 00:00"
    assert is_open(rows, datetime(2026, 12, 25, 12, 0)) is False


def test_lunch_break_is_closed_and_reopens_the_same_day() -> None:
    state = open_state(LUNCH_BREAK, datetime(2026, 11, 27, 12, 30))
    assert state.open is False
    assert state.opens_at == datetime(2026, 11, 27, 13, 0)
    assert state.label == "Closed · opens 13:00"
    assert describe(LUNCH_BREAK) == ["Mon–Fri 09:00–12:00, 13:00–17:00"]


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        (datetime(2026, 11, 27, 16, 30, tzinfo=UTC), False),  # 08:30 PST
        (datetime(2026, 11, 27, 17, 30, tzinfo=UTC), True),  # 09:30 PST
        (datetime(2026, 11, 28, 0, 30, tzinfo=UTC), True),  # Fri 16:30 PST, Sat in UTC
        (datetime(2026, 11, 28, 1, 30, tzinfo=UTC), False),  # Fri 17:30 PST
        (datetime(2026, 7, 1, 16, 30, tzinfo=UTC), True),  # 09:30 PDT (summer time)
        (datetime(2026, 7, 1, 15, 30, tzinfo=UTC), False),  # 08:30 PDT
    ],
)
def test_aware_utc_time_is_converted_to_the_location_zone(utc: datetime, expected: bool) -> None:
    assert is_open(OFFICE, utc, tz="America/Los_Angeles") is expected


def test_results_carry_the_location_zone() -> None:
    zone = ZoneInfo("America/Los_Angeles")
    state = open_state(OFFICE, datetime(2026, 11, 27, 17, 30, tzinfo=UTC), tz="America/Los_Angeles")
    assert state.closes_at == datetime(2026, 11, 27, 17, 0, tzinfo=zone)
    assert state.label == "Open until 17:00"


def test_numeric_row_offset_is_used_only_without_a_zone() -> None:
    rows = [weekly("MO,TU,WE,TH,FR", "09:00", "17:00", timezone=-8)]
    at = datetime(2026, 7, 1, 16, 30, tzinfo=UTC)  # 08:30 at UTC-8, 09:30 PDT
    assert is_open(rows, at) is False
    assert is_open(rows, at, tz="America/Los_Angeles") is True
    assert is_open([weekly("MO", "09:00Z", "17:00Z")], datetime(2026, 11, 30, 10, tzinfo=UTC))


def test_unknown_zone_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        is_open(OFFICE, datetime(2026, 11, 27, 12), tz="Mars/Olympus")


@pytest.mark.parametrize(
    "rows",
    [
        [],
        [{"description": "By appointment"}],
        [weekly("MO", None, None)],
        [weekly("MO", "09:00", None)],
    ],
    ids=["no rows", "description only", "day without hours", "no closing time"],
)
def test_unknown_hours_are_unknown_not_closed(rows: list[dict]) -> None:
    at = datetime(2026, 11, 30, 10, 0)
    assert is_open(rows, at) is None
    assert open_state(rows, at) == OpenState(open=None, label="Hours not stated")
    assert open_during(rows, at, datetime(2026, 11, 30, 20, 0)) is None


def test_days_that_cannot_be_placed_are_uncertain_inside_hours_and_closed_outside() -> None:
    no_days = [{"opens_at": "09:00", "closes_at": "17:00"}]
    assert is_open(no_days, datetime(2026, 11, 30, 10, 0)) is None
    assert is_open(no_days, datetime(2026, 11, 30, 20, 0)) is False
    no_anchor = [weekly("SA", "10:00", "14:00", interval=2)]
    assert is_open(no_anchor, datetime(2026, 11, 28, 11, 0)) is None
    assert open_state(no_anchor, datetime(2026, 11, 28, 11, 0)).label == "Hours uncertain"
    assert is_open(no_anchor, datetime(2026, 11, 27, 11, 0)) is False


def test_dated_exception_alone_knows_only_its_dates() -> None:
    rows = [
        {
            "valid_from": "2026-12-24",
            "valid_to": "2026-12-24",
            "opens_at": "10:00",
            "closes_at": "14:00",
        }
    ]
    assert is_open(rows, datetime(2026, 12, 24, 11, 0)) is True
    assert is_open(rows, datetime(2026, 12, 24, 15, 0)) is False
    assert is_open(rows, datetime(2026, 12, 23, 11, 0)) is None


@pytest.mark.parametrize(
    ("rows", "expected"),
    [(NIGHTLY, True), (OFFICE, False), ([weekly("SA", "05:00", "09:00")], True), ([], None)],
    ids=["night shelter", "day office", "opens before 06:00", "unknown"],
)
def test_open_tonight_window(rows: list[dict], expected: bool | None) -> None:
    start, end = datetime(2026, 11, 27, 18, 0), datetime(2026, 11, 28, 6, 0)
    assert open_during(rows, start, end) is expected


def test_open_during_rejects_an_inverted_range() -> None:
    with pytest.raises(ValueError, match="before start"):
        open_during(OFFICE, datetime(2026, 11, 28, 6), datetime(2026, 11, 27, 18))


def test_open_state_labels() -> None:
    fri = datetime(2026, 11, 27, 18, 0)
    assert open_state(OFFICE, fri).label == "Closed · opens Mon 09:00"
    assert open_state(OFFICE, datetime(2026, 11, 27, 8, 0)).label == "Closed · opens 09:00"
    assert open_state(TO_MIDNIGHT, datetime(2026, 11, 27, 20, 0)).label == "Open until midnight"
    assert open_state(UNTIL_END_OF_YEAR, datetime(2027, 1, 1, 8)).label == "Closed"


@pytest.mark.parametrize(
    ("rows", "lines"),
    [
        (OFFICE + [weekly("SA", "10:00", "14:00")], ["Mon–Fri 09:00–17:00", "Sat 10:00–14:00"]),
        (FRIDAY_NIGHT, ["Fri 22:00–07:00 (overnight)"]),
        (
            [weekly("MO,WE,FR", "09:00", "12:00"), weekly("TU", "13:00", "16:00")],
            ["Mon, Wed, Fri 09:00–12:00", "Tue 13:00–16:00"],
        ),
        (SECOND_MONDAY, ["2nd Mon of the month 10:00–12:00"]),
        (FORTNIGHTLY, ["Every 2 weeks: Sat 10:00–14:00"]),
        (CHRISTMAS_CLOSED, ["Mon–Fri 09:00–17:00", "Fri 25 Dec 2026: Closed"]),
        (TO_MIDNIGHT, ["Fri 18:00–midnight"]),
    ],
)
def test_describe_weekly_lines(rows: list[dict], lines: list[str]) -> None:
    assert describe(rows) == lines


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"id": "s1", "opens_at": "25:00"}, "s1: opens_at '25:00'"),
        ({"closes_at": "9 o'clock"}, "closes_at"),
        ({"byday": "MO,XX"}, "byday 'MO,XX'"),
        ({"freq": "YEARLY"}, "freq 'YEARLY'"),
        ({"valid_from": "next week"}, "valid_from"),
        ({"interval": "0"}, "interval"),
    ],
)
def test_bad_schedule_values_are_clear_errors(row: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ScheduleRow.from_mapping(row)


def test_from_mapping_reads_hsds_and_legacy_fields() -> None:
    row = ScheduleRow.from_mapping(
        {
            "id": "x",
            "freq": "WEEKLY",
            "byday": "TH,FR",
            "opens_at": "10:00:00",
            "closes_at": "18:00",
        }
    )
    assert (row.opens_at, row.closes_at, row.byday) == (time(10), time(18), "TH,FR")
    legacy = ScheduleRow.from_mapping({"weekday": "Monday", "opens_at": "9:00am", "closes_at": "5:00pm"})
    assert legacy.span() == (540, 1020)
    holiday = ScheduleRow.from_mapping({"start_date": "2026-12-25", "end_date": "2026-12-25", "closed": True})
    assert holiday.is_exception
    assert holiday.closed


# --- Link-SF: 217 real San Francisco locations, HHMM integer hours (0-2359 = 24 h) ---------


def _linksf_locations() -> dict:
    path = shared_path("data", "linksf-sf", "linksf", "locations.json")
    return json.loads(path.read_text())


def _reference_open(schedules: list[dict], weekday: str, hhmm: int) -> bool:
    """Independent reading of the raw data: same weekday, opens <= now < closes, 2359 = day end."""
    return any(
        s["weekday"] == weekday
        and s["opens_at"] <= hhmm
        and (hhmm < s["closes_at"] or s["closes_at"] == 2359)
        for s in schedules
    )


LINKSF_TIMES = [
    datetime(2026, 11, day, hour, minute)
    for day in range(23, 30)  # Mon 23 .. Sun 29
    for hour in range(24)
    for minute in (0, 29, 59)
]


def test_linksf_open_now_matches_the_raw_hhmm_data_for_all_locations() -> None:
    locations = _linksf_locations()
    assert len(locations) == 217
    checked = disagreements = 0
    for location in locations.values():
        raw = [s for svc in location.get("services", {}).values() for s in svc.get("schedules") or []]
        rows = [
            ScheduleRow.from_mapping(hhmm_to_hsds(s["weekday"], s["opens_at"], s["closes_at"])) for s in raw
        ]
        for at in LINKSF_TIMES:
            expected = _reference_open(raw, at.strftime("%A"), at.hour * 100 + at.minute) if raw else None
            checked += 1
            disagreements += is_open(rows, at) is not expected
    assert checked == 217 * len(LINKSF_TIMES)
    assert disagreements == 0


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        (datetime(2026, 3, 8, 10, 30, tzinfo=UTC), True),  # 03:30 PDT, the night clocks go forward
        (datetime(2026, 3, 8, 14, 30, tzinfo=UTC), False),  # 07:30 PDT
        (datetime(2026, 11, 1, 8, 30, tzinfo=UTC), True),  # 01:30 PDT, before clocks go back
        (datetime(2026, 11, 1, 9, 30, tzinfo=UTC), True),  # 01:30 PST, the repeated hour
    ],
)
def test_overnight_hours_follow_the_wall_clock_across_daylight_saving_changes(
    utc: datetime, expected: bool
) -> None:
    assert is_open(NIGHTLY, utc, tz="America/Los_Angeles") is expected


def test_open_tonight_with_aware_times_uses_the_location_zone() -> None:
    evening = [weekly("FR", "18:00", "21:00")]
    start = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)  # Fri 17:00 PST
    end = datetime(2026, 11, 28, 1, 30, tzinfo=UTC)  # Fri 17:30 PST
    assert open_during(evening, start, end, tz="America/Los_Angeles") is False
    assert open_during(evening, start, end + timedelta(hours=1), tz="America/Los_Angeles") is True


def test_parsed_text_describes_back_to_the_same_week() -> None:
    schedules = parse_hours("Mon-Fri 9am-5pm; Sat 10-2").schedules
    assert describe(schedules) == ["Mon–Fri 09:00–17:00", "Sat 10:00–14:00"]
    assert describe(parse_hours("Daily 7pm-7am").schedules) == ["Every day 19:00–07:00 (overnight)"]


def test_hours_modules_stay_pure() -> None:
    """Search, matching and importers call these per result; they must not pull in Flask or SQL."""
    code = (
        "import sys, hours; "
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'sqlalchemy', 'app', 'kernel', 'catalog', 'search', 'hsds', 'demo', "
        "'importers', 'geo', 'matching'))))"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
    for module in ("importers/hours_text.py", "importers/hours_tokens.py"):
        tree = ast.parse((root / module).read_text(encoding="utf-8"))
        imported = {
            name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for name in ([node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names])
        }
        assert imported <= {"__future__", "html", "re", "dataclasses", "typing", "importers.hours_tokens"}


@pytest.mark.parametrize(
    ("sal", "service", "location", "expected"),
    [
        (["sal"], ["svc"], ["loc"], ["sal"]),
        ([], ["svc"], ["loc"], ["svc"]),
        (None, None, ["loc"], ["loc"]),
        (None, [], None, []),
    ],
)
def test_most_specific_hours_win_and_are_used_whole(sal, service, location, expected):
    from hours import most_specific

    assert most_specific(sal, service, location) == expected
