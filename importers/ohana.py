"""The Ohana API CSV layout (organizations, locations, services, addresses, mail_addresses, ...).

Ohana hangs services on a location (services.location_id) and keeps lists in text columns
(languages, accessibility, service_areas, required documents, taxonomy ids); each becomes
its HSDS 3.0 rows. Columns HSDS 3.0 has no place for are counted as left out in the report.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from importers.hsds_csv import read_rows
from importers.legacy_common import ALL_DAYS, WEEKDAYS
from importers.normalize import clock
from importers.report import ImportFailed, ImportReport
from importers.rows import Batch, ReadOptions, Row

FILES = (
    "organizations",
    "programs",
    "locations",
    "services",
    "addresses",
    "mail_addresses",
    "contacts",
    "phones",
    "regular_schedules",
    "holiday_schedules",
    "taxonomy",
)


def _split(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]


def _date(text: str | None) -> str | None:
    text = (text or "").strip()
    for fmt in ("%B %d, %Y", "%m/%d/%Y", "%m/%d/%y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


class _Ohana:
    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.rows: list[Row] = []
        self.location_org: dict[str, str] = {}

    def emit(self, table: str, data: dict[str, Any], file: str, row: int, src: str) -> None:
        self.rows.append(Row(table, data, file, row, src))

    def leftover(self, rec: dict[str, str], used: set[str], src: str) -> None:
        for k, v in rec.items():
            if k not in used and v and v.strip():
                self.report.fix(src, k, "column not in HSDS 3.0: left out")

    def organization(self, rec: dict[str, str], f: str, n: int) -> None:
        oid = rec["id"]
        year = (rec.get("date_incorporated") or "")[-4:]
        data = {
            "id": oid,
            "name": rec.get("name"),
            "alternate_name": rec.get("alternate_name"),
            "description": rec.get("description") or "",
            "email": rec.get("email"),
            "website": rec.get("website"),
            "tax_status": rec.get("tax_status"),
            "tax_id": rec.get("tax_id"),
            "legal_status": rec.get("legal_status"),
            "year_incorporated": year if year.isdigit() else None,
        }
        self.emit("organization", data, f, n, "organizations")
        for i, src in enumerate(_split(rec.get("funding_sources"))):
            self.emit(
                "funding",
                {"id": f"organization:{oid}/funding/{i}", "organization_id": oid, "source": src},
                f,
                n,
                "organizations.funding_sources",
            )
        self.leftover(rec, set(data) | {"date_incorporated", "funding_sources"}, "organizations")

    def location(self, rec: dict[str, str], f: str, n: int) -> None:
        lid = rec["id"]
        self.location_org[lid] = rec.get("organization_id", "")
        virtual = (rec.get("virtual") or "").strip().lower() in ("true", "t", "1", "yes")
        data = {
            "id": lid,
            "organization_id": rec.get("organization_id"),
            "name": rec.get("name"),
            "alternate_name": rec.get("alternate_name"),
            "description": rec.get("description") or rec.get("short_desc"),
            "transportation": rec.get("transportation"),
            "latitude": rec.get("latitude"),
            "longitude": rec.get("longitude"),
            "url": rec.get("website"),
            "location_type": "virtual" if virtual else "physical",
        }
        self.emit("location", data, f, n, "locations")
        for i, lang in enumerate(_split(rec.get("languages"))):
            self.emit(
                "language",
                {"id": f"location:{lid}/language/{i}", "location_id": lid, "name": lang},
                f,
                n,
                "locations.languages",
            )
        for i, item in enumerate(_split(rec.get("accessibility"))):
            self.emit(
                "accessibility",
                {
                    "id": f"location:{lid}/accessibility/{i}",
                    "location_id": lid,
                    "description": item.replace("_", " "),
                },
                f,
                n,
                "locations.accessibility",
            )
        self.leftover(
            rec, set(data) | {"website", "virtual", "languages", "accessibility", "short_desc"}, "locations"
        )

    def service(self, rec: dict[str, str], f: str, n: int) -> None:
        sid, lid = rec["id"], rec.get("location_id", "")
        eligibility = "\n".join(p for p in (rec.get("eligibility"), rec.get("audience")) if p and p.strip())
        data = {
            "id": sid,
            "organization_id": self.location_org.get(lid) or None,
            "program_id": rec.get("program_id"),
            "name": rec.get("name"),
            "alternate_name": rec.get("alternate_name"),
            "description": rec.get("description"),
            "url": rec.get("website"),
            "email": rec.get("email"),
            "status": (rec.get("status") or "active").strip().lower() or "active",
            "interpretation_services": rec.get("interpretation_services"),
            "application_process": rec.get("application_process"),
            "wait_time": rec.get("wait_time"),
            "fees": rec.get("fees"),
            "fees_description": rec.get("accepted_payments") or None,
            "eligibility_description": eligibility or None,
        }
        self.emit("service", data, f, n, "services")
        if lid:
            self.emit(
                "service_at_location",
                {"id": f"{sid}@{lid}", "service_id": sid, "location_id": lid},
                f,
                n,
                "services.location_id",
            )
        lists = (
            ("languages", "language", "name"),
            ("required_documents", "required_document", "document"),
            ("service_areas", "service_area", "name"),
            ("funding_sources", "funding", "source"),
        )
        for col, table, fld in lists:
            for i, item in enumerate(_split(rec.get(col))):
                self.emit(
                    table,
                    {"id": f"service:{sid}/{table}/{i}", "service_id": sid, fld: item},
                    f,
                    n,
                    f"services.{col}",
                )
        for i, code in enumerate(_split(rec.get("taxonomy_ids"))):
            self.emit(
                "attribute",
                {
                    "id": f"{sid}/taxonomy/{i}",
                    "link_id": sid,
                    "link_entity": "service",
                    "link_type": "service_type",
                    "taxonomy_term_id": code,
                },
                f,
                n,
                "services.taxonomy_ids",
            )
        used = set(data) | {
            "location_id",
            "website",
            "accepted_payments",
            "eligibility",
            "audience",
            "taxonomy_ids",
        }
        self.leftover(rec, used | {c for c, _, _ in lists}, "services")

    def address(self, rec: dict[str, str], f: str, n: int, kind: str, src: str) -> None:
        data = {
            k: rec.get(k)
            for k in (
                "location_id",
                "attention",
                "address_1",
                "address_2",
                "city",
                "state_province",
                "postal_code",
                "country",
            )
        }
        data.update(id=f"{kind}:{rec['id']}", address_type=kind)
        self.emit("address", data, f, n, src)

    def phone(self, rec: dict[str, str], f: str, n: int) -> None:
        keys = ("contact_id", "location_id", "organization_id", "service_id", "number", "extension")
        data: dict[str, Any] = {k: rec.get(k) for k in keys}
        data.update(
            id=rec["id"], type=rec.get("number_type") or None, description=rec.get("department") or None
        )
        self.emit("phone", data, f, n, "phones")
        self.leftover(rec, set(keys) | {"id", "number_type", "department", "country_prefix"}, "phones")

    def schedule(self, rec: dict[str, str], f: str, n: int, holiday: bool) -> None:
        data: dict[str, Any] = {
            "id": f"holiday:{rec['id']}" if holiday else rec["id"],
            "location_id": rec.get("location_id"),
            "service_id": rec.get("service_id"),
        }
        src = "holiday_schedules" if holiday else "regular_schedules"
        if holiday:
            closed = (rec.get("closed") or "").strip().lower() in ("true", "t", "1")
            data.update(
                valid_from=_date(rec.get("start_date")),
                valid_to=_date(rec.get("end_date")),
                description="Closed" if closed else "Holiday hours",
            )
            if not closed:
                data.update(opens_at=clock(rec.get("opens_at")), closes_at=clock(rec.get("closes_at")))
        else:
            day = (rec.get("weekday") or "").strip().lower()
            data.update(
                freq="WEEKLY",
                byday=WEEKDAYS.get(day) or (ALL_DAYS if day == "daily" else None),
                opens_at=clock(rec.get("opens_at")),
                closes_at=clock(rec.get("closes_at")),
            )
            if data["byday"] is None:
                data["description"] = f"{rec.get('weekday')} {rec.get('opens_at')}-{rec.get('closes_at')}"
        self.emit("schedule", data, f, n, src)

    def taxonomy(self, rec: dict[str, str], f: str, n: int) -> None:
        code = (rec.get("taxonomy_id") or rec.get("id") or "").strip()
        data = {
            "id": code,
            "code": code,
            "name": rec.get("name"),
            "description": rec.get("name"),
            "parent_id": rec.get("parent_id") or None,
            "taxonomy": "Open Eligibility",
        }
        self.emit("taxonomy_term", data, f, n, "taxonomy")


def read_ohana(path: str, options: ReadOptions, report: ImportReport) -> Batch:
    root = Path(path)
    if not root.is_dir():
        raise ImportFailed("an Ohana export is a folder of CSV files", file=path)
    found = {f.stem.lower(): f for f in sorted(root.rglob("*.csv"))}
    if "organizations" not in found or "locations" not in found:
        raise ImportFailed("an Ohana export needs organizations.csv and locations.csv", file=path)
    o = _Ohana(report)
    for name in FILES:
        f = found.get(name)
        if f is None:
            continue
        label = str(f.relative_to(root))
        _header, records = read_rows(f, label)
        for i, rec in enumerate(records, 2):
            if not rec or "__bad__" in rec or not (rec.get("id") or rec.get("taxonomy_id") or "").strip():
                report.read(name)
                report.reject(
                    name, label, i, "(row)", rec.get("__bad__", "row without an id") if rec else "empty row"
                )
                continue
            if name == "organizations":
                o.organization(rec, label, i)
            elif name == "programs":
                o.emit(
                    "program",
                    {
                        "id": rec["id"],
                        "organization_id": rec.get("organization_id"),
                        "name": rec.get("name"),
                        "alternate_name": rec.get("alternate_name"),
                        "description": "",
                    },
                    label,
                    i,
                    "programs",
                )
            elif name == "locations":
                o.location(rec, label, i)
            elif name == "services":
                o.service(rec, label, i)
            elif name in ("addresses", "mail_addresses"):
                o.address(rec, label, i, "physical" if name == "addresses" else "postal", name)
            elif name == "contacts":
                keys = (
                    "location_id",
                    "organization_id",
                    "service_id",
                    "name",
                    "title",
                    "email",
                    "department",
                )
                o.emit("contact", {"id": rec["id"], **{k: rec.get(k) for k in keys}}, label, i, "contacts")
            elif name == "phones":
                o.phone(rec, label, i)
            elif name in ("regular_schedules", "holiday_schedules"):
                o.schedule(rec, label, i, name == "holiday_schedules")
            elif name == "taxonomy":
                o.taxonomy(rec, label, i)
    return Batch(o.rows, "ohana-csv", "ohana")
