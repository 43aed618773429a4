"""Writing the catalog out as HSDS 3.0 (or 3.1 when asked): nested JSON (or NDJSON) or the
tabular datapackage.

JSON: `services.json` (an array of fully nested services, as `/hsds/services/{id}` answers)
or `services.ndjson` (one a line), beside `organizations.json`, `taxonomies.json` and
`taxonomy_terms.json` so that records no service points at are not lost.
CSV: one file per table of the 3.0 datapackage, with its exact headers and order, plus
`datapackage.json`; with 3.1, its `service_capacity` and `unit` are added as extra resources.
3.0 output carries no field 3.0 does not define (see `hsds.versions`), so a strict consumer
accepts it; 3.1 adds the capacities.

Both stream: records are read a chunk at a time and written straight to disk, so a large
catalog never sits in memory. Each file is written beside its final name and moved into
place when complete. Exporting only reads; it never writes to the database.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Metadata, Organization, Service, Taxonomy, TaxonomyTerm
from hsds import queries as q
from hsds import rows as hsds_rows
from hsds import shapes, versions
from hsds.export_tables import PACKAGE, Table, tables_of
from hsds.mapping import PRIVATE, format_value

FORMATS = ("json", "csv")
# Rows per round trip for the flat CSV tables.
CSV_CHUNK = 5000


@dataclass
class ExportReport:
    """What was written: file name -> number of records."""

    directory: str
    format: str
    files: dict[str, int] = field(default_factory=dict)
    version: str = versions.DEFAULT

    def lines(self) -> list[str]:
        return [f"{name}: {count}" for name, count in self.files.items()]


class ExportError(ValueError):
    """The export cannot start (bad format, a file where the folder should be)."""


def export_hsds(
    session: Session,
    directory: str | Path,
    *,
    format: str = "json",  # noqa: A002
    ndjson: bool = False,
    version: str = versions.DEFAULT,
) -> ExportReport:
    """Write the whole catalog to `directory` (created if missing) as HSDS `version`."""
    if format not in FORMATS:
        raise ExportError(f"unknown export format {format!r}; choose one of: {', '.join(FORMATS)}")
    try:
        versions.check(version)
    except versions.VersionError as exc:
        raise ExportError(str(exc)) from None
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} is a file, not a folder")
    out.mkdir(parents=True, exist_ok=True)
    report = ExportReport(
        str(out), format + ("+ndjson" if ndjson and format == "json" else ""), version=version
    )
    if format == "json":
        _export_json(session, out, ndjson, report)
    else:
        _export_csv(session, out, report)
    return report


# ---------------------------------------------------------------- JSON


def _terms(session: Session, terms: list[TaxonomyTerm]) -> list[dict[str, Any]]:
    return [shapes.prune(doc) for doc in hsds_rows.full(session, "taxonomy_term", [t.id for t in terms])]


def _export_json(session: Session, out: Path, ndjson: bool, report: ExportReport) -> None:
    jobs: list[tuple[str, type[Any], Callable[[Session, list[Any]], list[dict[str, Any]]]]] = [
        ("services", Service, shapes.services_full),
        ("organizations", Organization, shapes.organizations_full),
        ("taxonomies", Taxonomy, lambda _s, rows: [shapes.taxonomy_item(r) for r in rows]),
        ("taxonomy_terms", TaxonomyTerm, _terms),
    ]
    for name, model, render in jobs:
        table = model.__tablename__
        stream = (
            versions.as_version(doc, table, report.version)
            for rows in q.chunks(session, select(model))
            for doc in render(session, rows)
        )
        if ndjson and name == "services":
            report.files[f"{name}.ndjson"] = _write(out / f"{name}.ndjson", _ndjson_lines, stream)
        else:
            report.files[f"{name}.json"] = _write(out / f"{name}.json", _json_array, stream)


def _write(path: Path, writer: Callable[[TextIO, Iterable[Any]], int], items: Iterable[Any]) -> int:
    part = path.with_name(path.name + ".part")
    with part.open("w", encoding="utf-8", newline="\n") as fh:
        count = writer(fh, items)
    os.replace(part, path)
    return count


def _json_array(fh: TextIO, items: Iterable[dict[str, Any]]) -> int:
    count = 0
    fh.write("[")
    for item in items:
        fh.write(",\n" if count else "\n")
        fh.write(json.dumps(item, ensure_ascii=False))
        count += 1
    fh.write("\n]\n")
    return count


def _ndjson_lines(fh: TextIO, items: Iterable[dict[str, Any]]) -> int:
    count = 0
    for item in items:
        fh.write(json.dumps(item, ensure_ascii=False) + "\n")
        count += 1
    return count


# ---------------------------------------------------------------- CSV


def csv_value(value: Any) -> str:
    """A column value as HSDS CSV text (empty for null, dates and times in ISO 8601)."""
    value = format_value(value)
    if value is None:
        return ""
    return str(value)


def table_rows(session: Session, table: Table) -> Iterator[list[str]]:
    """One table's rows in id order, a chunk at a time, in the datapackage's column order."""
    cols = table.model.__table__.columns
    selected = [cols[name] for name in table.columns if name in cols]
    picks = [selected.index(cols[name]) if name in cols else None for name in table.columns]
    id_col = cols["id"]
    last = None
    while True:
        stmt = select(*selected).order_by(id_col).limit(CSV_CHUNK)
        if last is not None:
            stmt = stmt.where(id_col > last)
        if table.name == "metadata":
            # Entries about Linkage's own columns are not HSDS.
            stmt = stmt.where(Metadata.field_name.not_in(sorted(PRIVATE)))
        rows = session.execute(stmt).all()
        for row in rows:
            yield [csv_value(row[i]) if i is not None else "" for i in picks]
        if len(rows) < CSV_CHUNK:
            return
        last = rows[-1][selected.index(id_col)]


def _export_csv(session: Session, out: Path, report: ExportReport) -> None:
    tables = tables_of(report.version)
    for table in tables:

        def write(fh: TextIO, rows: Iterable[list[str]], header: list[str] = table.columns) -> int:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            count = 0
            for row in rows:
                writer.writerow(row)
                count += 1
            return count

        report.files[table.path] = _write(out / table.path, write, table_rows(session, table))
    descriptor = {**PACKAGE, "resources": [t.descriptor() for t in tables]}
    (out / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n")
    report.files["datapackage.json"] = len(tables)
