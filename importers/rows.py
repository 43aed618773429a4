"""The one shape every reader produces: flat HSDS 3.0 rows that still carry the source's ids.

A reader maps its format's tables and field names to HSDS 3.0 and nothing more; ids stay
as the source wrote them (UUIDs or not) and `importers.operations` turns them into ours, so
that every format gets the same id rules, validation, provenance and report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from importers.report import ImportReport


@dataclass(slots=True)
class Row:
    """One HSDS 3.0 record read from `file` at `row` (1-based data row; None for JSON objects).

    `data["id"]` and every `*_id` field hold source ids; `source_table` is the table name in
    the source (`services`, `physical_addresses`, ...) used in the report.
    """

    table: str
    data: dict[str, Any]
    file: str
    row: int | None = None
    source_table: str = ""
    # Rows of other tables folded into this one (eligibility text into its service):
    # (source table, file, row); they share this row's outcome in the report.
    folded: list[tuple[str, str, int | None]] = field(default_factory=list)


@dataclass
class ReadOptions:
    source: str
    mapping: dict[str, Any] | None = None
    base_dir: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Batch:
    """What a reader read: its rows, the format version it recognised, whether it is complete."""

    rows: list[Row]
    format: str
    version: str = ""
    # A complete snapshot of the source: records it no longer has are marked inactive.
    complete: bool = True


class Reader(Protocol):
    def __call__(self, path: str, options: ReadOptions, report: ImportReport) -> Batch: ...
