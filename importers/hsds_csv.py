"""HSDS tabular datapackages 1.0, 1.1, 2.0 and 3.0, mapped to 3.0 rows.

The version is read from the file names, never from the descriptor (descriptors are copied
from templates and lie): `regular_schedules.csv` or `services_taxonomy.csv` mean 1.x,
`service_attributes.csv` or `other_attributes.csv` 2.x, `attributes.csv`, `addresses.csv` or
`taxonomies.csv` 3.x. Files are found anywhere under the folder, singular or plural names.
Rows that only add to a service (eligibility, payments, fees) are folded into it and share
its outcome in the report; columns HSDS 3.0 has no place for are counted as left out.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from catalog.models import HSDS_MODELS
from importers.legacy import LEGACY, Folded, map_legacy
from importers.report import ImportFailed, ImportReport
from importers.rows import Batch, ReadOptions, Row

csv.field_size_limit(sys.maxsize)

# 3.0 file name (without .csv) -> table.
TABLES_3 = {
    f"{p}.csv": t
    for p, t in {
        "organizations": "organization",
        "programs": "program",
        "services": "service",
        "attributes": "attribute",
        "service_at_location": "service_at_location",
        "locations": "location",
        "phones": "phone",
        "contacts": "contact",
        "addresses": "address",
        "schedules": "schedule",
        "funding": "funding",
        "service_areas": "service_area",
        "required_documents": "required_document",
        "languages": "language",
        "accessibility": "accessibility",
        "taxonomy_terms": "taxonomy_term",
        "metadata": "metadata",
        "meta_table_descriptions": "meta_table_description",
        "cost_options": "cost_option",
        "organization_identifiers": "organization_identifier",
        "taxonomies": "taxonomy",
        "service_capacities": "service_capacity",
        "service_capacity": "service_capacity",
        "units": "unit",
    }.items()
}


def _stem(name: str) -> str:
    """Plural and singular file names meet: `service.csv` and `services.csv` are one table."""
    stem = name.lower().removesuffix(".csv")
    if stem in ("funding", "accessibility", "metadata", "service_at_location", "service_capacity"):
        return stem
    if stem == "taxonomy":
        return "taxonomy"
    if stem.endswith("ies"):
        return stem[:-3] + "y"
    return stem.rstrip("s") if stem.endswith("s") and not stem.endswith("ss") else stem


def detect_version(names: set[str]) -> str:
    """1.0, 1.1, 2.0 or 3.0 from which files are there (see the module docstring)."""
    stems = {_stem(n) for n in names}
    if stems & {"service_attribute", "other_attribute"}:
        return "2.0"
    if stems & {"regular_schedule", "holiday_schedule", "services_taxonomy", "service_taxonomy"}:
        return "1.1" if stems & {"services_taxonomy", "service_taxonomy"} else "1.0"
    if names & {"attributes.csv", "addresses.csv", "taxonomies.csv", "taxonomy_terms.csv", "schedules.csv"}:
        return "3.0"
    if "service_at_location.csv" in names:
        return "3.0"
    if stems & {"physical_address", "postal_address", "services_at_location", "taxonomy"}:
        return "1.1"
    raise ImportFailed("cannot tell the HSDS version from the file names (no known HSDS table)")


def read_rows(path: Path, label: str) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, strict=True)
            header = next(reader, None)
            if header is None:
                return [], []
            header = [h.strip() for h in header]
            rows = []
            for values in reader:
                if not any(v.strip() for v in values):
                    rows.append({})
                    continue
                if len(values) > len(header):
                    rows.append({"__bad__": f"{len(values)} values for {len(header)} columns"})
                    continue
                rows.append(dict(zip(header, values, strict=False)))
            return header, rows
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"not UTF-8 text ({exc.reason})", file=label) from None
    except csv.Error as exc:
        raise ImportFailed(f"malformed CSV ({exc}); the file may be truncated", file=label) from None


def _descriptor_check(root: Path, found: dict[str, Path], report: ImportReport) -> None:
    desc = next(iter(sorted(root.rglob("datapackage.json"))), None)
    if desc is None:
        return
    try:
        data = json.loads(desc.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        report.flag("datapackage", desc.name, None, "(file)", "descriptor is not valid JSON: ignored")
        return
    for res in data.get("resources") or []:
        p = res.get("path") if isinstance(res, dict) else None
        if isinstance(p, str) and not (desc.parent / p).exists():
            where = found.get(Path(p).name.lower())
            report.flag(
                "datapackage",
                desc.name,
                None,
                "resources.path",
                "descriptor path does not match the folder; "
                + (f"read {where.relative_to(root)}" if where else "no such file"),
                p,
            )


def read_package(path: str, options: ReadOptions, report: ImportReport) -> Batch:
    root = Path(path)
    if not root.exists():
        raise ImportFailed("no such file or folder", file=path)
    if root.is_file():
        root = root.parent
    found: dict[str, Path] = {}
    for f in sorted(root.rglob("*.csv")):
        found.setdefault(f.name.lower(), f)
    if not found:
        raise ImportFailed("the folder holds no .csv files", file=path)
    version = detect_version(set(found))
    _descriptor_check(root, found, report)
    rows: list[Row] = []
    folded: list[Folded] = []
    for name, f in found.items():
        label = str(f.relative_to(root))
        header, records = read_rows(f, label)
        if version.startswith("3"):
            table = (
                TABLES_3.get(name)
                or TABLES_3.get(f"{_stem(name)}s.csv")
                or TABLES_3.get(f"{_stem(name)}.csv")
            )
            mapper: Callable[..., Any] | None = _three(table) if table else None
        else:
            mapper = LEGACY.get(name.removesuffix(".csv")) or LEGACY.get(_stem(name))
        if mapper is None:
            report.read(name.removesuffix(".csv"), len(records))
            for i, _ in enumerate(records, 1):
                report.reject(
                    name.removesuffix(".csv"), label, i, "(table)", f"no HSDS {version} table of this name"
                )
            continue
        for i, rec in enumerate(records, 1):
            src_table = name.removesuffix(".csv")
            if not rec or "__bad__" in rec:
                report.read(src_table)
                report.reject(
                    src_table, label, i + 1, "(row)", rec.get("__bad__", "empty row") if rec else "empty row"
                )
                continue
            out = mapper(rec, label, i + 1, src_table, report)
            for item in out:
                (folded if isinstance(item, Folded) else rows).append(item)
    map_legacy(rows, folded, report)
    return Batch(rows, "hsds-csv", version)


def _three(table: str) -> Callable[..., list[Row]]:
    cols = set(HSDS_MODELS[table].__table__.columns.keys()) if table in HSDS_MODELS else None

    def mapper(rec: dict[str, str], file: str, row: int, src: str, report: ImportReport) -> list[Row]:
        data: dict[str, Any] = {}
        for k, v in rec.items():
            if cols is not None and k not in cols and table != "metadata":
                if v.strip():
                    report.fix(src, k, "column not in HSDS 3.0: left out")
                continue
            data[k] = v
        if not data.get("id"):
            data["id"] = f"row:{row}"
        return [Row(table, data, file, row, src)]

    return mapper
