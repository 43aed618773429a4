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

from importers import ImportFailed, run_import
from importers.models import SourceRecord
from importers.operations import entity_id
from resources.models import Address, Location, Metadata, Schedule, Service, ServiceStatus
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
