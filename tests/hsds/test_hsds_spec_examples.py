"""The spec's own examples, loaded, come back out of the API and the export as the spec shows them."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hsds.export import export_hsds
from hsds.mapping import from_hsds
from tests.conftest import shared_path
from tests.hsds.conftest import validate, validate_page


def example(name: str) -> dict[str, Any]:
    return json.loads(shared_path("hsds", "spec-examples-3.0", "json", name).read_text())


def plain(value: Any) -> Any:
    """Without change logs, nulls and empty lists (ours are logged; absent and empty are equal)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != "metadata" and v is not None and v != []}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def contains(big: Any, small: Any) -> bool:
    """Every field of `small`, at every depth, is in `big` with the same value."""
    if isinstance(small, dict):
        return isinstance(big, dict) and all(k in big and contains(big[k], v) for k, v in small.items())
    if isinstance(small, list):
        return isinstance(big, list) and len(big) == len(small) and all(map(contains, big, small))
    return big == small


@pytest.fixture
def examples(db: Session) -> None:
    from_hsds(db, "service", example("service_full.json"))
    from_hsds(db, "taxonomy", example("taxonomy.json"))
    from_hsds(db, "taxonomy_term", example("taxonomy_term.json"))
    org = example("organization_full.json")
    org.pop("services")
    from_hsds(db, "organization", org)
    db.flush()


@pytest.mark.usefixtures("examples")
def test_service_by_id_equals_service_full_example(client: Any) -> None:
    ours = client.get("/hsds/services/ac148810-d857-441c-9679-408f346de14b").get_json()
    validate(ours, "service.json")
    assert plain(ours) == plain(example("service_full.json"))


@pytest.mark.usefixtures("examples")
@pytest.mark.parametrize(
    ("path", "name", "schema"),
    [
        ("taxonomies/5c4d79d7-cc55-470e-9f1f-8cad074e4892", "taxonomy.json", "taxonomy.json"),
        ("taxonomy_terms/3f7b145d-84af-42d7-8fae-eaca714b02b2", "taxonomy_term.json", "taxonomy_term.json"),
    ],
)
def test_taxonomy_records_equal_their_examples(client: Any, path: str, name: str, schema: str) -> None:
    ours = client.get(f"/hsds/{path}").get_json()
    validate(ours, schema)
    assert plain(ours) == plain(example(name))


@pytest.mark.usefixtures("examples")
def test_organization_by_id_holds_the_organization_full_example(client: Any) -> None:
    ours = client.get("/hsds/organizations/d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610?full_service=true").get_json()
    validate(ours, "organization.json")
    theirs = example("organization_full.json")
    services = theirs.pop("services")
    assert contains(plain(ours), plain(theirs))
    assert [s["id"] for s in ours["services"]] == [s["id"] for s in services]


@pytest.mark.usefixtures("examples")
def test_service_at_location_by_id_holds_its_example(client: Any) -> None:
    ours = client.get("/hsds/service_at_locations/e94c9f38-1e8f-4564-91d4-d53501ab1765").get_json()
    validate(ours, "service_at_location.json")
    theirs = example("service_at_location_full.json")
    service = theirs.pop("service")
    assert contains(plain(ours), plain(theirs))
    assert ours["service"]["id"] == service["id"]


@pytest.mark.usefixtures("examples")
@pytest.mark.parametrize(
    ("path", "name", "schema"),
    [
        ("services", "service_list.json", "compiled/service_list.json"),
        ("organizations", "organization_list.json", "compiled/organization_list.json"),
        ("service_at_locations", "service_at_location_list.json", "compiled/service_at_location_list.json"),
        ("taxonomies", "taxonomy_list.json", "taxonomy.json"),
        ("taxonomy_terms", "taxonomy_term_list.json", "taxonomy_term.json"),
    ],
)
def test_list_items_hold_the_list_examples(client: Any, path: str, name: str, schema: str) -> None:
    ours = client.get(f"/hsds/{path}?per_page=1").get_json()
    validate_page(ours, schema)
    theirs = example(name)
    assert set(ours) == set(theirs)
    assert contains(plain(ours["contents"][0]), plain(theirs["contents"][0]))


def test_spec_csv_example_imported_then_exported_reads_the_same(
    tmp_path: Path,
    empty_db: sessionmaker[Session],
) -> None:
    from importers import run_import

    source = shared_path("hsds", "spec-examples-3.0", "csv")
    with empty_db() as target:
        target.info["actor"] = "import:test"
        run_import(target, str(source), source="spec-example", format="hsds-csv")
        target.commit()
        export_hsds(target, tmp_path, format="csv")
    # The example leaves some references dangling (its PROVENANCE says so); an import drops
    # them, and the records that only hung on them.
    known_ids = set()
    for path in tmp_path.glob("*.csv"):
        with path.open(newline="", encoding="utf-8") as fh:
            known_ids |= {r["id"] for r in csv.DictReader(fh)}
    checked = 0
    for theirs_path in sorted(source.glob("*.csv")):
        if theirs_path.name == "metadata.csv":
            continue  # the import writes its own change log beside the source's
        with theirs_path.open(newline="", encoding="utf-8") as fh:
            theirs = list(csv.DictReader(fh))
        with (tmp_path / theirs_path.name).open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            with theirs_path.open(newline="", encoding="utf-8") as head:
                assert reader.fieldnames == next(csv.reader(head)), theirs_path.name
            mine = {r["id"]: r for r in reader}
        for row in theirs:
            if row["id"] not in mine:
                continue  # rows whose references the example itself leaves dangling
            for key, value in row.items():
                # The example's coordinates (100, 101) are impossible and are not kept.
                dangling = key.endswith("_id") and key != "link_id" and value not in known_ids
                skip = key in ("latitude", "longitude", "last_modified") or dangling
                if value and not skip:
                    assert mine[row["id"]][key].strip() == value.strip(), (theirs_path.name, key)
                    checked += 1
    assert checked > 150
