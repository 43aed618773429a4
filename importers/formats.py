"""The formats an import reads: `READERS` maps a `--format` value to its reader.

A reader is a function `(path, ReadOptions, ImportReport) -> Batch` that maps its format to
flat HSDS 3.0 rows (see `importers.rows`); everything after reading is shared, in
`importers.operations`. To add a format, write a reader and add it here.
"""

from __future__ import annotations

from pathlib import Path

from importers.hsds_csv import read_package
from importers.hsds_json import read_json
from importers.ohana import read_ohana
from importers.report import ImportFailed
from importers.rows import Reader
from importers.spreadsheet import read_spreadsheet

READERS: dict[str, Reader] = {
    "hsds-json": read_json,
    "hsds-csv": read_package,
    "ohana-csv": read_ohana,
    "spreadsheet": read_spreadsheet,
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
