"""Where a source's rows wait between reading and preparing (`importers.rows.RowSpill`): on
disk, merged by record, parents first, and gone when the import ends, whatever the ending."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import Phone, Service
from importers import run_import
from importers.hsds_json import Flattener
from importers.report import ImportFailed, ImportReport
from importers.rows import Row, RowSpill
from tests.conftest import migrate


def _spill(tmp_path: Path) -> RowSpill:
    return RowSpill(str(tmp_path))


def test_fragments_of_one_record_merge_later_values_over_earlier(tmp_path: Path) -> None:
    spill = _spill(tmp_path)
    spill.add(Row("service", {"id": "s1", "name": "Old name", "email": "a@example.org"}, "f", 1), "s1")
    spill.add(Row("service", {"id": "s1", "name": "New name", "email": None, "url": ""}, "f", 2), "s1")
    spill.add(Row("service", {"id": "s1", "status": "active", "url": "https://x.example"}, "f", 3), "s1")
    rows = [row for _, row in spill.rows()]
    assert len(rows) == 1
    assert spill.count() == 1
    # None never replaces a value; "" does, unless the fragment was added skip_empty.
    assert rows[0].data == {
        "id": "s1",
        "name": "New name",
        "email": "a@example.org",
        "url": "https://x.example",
        "status": "active",
    }
    assert (rows[0].file, rows[0].row) == ("f", 1)  # the record is named where it first came
    spill.close()


def test_skip_empty_fragments_keep_a_value_against_an_empty_text(tmp_path: Path) -> None:
    spill = _spill(tmp_path)
    spill.add(Row("organization", {"id": "o1", "name": "Harbor House"}, "a", 1), "o1", skip_empty=True)
    spill.add(Row("organization", {"id": "o1", "name": ""}, "b", 1), "o1", skip_empty=True)
    assert [row.data["name"] for _, row in spill.rows()] == ["Harbor House"]
    spill.close()


def test_tables_come_parents_first_and_rows_without_a_key_one_by_one(tmp_path: Path) -> None:
    spill = _spill(tmp_path)
    spill.add(Row("widget", {"id": "w"}, "f", 1, "widget"))
    spill.add(Row("metadata", {"id": "m"}, "f", 2))
    spill.add(Row("service", {"id": "s2"}, "f", 3))
    spill.add(Row("service", {"id": "s2"}, "f", 4))  # a repeated id stays two rows: reported later
    spill.add(Row("organization", {"id": "o1"}, "f", 5))
    spill.add(Row("service", {"id": "s1"}, "f", 6))
    order = [(row.table, row.row) for _, row in spill.rows()]
    assert order == [
        ("organization", 5),
        ("service", 3),
        ("service", 4),
        ("service", 6),
        ("metadata", 2),
        ("widget", 1),
    ]
    assert spill.count() == 6
    assert spill.tables() == {"organization", "service", "metadata", "widget"}
    assert [row.row for _, row in spill.rows("service")] == [3, 4, 6]
    assert [row.table for _, row in spill.rows("widget")] == ["widget"]
    spill.close()


def test_values_marshal_cannot_write_come_back_as_they_went(tmp_path: Path) -> None:
    spill = _spill(tmp_path)
    opened = dt.datetime(2026, 3, 1, 9, 30)
    spill.add(Row("service", {"id": "s", "assured_date": opened.date(), "at": opened}, "x.xlsx", 2))
    spill.add(Row("service", {"id": "t", "name": "plain"}, "x.xlsx", 3, folded=[("a", "b")]))
    rows = [row for _, row in spill.rows()]
    assert rows[0].data == {"id": "s", "assured_date": opened.date(), "at": opened}
    assert rows[1].data == {"id": "t", "name": "plain"}
    assert rows[1].folded == [("a", "b")]
    spill.close()


def test_the_numbers_rows_come_with_name_them_while_the_spill_lives(tmp_path: Path) -> None:
    spill = _spill(tmp_path)
    for i in range(25_000):  # more than one chunk written and read
        spill.add(Row("service", {"id": f"s{i:05d}", "n": i}, "f", i), f"s{i:05d}")
    first = dict(spill.rows("service"))
    assert len(first) == 25_000
    again = dict(spill.rows())
    assert {n: r.data for n, r in first.items()} == {n: r.data for n, r in again.items()}
    spill.close()


def test_close_removes_the_file_and_a_forgotten_spill_removes_it_too(tmp_path: Path) -> None:
    spill = _spill(tmp_path)
    spill.add(Row("service", {"id": "s"}, "f", 1))
    path = Path(spill.path)
    assert path.exists()
    assert path.parent == tmp_path
    spill.close()
    assert not path.exists()
    forgotten = _spill(tmp_path)
    other = Path(forgotten.path)
    del forgotten
    assert not other.exists()


def test_nested_records_without_ids_are_named_by_their_place_not_by_the_file(tmp_path: Path) -> None:
    """A phone without an id inside a service is `{service}/phones/{i}`: adding other lines
    to the feed does not rename it (and so does not replace it on the next import)."""
    line = {"id": "svc-1", "name": "Crisis line", "phones": [{"number": "555-0100"}, {"number": "555-0101"}]}
    other = {"id": "svc-0", "name": "Pantry", "phones": [{"number": "555-0199"}]}

    def phone_ids(lines: list[dict[str, object]]) -> set[str]:
        flat = Flattener(ImportReport(source="t", format="hsds-json", path="f", dry_run=True))
        for n, obj in enumerate(lines, 1):
            flat.add_top(obj, "f.ndjson", n, "service")
        ids = {str(r.data["id"]) for _, r in flat.rows.rows("phone") if r.data.get("service_id") == "svc-1"}
        flat.rows.close()
        return ids

    assert phone_ids([line]) == {"svc-1/phones/0", "svc-1/phones/1"}
    assert phone_ids([other, line]) == phone_ids([line])


def _catalog(tmp_path: Path) -> Session:
    engine = migrate(f"sqlite:///{tmp_path / 'catalog.db'}")
    return Session(engine)


def _spills(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.startswith(".linkage-read-"))


def test_an_import_leaves_no_scratch_file_whether_it_lands_or_fails(tmp_path: Path) -> None:
    feed = tmp_path / "feed.ndjson"
    services = [
        {"id": f"svc-{i}", "name": f"Service {i}", "phones": [{"number": f"555-01{i:02d}"}]} for i in range(3)
    ]
    feed.write_text("".join(json.dumps(s) + "\n" for s in services), encoding="utf-8")
    broken = tmp_path / "broken.ndjson"
    lines = [json.dumps(services[0]), json.dumps(services[1]), '{"id": "svc-']
    broken.write_text("\n".join(lines), encoding="utf-8")
    with _catalog(tmp_path) as db:
        report = run_import(db, str(feed), source="county")
        db.commit()
        assert report.tables["service"].created == 3
        assert db.scalar(select(func.count()).select_from(Phone)) == 3
        assert _spills(tmp_path) == []
        with pytest.raises(ImportFailed, match="truncated") as failed:
            run_import(db, str(broken), source="county")
        assert failed.value.row == 3
        db.rollback()
        assert _spills(tmp_path) == []
        assert db.scalar(select(func.count()).select_from(Service)) == 3
    db.get_bind().dispose()  # type: ignore[union-attr]
