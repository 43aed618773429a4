"""Spreadsheets (CSV or XLSX) through a YAML mapping file that names which column is what.

A mapping (see importers/mappings/*.yaml for complete examples)::

    id: [name1, street1, zip]          # columns whose values identify a row in this source
    organization: {name: name1}        # optional; without it each service is its own organization
    service: {name: name1, alternate_name: name2, description: "{name1} in {city}"}
    location: {latitude: latitude, longitude: longitude}
    address: {address_1: street1, city: city, state_province: state, postal_code: zip}
    phone: {number: phone}
    hours: hours                       # free text, parsed into schedules; the text is kept
    eligibility: eligibility           # free text; also read into Open Eligibility terms
    languages: languages               # a comma-separated list
    capacity: {unit: bed, available: total_beds, maximum: total_beds}
    defaults: {address.country: US}

A value is a column name, a template with {column} placeholders, or {value: constant}.
Every spreadsheet row becomes one organization, service, location, address, phone, ...
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any

import yaml

from importers.hours_text import parse_hours
from importers.hsds_csv import read_rows
from importers.report import ImportFailed, ImportReport
from importers.rows import Batch, ReadOptions, Row

TABLES = ("organization", "service", "location", "address", "phone")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def load_mapping(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except OSError as exc:
        raise ImportFailed(f"cannot read the mapping file ({exc.strerror})", file=path) from None
    except yaml.YAMLError as exc:
        raise ImportFailed(f"the mapping file is not valid YAML ({exc})", file=path) from None
    if not isinstance(data, dict):
        raise ImportFailed("the mapping file must be a YAML mapping", file=path)
    return data


def _cell(rec: dict[str, Any], spec: Any) -> Any:
    if isinstance(spec, dict) and "value" in spec:
        return spec["value"]
    if not isinstance(spec, str):
        return None
    if "{" in spec:
        text = _PLACEHOLDER.sub(lambda m: str(rec.get(m.group(1).strip()) or "").strip(), spec)
        text = re.sub(r"\s+", " ", text).strip(" ,-")
        return text or None
    value = rec.get(spec)
    if isinstance(value, str):
        value = value.strip()
    return None if value in ("", None) else value


def _columns(mapping: dict[str, Any]) -> set[str]:
    """Every column the mapping names, to say which ones are missing from the file."""
    out: set[str] = set()

    def walk(spec: Any) -> None:
        if isinstance(spec, str):
            out.update(m.strip() for m in _PLACEHOLDER.findall(spec)) if "{" in spec else out.add(spec)
        elif isinstance(spec, dict) and "value" not in spec:
            for v in spec.values():
                walk(v)
        elif isinstance(spec, list):
            for v in spec:
                walk(v)

    for key, spec in mapping.items():
        if key in ("defaults", "name", "description", "sheet", "source_note"):
            continue
        if key == "capacity" and isinstance(spec, dict):
            walk({k: v for k, v in spec.items() if k in ("available", "maximum")})
            continue
        walk(spec)
    return out


def _read_table(path: Path, sheet: str | None) -> tuple[list[str], list[dict[str, Any]]]:
    label = path.name
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook  # only for .xlsx: openpyxl takes ~0.2 s to import

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise ImportFailed(f"not a readable XLSX workbook ({exc})", file=label) from None
        ws = wb[sheet] if sheet else wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(it, ())]
        rows = [dict(zip(header, values, strict=False)) for values in it]
        wb.close()
        return header, rows
    return read_rows(path, label)


def _source_id(rec: dict[str, Any], id_spec: Any, row: int) -> str:
    cols = id_spec if isinstance(id_spec, list) else [id_spec] if id_spec else []
    if not cols:
        return f"row:{row}"
    parts = [str(rec.get(c) or "").strip().lower() for c in cols]
    if not any(parts):
        return ""
    return hashlib.sha1("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()[:20]


def read_spreadsheet(path: str, options: ReadOptions, report: ImportReport) -> Batch:
    mapping = options.mapping
    if not mapping:
        raise ImportFailed("a spreadsheet needs a mapping file (--mapping FILE)", file=path)
    p = Path(path)
    if not p.is_file():
        raise ImportFailed("no such file", file=path)
    header, records = _read_table(p, mapping.get("sheet"))
    missing = sorted(c for c in _columns(mapping) if c not in header)
    if missing:
        raise ImportFailed(
            f"the mapping names columns the file does not have: {', '.join(missing)}", file=p.name
        )
    defaults: dict[str, Any] = mapping.get("defaults") or {}
    rows: list[Row] = []
    file = p.name
    src = p.stem
    # Capacity figures are as of the file, so a re-import of the same file changes nothing.
    stamp = dt.datetime.fromtimestamp(p.stat().st_mtime, dt.UTC).isoformat()
    for n, rec in enumerate(records, 2):
        if not rec or "__bad__" in rec:
            report.read(src)
            report.reject(src, file, n, "(row)", rec.get("__bad__", "empty row") if rec else "empty row")
            continue
        sid = _source_id(rec, mapping.get("id"), n)
        if not sid:
            report.read(src)
            report.reject(src, file, n, str(mapping.get("id")), "the columns that identify the row are empty")
            continue
        data: dict[str, dict[str, Any]] = {}
        for table in TABLES:
            spec = mapping.get(table) or {}
            values = {fld: _cell(rec, s) for fld, s in spec.items()}
            for key, val in defaults.items():
                t, _, fld = key.partition(".")
                if t == table and values.get(fld) is None:
                    values[fld] = val
            data[table] = values
        org = data["organization"] if mapping.get("organization") else {"name": data["service"].get("name")}
        org.setdefault("description", "")
        rows.append(Row("organization", {**org, "id": sid}, file, n))
        svc = {**data["service"], "id": sid, "organization_id": sid}
        svc.setdefault("status", "active")
        elig = _cell(rec, mapping["eligibility"]) if mapping.get("eligibility") else None
        if elig:
            svc["eligibility_description"] = elig
        rows.append(Row("service", svc, file, n))
        rows.append(
            Row(
                "location",
                {
                    **data["location"],
                    "id": sid,
                    "organization_id": sid,
                    "name": data["location"].get("name") or svc.get("name"),
                },
                file,
                n,
            )
        )
        rows.append(Row("service_at_location", {"id": sid, "service_id": sid, "location_id": sid}, file, n))
        if any(v for k, v in data["address"].items() if k not in ("country", "address_type")):
            addr = {"address_type": "physical", **data["address"], "id": sid, "location_id": sid}
            rows.append(Row("address", addr, file, n))
        if data["phone"].get("number"):
            rows.append(Row("phone", {**data["phone"], "id": sid, "service_id": sid}, file, n))
        hours_text = _cell(rec, mapping["hours"]) if mapping.get("hours") else None
        if hours_text:
            parsed = parse_hours(str(hours_text))
            for i, sched in enumerate(parsed.schedules):
                rows.append(Row("schedule", {**sched, "id": f"{sid}/hours/{i}", "service_id": sid}, file, n))
            if not parsed.ok:
                report.flag(src, file, n, "hours", "hours not fully understood: the text is kept", hours_text)
                rows.append(
                    Row(
                        "schedule",
                        {"id": f"{sid}/hours/text", "service_id": sid, "description": str(hours_text)},
                        file,
                        n,
                    )
                )
        langs = _cell(rec, mapping["languages"]) if mapping.get("languages") else None
        for i, lang in enumerate(x.strip() for x in str(langs or "").split(",")):
            if lang:
                rows.append(
                    Row("language", {"id": f"{sid}/language/{i}", "service_id": sid, "name": lang}, file, n)
                )
        cap = mapping.get("capacity")
        if isinstance(cap, dict) and _cell(rec, cap.get("available")) is not None:
            unit = str(cap.get("unit") or "unit")
            rows.append(Row("unit", {"id": f"unit:{unit}", "name": unit}, file, n))
            rows.append(
                Row(
                    "service_capacity",
                    {
                        "id": sid,
                        "service_id": sid,
                        "unit_id": f"unit:{unit}",
                        "available": _cell(rec, cap["available"]),
                        "maximum": _cell(rec, cap.get("maximum")),
                        "description": cap.get("description"),
                        "updated": cap.get("updated") or stamp,
                    },
                    file,
                    n,
                )
            )
    _dedupe_units(rows)
    return Batch(rows, "spreadsheet", mapping.get("name") or "mapping")


def _dedupe_units(rows: list[Row]) -> None:
    """One unit row per unit name (every row of a bed list says "bed")."""
    seen: set[str] = set()
    keep = []
    for r in rows:
        if r.table == "unit":
            if r.data["id"] in seen:
                continue
            seen.add(r.data["id"])
        keep.append(r)
    rows[:] = keep
