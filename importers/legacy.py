"""HSDS 1.0/1.1/2.0 tables as 3.0 rows.

Each mapper takes one CSV row and returns 3.0 rows (or `Folded` parts of a service). The
differences handled here are the ones the 3.0 migration notes list: addresses split in
physical/postal files, weekday schedules, services_taxonomy and 2.0 attributes (whose
`link_type` named the entity, 3.0's `link_entity`), 1.x `taxonomy.csv` holding terms, the
eligibility/payments/fees tables that 3.0 folds into service fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from importers.legacy_common import Folded, is_uuid, leftover, pick, record_id
from importers.legacy_schedules import holiday_schedule, regular_schedule
from importers.report import ImportReport
from importers.rows import Row


def _simple(
    table: str, rename: dict[str, str], keep: tuple[str, ...], **fixed: Any
) -> Callable[..., list[Any]]:
    def mapper(rec: dict[str, str], file: str, row: int, src: str, report: ImportReport) -> list[Any]:
        data: dict[str, Any] = pick(rec, *keep)
        for old, new in rename.items():
            if rec.get(old, "").strip():
                data[new] = rec[old]
        data.update(fixed)
        data["id"] = record_id(rec, row)
        leftover(rec, set(keep) | set(rename) | {"id"}, src, report)
        return [Row(table, data, file, row, src)]

    return mapper


def _organization(rec: dict[str, str], file: str, row: int, src: str, report: ImportReport) -> list[Any]:
    keep = ("name", "alternate_name", "email", "tax_status", "tax_id", "year_incorporated", "legal_status")
    data: dict[str, Any] = pick(rec, *keep)
    data.update(
        id=record_id(rec, row), description=rec.get("description") or "", website=rec.get("url") or None
    )
    leftover(rec, set(keep) | {"id", "description", "url"}, src, report)
    return [Row("organization", data, file, row, src)]


SERVICE_COLS = (
    "organization_id",
    "program_id",
    "name",
    "alternate_name",
    "description",
    "url",
    "email",
    "status",
    "interpretation_services",
    "application_process",
    "wait_time",
    "fees",
    "accreditations",
    "licenses",
)


def _service(rec: dict[str, str], file: str, row: int, src: str, report: ImportReport) -> list[Any]:
    data: dict[str, Any] = pick(rec, *SERVICE_COLS)
    data["id"] = sid = record_id(rec, row)
    if rec.get("accrediations"):
        data["accreditations"] = rec["accrediations"]
    status = (rec.get("status") or "").strip().lower()
    if status not in ("active", "inactive", "defunct", "temporarily closed"):
        if status:
            report.fix(src, "status", f"unknown status {status!r} read as active")
        data["status"] = "active"
    out: list[Any] = [Row("service", data, file, row, src)]
    if rec.get("location_id", "").strip():  # 1.0: a service named its one location
        out.append(
            Row(
                "service_at_location",
                {"id": f"{sid}@{rec['location_id']}", "service_id": sid, "location_id": rec["location_id"]},
                file,
                row,
                src,
            )
        )
    for i, term in enumerate(t.strip() for t in (rec.get("taxonomy_ids") or "").split(",")):
        if term:
            out.append(
                Row(
                    "attribute",
                    {
                        "id": f"{sid}/taxonomy/{i}",
                        "link_id": sid,
                        "link_entity": "service",
                        "link_type": "service_type",
                        "taxonomy_term_id": term,
                    },
                    file,
                    row,
                    src,
                )
            )
    leftover(rec, set(SERVICE_COLS) | {"id", "accrediations", "location_id", "taxonomy_ids"}, src, report)
    return out


def _address(kind: str) -> Callable[..., list[Any]]:
    keep = (
        "location_id",
        "attention",
        "address_1",
        "city",
        "region",
        "state_province",
        "postal_code",
        "country",
    )

    def mapper(rec: dict[str, str], file: str, row: int, src: str, report: ImportReport) -> list[Any]:
        data: dict[str, Any] = pick(rec, *keep)
        extra = [rec.get(k, "").strip() for k in ("address_2", "address_3", "address_4")]
        data["address_2"] = ", ".join(e for e in extra if e) or None
        data.update(id=record_id(rec, row), address_type=kind)
        leftover(
            rec, set(keep) | {"id", "address_2", "address_3", "address_4", "organization_id"}, src, report
        )
        return [Row("address", data, file, row, src)]

    return mapper


def _taxonomy_link(link_entity: str | None, link_type: str | None) -> Callable[..., list[Any]]:
    def mapper(rec: dict[str, str], file: str, row: int, src: str, report: ImportReport) -> list[Any]:
        link = rec.get("service_id") or rec.get("link_id") or ""
        entity = link_entity or (rec.get("link_type") or "").strip().lower() or "service"
        data = {
            "id": record_id(rec, row),
            "link_id": link,
            "link_entity": entity,
            "link_type": link_type,
            "taxonomy_term_id": rec.get("taxonomy_id") or rec.get("taxonomy_term_id"),
            "value": rec.get("taxonomy_detail") or None,
        }
        return [Row("attribute", data, file, row, src)]

    return mapper


def _taxonomy(rec: dict[str, str], file: str, row: int, src: str, report: ImportReport) -> list[Any]:
    """1.x `taxonomy.csv` holds terms (the codes are their ids)."""
    tid = record_id(rec, row)
    name = rec.get("name") or rec.get("term") or ""
    data = {
        "id": tid,
        "code": tid,
        "name": name,
        "description": rec.get("description") or name,
        "parent_id": rec.get("parent_id") or None,
        "taxonomy": rec.get("vocabulary") or rec.get("taxonomy") or None,
        "language": rec.get("language") or None,
    }
    leftover(
        rec,
        {
            "id",
            "name",
            "term",
            "description",
            "parent_id",
            "parent_name",
            "vocabulary",
            "taxonomy",
            "language",
            "taxonomy_facet",
        },
        src,
        report,
    )
    return [Row("taxonomy_term", data, file, row, src)]


def _fold(fld: str, column: str, prefix: str = "") -> Callable[..., list[Any]]:
    def mapper(rec: dict[str, str], file: str, row: int, src: str, report: ImportReport) -> list[Any]:
        return [
            Folded(
                (rec.get("service_id") or "").strip(),
                fld,
                prefix + (rec.get(column) or "").strip(),
                file,
                row,
                src,
            )
        ]

    return mapper


def _language(rec: dict[str, str], file: str, row: int, src: str, report: ImportReport) -> list[Any]:
    data = pick(rec, "service_id", "location_id", "phone_id")
    rid = record_id(rec, row)
    if not is_uuid(rid):
        # Exports such as Miami 211's reuse the service's id for each of its languages.
        rid = f"{rid}/{(rec.get('language') or '').strip().lower()}"
    data.update(id=rid, name=rec.get("language") or None)
    return [Row("language", data, file, row, src)]


LEGACY: dict[str, Callable[..., list[Any]]] = {
    "organization": _organization,
    "program": _simple("program", {}, ("organization_id", "name", "alternate_name"), description=""),
    "service": _service,
    "services_taxonomy": _taxonomy_link("service", "service_type"),
    "service_taxonomy": _taxonomy_link("service", "service_type"),
    "service_attribute": _taxonomy_link("service", None),
    "other_attribute": _taxonomy_link(None, None),
    "services_at_location": _simple("service_at_location", {}, ("service_id", "location_id", "description")),
    "service_at_location": _simple("service_at_location", {}, ("service_id", "location_id", "description")),
    "location": _simple(
        "location",
        {},
        (
            "organization_id",
            "name",
            "alternate_name",
            "description",
            "transportation",
            "latitude",
            "longitude",
        ),
        location_type="physical",
    ),
    "phone": _simple(
        "phone",
        {"department": "description"},
        (
            "location_id",
            "service_id",
            "organization_id",
            "contact_id",
            "service_at_location_id",
            "number",
            "extension",
            "type",
            "description",
        ),
    ),
    "contact": _simple(
        "contact",
        {},
        ("organization_id", "service_id", "service_at_location_id", "name", "title", "department", "email"),
    ),
    "physical_addresses": _address("physical"),
    "postal_addresses": _address("postal"),
    "regular_schedule": regular_schedule,
    "holiday_schedule": holiday_schedule,
    "schedule": _simple(
        "schedule",
        {},
        (
            "service_id",
            "location_id",
            "service_at_location_id",
            "valid_from",
            "valid_to",
            "dtstart",
            "timezone",
            "until",
            "count",
            "wkst",
            "freq",
            "interval",
            "byday",
            "byweekno",
            "bymonthday",
            "byyearday",
            "description",
            "opens_at",
            "closes_at",
        ),
    ),
    "funding": _simple("funding", {}, ("organization_id", "service_id", "source")),
    "eligibility": _fold("eligibility_description", "eligibility"),
    "payments_accepted": _fold("fees_description", "payment", "Payment accepted: "),
    "fee": _fold("fees", "fee"),
    "interpretation_service": _fold("interpretation_services", "language"),
    "service_area": _simple("service_area", {"service_area": "name"}, ("service_id", "description")),
    "required_document": _simple("required_document", {}, ("service_id", "document")),
    "language": _language,
    "accessibility_for_disabilities": _simple(
        "accessibility", {"accessibility": "description"}, ("location_id", "details")
    ),
    "taxonomy": _taxonomy,
    "taxonomy_term": _taxonomy,
    "metadata": _simple(
        "metadata",
        {},
        (
            "resource_id",
            "resource_type",
            "last_action_date",
            "last_action_type",
            "field_name",
            "previous_value",
            "replacement_value",
            "updated_by",
        ),
    ),
    "meta_table_description": _simple("meta_table_description", {}, ("name", "language", "character_set")),
}


def map_legacy(rows: list[Row], folded: list[Folded], report: ImportReport) -> None:
    """Fold side-table text into its service; a part without a service is rejected, not dropped."""
    if not folded:
        return
    services = {str(r.data["id"]): r for r in rows if r.table == "service"}
    for part in folded:
        target = services.get(part.service_id)
        if not part.text or target is None:
            report.read(part.source_table)
            reason = (
                "empty text"
                if not part.text
                else "service_id is empty: cannot attach it to a service"
                if not part.service_id
                else f"no service with id {part.service_id} in this source"
            )
            report.reject(
                part.source_table,
                part.file,
                part.row,
                "service_id" if part.text else part.field,
                reason,
                part.text,
            )
            continue
        current = target.data.get(part.field)
        target.data[part.field] = f"{current}\n{part.text}" if current else part.text
        target.folded.append((part.source_table, part.file, part.row))
