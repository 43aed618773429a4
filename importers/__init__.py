"""Bringing directories in: HSDS JSON, HSDS tabular packages, Ohana CSV and spreadsheets.

Extension point: `READERS` (in `importers.formats`) maps a format name (the `--format`
value) to a reader, a function `(path, ReadOptions, ImportReport) -> Batch` that maps its
format to flat HSDS 3.0 rows (see `importers.rows`). Everything after reading (cleaning,
checks, ids, provenance, the report) is shared, in `importers.operations`. To add a format,
write a reader and add it to `importers.formats`.

Modules of this package import each other, never this package itself, so importing it
last (it only names what they define) keeps them free of circles.
"""

from __future__ import annotations

from importers.formats import READERS, detect_format
from importers.operations import run_import
from importers.report import ImportFailed, ImportReport

__all__ = ["READERS", "ImportFailed", "ImportReport", "detect_format", "run_import"]
