"""HSDS JSON and tabular imports on the spec's own examples and the 1.1 sample package."""

from __future__ import annotations

import http.server
import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import Address, Location, Metadata, Schedule, Service, ServiceStatus
from importers import ImportFailed, run_import
from importers.models import SourceRecord
from importers.operations import entity_id
from tests.conftest import shared_path

SERVICE_ID = uuid.UUID("ac148810-d857-441c-9679-408f346de14b")


def _count(db: Session, model: Any) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_spec_json_examples_keep_their_uuids(db: Session) -> None:
    report = run_import(db, str(shared_path("hsds", "spec-examples-3.0", "json")), source="spec")
    assert report.balanced
    assert report.version == "3.0"
    svc = db.get(Service, SERVICE_ID)
    assert svc is not None
    assert svc.name == "Community Counselling"
    assert report.counts("service").created >= 1
    # The examples' own inconsistencies are reported, not hidden.
    for issue in report.rejected:
        assert issue.file
        assert issue.field
        assert issue.reason


def test_reimport_creates_nothing(db: Session) -> None:
    path = str(shared_path("hsds", "spec-examples-3.0", "json"))
    run_import(db, path, source="spec")
    before = _count(db, Metadata)
    again = run_import(db, path, source="spec")
    assert again.total("created") == 0
    assert again.total("updated") == 0
    assert again.balanced
    assert _count(db, Metadata) == before


def test_changed_field_is_updated_and_logged(db: Session, tmp_path: Path) -> None:
    data = json.loads(shared_path("hsds", "spec-examples-3.0", "json", "service_full.json").read_text())
    f = tmp_path / "service.json"
    f.write_text(json.dumps(data))
    run_import(db, str(f), source="feed")
    data["name"] = "Community Counselling Centre"
    f.write_text(json.dumps(data))
    report = run_import(db, str(f), source="feed")
    assert report.counts("service").updated == 1
    log = db.scalars(
        select(Metadata).where(
            Metadata.resource_id == SERVICE_ID, Metadata.field_name == "name", Metadata.updated_by == "test"
        )
    ).all()
    assert [(m.previous_value, m.replacement_value) for m in log] == [
        ("Community Counselling", "Community Counselling Centre")
    ]


def test_record_missing_from_full_reimport_becomes_inactive(db: Session, tmp_path: Path) -> None:
    f = tmp_path / "services.ndjson"
    a = {"id": str(uuid.uuid4()), "name": "Food Pantry", "status": "active"}
    b = {"id": str(uuid.uuid4()), "name": "Night Shelter", "status": "active"}
    f.write_text(json.dumps(a) + "\n" + json.dumps(b) + "\n")
    run_import(db, str(f), source="feed")
    f.write_text(json.dumps(a) + "\n")
    report = run_import(db, str(f), source="feed")
    assert report.deactivated == {"service": 1}
    gone = db.get(Service, uuid.UUID(b["id"]))
    assert gone is not None
    assert gone.status == ServiceStatus.inactive
    f.write_text(json.dumps(a) + "\n" + json.dumps(b) + "\n")
    run_import(db, str(f), source="feed")
    assert db.get(Service, uuid.UUID(b["id"])).status == ServiceStatus.active


def test_dry_run_writes_nothing(db: Session) -> None:
    report = run_import(
        db, str(shared_path("hsds", "spec-examples-3.0", "json")), source="spec", dry_run=True
    )
    assert report.counts("service").created >= 1
    assert db.get(Service, SERVICE_ID) is None
    assert _count(db, SourceRecord) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[{"id": "ac148810-d857-441c-9679-408f346de14b", "name": "Trunc', "not valid JSON"),
        ("", "empty"),
        ('{"id": 1}\n{"id": 2, "name": ', "may be truncated"),
    ],
)
def test_malformed_json_is_a_clear_error(db: Session, tmp_path: Path, content: str, message: str) -> None:
    f = tmp_path / "broken.json"
    f.write_text(content)
    with pytest.raises(ImportFailed, match=message) as info:
        run_import(db, str(f), source="broken")
    assert "broken.json" in str(info.value)


def test_bad_values_are_rejected_with_file_row_field(db: Session, tmp_path: Path) -> None:
    f = tmp_path / "services.json"
    rows = [
        {"id": "not-a-uuid-but-a-source-id", "name": "Kept with a UUIDv5", "status": "active"},
        {"id": str(uuid.uuid4()), "name": "", "status": "active"},
        {"id": str(uuid.uuid4()), "name": "Bad status", "status": "sometimes"},
        {"id": str(uuid.uuid4()), "name": "Bad email", "status": "active", "email": "nobody"},
    ]
    f.write_text(json.dumps(rows))
    report = run_import(db, str(f), source="feed")
    counts = report.counts("service")
    assert (counts.read, counts.created, counts.rejected) == (4, 2, 2)
    assert {(i.row, i.field) for i in report.rejected} == {(2, "name"), (3, "status")}
    assert any(i.field == "email" for i in report.flags)
    assert db.get(Service, entity_id("feed", "service", "not-a-uuid-but-a-source-id")) is not None


def test_spec_csv_examples(db: Session) -> None:
    report = run_import(db, str(shared_path("hsds", "spec-examples-3.0", "csv")), source="spec-csv")
    assert report.format == "hsds-csv"
    assert report.version == "3.0"
    assert report.balanced
    assert db.get(Service, SERVICE_ID) is not None


def test_hsds_11_sample_datapackage(db: Session) -> None:
    report = run_import(db, str(shared_path("hsds", "sample-datapackage-1.1", "all_resources")), source="s11")
    assert report.version == "1.1"
    assert report.balanced
    assert report.counts("services").created == 13
    assert report.counts("eligibility").rejected == 0
    # Numbered weekdays (1 = Monday) became weekly schedules.
    days = set(db.scalars(select(Schedule.byday).where(Schedule.freq == "WEEKLY")))
    assert {"MO", "TU", "WE"} <= days
    assert _count(db, Address) >= 2


class _Pages(http.server.BaseHTTPRequestHandler):
    items: list[dict[str, Any]] = []

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        from urllib.parse import parse_qs, urlsplit

        parts = urlsplit(self.path)
        if parts.path != "/services":
            self.send_error(404)
            return
        page = int(parse_qs(parts.query).get("page", ["1"])[0])
        body = {
            "total_items": len(self.items), "total_pages": len(self.items), "page_number": page, "size": 1,
            "first_page": page == 1, "last_page": page == len(self.items), "empty": False,
            "contents": [self.items[page - 1]],
        }  # fmt: skip
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hsds_api() -> Iterator[str]:
    full = json.loads(shared_path("hsds", "spec-examples-3.0", "json", "service_full.json").read_text())
    second = {"id": str(uuid.uuid4()), "name": "Second page service", "status": "active"}
    third = {"id": str(uuid.uuid4()), "name": "Third page service", "status": "active"}
    _Pages.items = [full, second, third]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_api_base_url_follows_every_page(db: Session, hsds_api: str) -> None:
    report = run_import(db, hsds_api, source="api")
    assert report.counts("service").created == 3
    assert db.scalar(select(Service.name).where(Service.name == "Third page service"))
    locs = db.scalars(select(Location)).all()
    assert locs
    assert all(loc.geocode_precision for loc in locs if loc.latitude is not None)


def _logged(db: Session, action: str) -> dict[Any, list[Metadata]]:
    out: dict[Any, list[Metadata]] = {}
    for m in db.scalars(select(Metadata).where(Metadata.last_action_type == action)):
        out.setdefault(m.resource_id, []).append(m)
    return out


def test_created_records_get_exactly_one_create_row_each(db: Session) -> None:
    """New records are inserted in bulk; the change log still has one "create" row per
    record, by the importing actor, and no other row."""
    before = _count(db, Metadata)
    report = run_import(db, str(shared_path("hsds", "spec-examples-3.0", "json")), source="spec")
    created = report.total("created")
    kept_history = report.counts("metadata").created  # the source's own change-log rows
    assert created - kept_history > 10
    creates = _logged(db, "create")
    assert _count(db, Metadata) - before == created
    assert sum(len(v) for v in creates.values()) == created - kept_history
    assert all(len(v) == 1 for v in creates.values())
    svc_log = creates[SERVICE_ID][0]
    assert (svc_log.resource_type, svc_log.updated_by, svc_log.field_name) == ("service", "test", "")
    assert svc_log.last_action_date.endswith("Z")
    svc = db.get(Service, SERVICE_ID)
    assert svc is not None
    assert svc.last_modified is not None


def test_a_mixed_import_creates_new_records_and_logs_changed_fields(db: Session, tmp_path: Path) -> None:
    f = tmp_path / "services.ndjson"
    a = {"id": str(uuid.uuid4()), "name": "Food Pantry", "status": "active", "description": "Food."}
    b = {"id": str(uuid.uuid4()), "name": "Night Shelter", "status": "active", "description": "Beds."}
    f.write_text(json.dumps(a) + "\n" + json.dumps(b) + "\n")
    run_import(db, str(f), source="feed")
    b["description"] = "Beds for the night."
    c = {"id": str(uuid.uuid4()), "name": "Legal Clinic", "status": "active", "description": "Advice."}
    f.write_text("\n".join(json.dumps(x) for x in (a, b, c)) + "\n")
    report = run_import(db, str(f), source="feed")
    counts = report.counts("service")
    assert (counts.created, counts.updated, counts.unchanged) == (1, 1, 1)
    updates = _logged(db, "update")
    assert [(m.field_name, m.previous_value, m.replacement_value) for m in updates[uuid.UUID(b["id"])]] == [
        ("description", "Beds.", "Beds for the night.")
    ]
    assert uuid.UUID(c["id"]) in _logged(db, "create")
    assert uuid.UUID(c["id"]) not in updates
    assert db.get(Service, uuid.UUID(c["id"])).name == "Legal Clinic"  # type: ignore[union-attr]


def test_a_location_created_without_coordinates_is_geocoded(db: Session, tmp_path: Path) -> None:
    loc_id = str(uuid.uuid4())
    svc = {
        "id": str(uuid.uuid4()),
        "name": "Harbor Pantry",
        "status": "active",
        "description": "Food.",
        "service_at_locations": [
            {
                "id": str(uuid.uuid4()),
                "location": {
                    "id": loc_id,
                    "location_type": "physical",
                    "name": "Harbor Pantry",
                    "addresses": [
                        {
                            "id": str(uuid.uuid4()),
                            "address_1": "100 Main St",
                            "city": "Columbus",
                            "state_province": "OH",
                            "postal_code": "43215",
                            "country": "US",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
    }
    f = tmp_path / "one.json"
    f.write_text(json.dumps(svc))
    report = run_import(db, str(f), source="feed")
    assert report.balanced
    loc = db.get(Location, uuid.UUID(loc_id))
    assert loc is not None
    assert loc.geocode_precision in ("postcode", "city", "street", "rooftop")
    assert 39.8 < (loc.latitude or 0) < 40.2
    assert [m.last_action_type for m in _logged(db, "create")[uuid.UUID(loc_id)]] == ["create"]
    assert uuid.UUID(loc_id) not in _logged(db, "update")


def test_a_failed_import_leaves_nothing_behind(db: Session, tmp_path: Path) -> None:
    """Bulk inserts are part of the import's transaction: a failure takes them back."""
    f = tmp_path / "services.ndjson"
    rows = [{"id": str(uuid.uuid4()), "name": f"Pantry {i}", "status": "active"} for i in range(5)]
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\n" + '{"id": "broken", "name": \n')
    before = (_count(db, Service), _count(db, Metadata))
    with pytest.raises(ImportFailed):
        run_import(db, str(f), source="feed")
    assert (_count(db, Service), _count(db, Metadata)) == before
