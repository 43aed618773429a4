"""HSDS 1.x/2.0 regular and holiday schedule rows as 3.0 schedules."""

from __future__ import annotations

from typing import Any

from importers.legacy_common import ALL_DAYS, WEEKDAYS, leftover, pick, record_id
from importers.normalize import clock
from importers.report import ImportReport
from importers.rows import Row


def regular_schedule(rec: dict[str, str], file: str, row: int, src: str, report: ImportReport) -> list[Any]:
    data: dict[str, Any] = pick(rec, "service_id", "location_id", "service_at_location_id")
    data["id"] = record_id(rec, row)
    day = (rec.get("weekday") or "").strip().lower()
    code = WEEKDAYS.get(day) or (ALL_DAYS if day in ("daily", "everyday", "every day") else None)
    if day and code is None:
        report.fix(src, "weekday", "weekday not understood: kept in the description")
    data.update(
        freq="WEEKLY", byday=code, opens_at=clock(rec.get("opens_at")), closes_at=clock(rec.get("closes_at"))
    )
    for k in ("opens_at", "closes_at"):
        if rec.get(k, "").strip() and data[k] is None:
            report.fix(src, k, "time not understood: kept in the description")
    text = (rec.get("original_text") or "").strip()
    if not text and (
        code is None or any(rec.get(k, "").strip() and data[k] is None for k in ("opens_at", "closes_at"))
    ):
        text = f"{rec.get('weekday', '')} {rec.get('opens_at', '')}-{rec.get('closes_at', '')}".strip()
    data["description"] = text or None
    leftover(
        rec,
        {
            "id",
            "service_id",
            "location_id",
            "service_at_location_id",
            "weekday",
            "opens_at",
            "closes_at",
            "original_text",
        },
        src,
        report,
    )
    return [Row("schedule", data, file, row, src)]


def holiday_schedule(rec: dict[str, str], file: str, row: int, src: str, report: ImportReport) -> list[Any]:
    data: dict[str, Any] = pick(rec, "service_id", "location_id", "service_at_location_id")
    closed = (rec.get("closed") or "").strip().lower() in ("true", "1", "yes", "t")
    data.update(
        id=record_id(rec, row),
        valid_from=rec.get("start_date") or None,
        valid_to=rec.get("end_date") or None,
        opens_at=None if closed else clock(rec.get("opens_at")),
        closes_at=None if closed else clock(rec.get("closes_at")),
        description="Closed" if closed else "Holiday hours",
    )
    return [Row("schedule", data, file, row, src)]
