"""Bringing directories in: HSDS JSON, HSDS tabular packages, Ohana CSV and spreadsheets.

Extension point: `READERS` maps a format name (the `--format` value) to a reader, a function
`(path, ReadOptions, ImportReport) -> Batch` that maps its format to flat HSDS 3.0 rows (see
`importers.rows`). Everything after reading (cleaning, checks, ids, provenance, the report)
is shared, in `importers.operations`. To add a format, write a reader and add it here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from importers.report import ImportFailed, ImportReport

if TYPE_CHECKING:
    from importers.rows import Reader

__all__ = ["READERS", "ImportFailed", "ImportReport", "detect_format", "run_import"]


def _lazy(module: str, name: str) -> Reader:
    def reader(path: str, options: Any, report: ImportReport) -> Any:
        import importlib

        return getattr(importlib.import_module(module), name)(path, options, report)

    reader.__name__ = name
    return reader


READERS: dict[str, Reader] = {
    "hsds-json": _lazy("importers.hsds_json", "read_json"),
    "hsds-csv": _lazy("importers.hsds_csv", "read_package"),
    "ohana-csv": _lazy("importers.ohana", "read_ohana"),
    "spreadsheet": _lazy("importers.spreadsheet", "read_spreadsheet"),
}


def detect_format(path: str) -> str:
    """The format of a path from what it holds (`--format auto`)."""
    if path.startswith(("http://", "https://")):
        return "hsds-json"
    p = Path(path)
    if not p.exists():
        raise ImportFailed("no such file or folder", file=path)
    if p.is_file():
        suffix = p.suffix.lower()
        if suffix in (".json", ".ndjson", ".jsonl"):
            return "hsds-json"
        if suffix in (".csv", ".xlsx", ".tsv"):
            return "spreadsheet"
        raise ImportFailed("cannot tell the format from the file name; give --format", file=path)
    names = {f.name.lower() for f in p.rglob("*") if f.is_file()}
    if "mail_addresses.csv" in names or "taxonomy.csv" in names and "addresses.csv" in names:
        return "ohana-csv"
    if any(n.endswith(".csv") for n in names):
        return "hsds-csv"
    if any(n.endswith((".json", ".ndjson", ".jsonl")) for n in names):
        return "hsds-json"
    raise ImportFailed("the folder holds no .json or .csv files", file=path)


def run_import(session: Any, path: str, **kwargs: Any) -> ImportReport:
    """Import one source (see importers.operations.run_import); never commits."""
    from importers.operations import run_import as _run

    return _run(session, path, **kwargs)
