"""What the HSDS 1.x/2.0 mappers share: weekday codes, the row helpers, folded service text."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from importers.report import ImportReport

WEEKDAYS = {
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
    "mon": "MO",
    "tue": "TU",
    "wed": "WE",
    "thu": "TH",
    "fri": "FR",
    "sat": "SA",
    "sun": "SU",
    # HSDS 1.x numbered days as ISO 8601 does: 1 is Monday.
    "1": "MO",
    "2": "TU",
    "3": "WE",
    "4": "TH",
    "5": "FR",
    "6": "SA",
    "7": "SU",
}
ALL_DAYS = "MO,TU,WE,TH,FR,SA,SU"


@dataclass
class Folded:
    """Text from a side table that belongs in a service field (appended, one line per row)."""

    service_id: str
    field: str
    text: str
    file: str
    row: int
    source_table: str


def record_id(rec: dict[str, str], row: int) -> str:
    return (rec.get("id") or "").strip() or f"row:{row}"


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def pick(rec: dict[str, str], *keys: str) -> dict[str, Any]:
    return {k: rec[k] for k in keys if k in rec}


def leftover(rec: dict[str, str], used: set[str], src: str, report: ImportReport) -> None:
    for k, v in rec.items():
        if k not in used and v and v.strip():
            report.fix(src, k, "column not in HSDS 3.0: left out")
