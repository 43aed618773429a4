"""The provider's CSV upload of figures: every row reported, the file stored whole or not at
all, another organization's service refused. Through the running app, on SQLite and, with
TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts import audit
from accounts import services as accounts
from catalog import capacity_csv
from catalog.models import CapacityHistory, Metadata, ServiceCapacity
from kernel.identity import Identity
from tests.accounts.test_login import csrf, sign_in

PASSWORD = "correct horse battery staple"
PAGE = "/provider/capacity/upload"
HEADER = "service_id,unit,available,maximum,create\n"


@pytest.fixture
def catalog(make_service: Any, make_org: Any) -> dict[str, Any]:
    ours, theirs = make_org("Harbor Shelter Inc."), make_org("Other Shelter Inc.")
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(hours=8)
    return {
        "night": make_service(
            "Harbor Night Shelter", organization=ours, beds=3, beds_max=20, beds_updated=earlier
        ),
        "family": make_service(
            "Harbor Family Shelter", organization=ours, beds=1, beds_max=6, beds_updated=earlier
        ),
        "theirs": make_service(
            "Other Night Shelter", organization=theirs, beds=2, beds_max=10, beds_updated=earlier
        ),
        "ours": ours,
    }


@pytest.fixture
def provider(app: Any, db: Session, catalog: dict[str, Any]) -> Any:
    accounts.create_user(
        db, "intake@harbor.example.org", "provider", audit.command_line(), password=PASSWORD,
        organizations=[str(catalog["ours"].id)],
    )  # fmt: skip
    db.flush()
    client = app.test_client()
    assert sign_in(client, "intake@harbor.example.org", PASSWORD).status_code == 302
    return client


def send(client: Any, text: str | None = None, *, file: bytes | None = None, name: str = "beds.csv") -> Any:
    data: dict[str, Any] = {"csrf_token": csrf(client, PAGE)}
    if text is not None:
        data["rows"] = text
    if file is not None:
        data["file"] = (io.BytesIO(file), name)
    return client.post(PAGE, data=data, content_type="multipart/form-data")


def figures(db: Session, *services: Any) -> list[tuple[str, float, float | None]]:
    db.expire_all()
    caps = db.scalars(
        select(ServiceCapacity).where(ServiceCapacity.service_id.in_([s.id for s in services]))
    ).all()
    return sorted((c.service.name, c.available, c.maximum) for c in caps)


def written(db: Session) -> tuple[int, int]:
    return (
        db.scalar(select(func.count()).select_from(Metadata)),
        db.scalar(select(func.count()).select_from(CapacityHistory)),
    )


def rows_of(page: str) -> list[list[str]]:
    """The report's table, as text cells."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", tr, re.S)]
        for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_page_explains_the_columns_and_the_rule(provider: Any) -> None:
    resp = provider.get(PAGE)
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    for column in capacity_csv.COLUMNS:
        assert f"<code>{column}</code>" in page
    assert "stored whole or not at all" in page
    assert 'enctype="multipart/form-data"' in page


def test_a_file_of_many_services_is_stored_and_every_row_reported(
    provider: Any, db: Session, catalog: dict[str, Any]
) -> None:
    night, family = catalog["night"], catalog["family"]
    text = HEADER + f"{night.id},bed,7,20,\n" + f"{family.id},bed,1,6,\n" + f"{family.id},crib,2,4,yes\n"
    resp = send(provider, file=text.encode())
    assert resp.status_code == 200, resp.get_data(as_text=True)
    page = resp.get_data(as_text=True)
    assert "3 rows read and stored." in page
    assert "Created: 1. Updated: 1. Confirmed unchanged: 1." in page
    assert rows_of(page) == [
        ["2", "Harbor Night Shelter", "bed", "figure updated", "7 of 20 beds free"],
        ["3", "Harbor Family Shelter", "bed", "figure confirmed", "1 of 6 bed free"],
        ["4", "Harbor Family Shelter", "crib", "figure created", "2 of 4 cribs free"],
    ]
    assert figures(db, night, family) == [
        ("Harbor Family Shelter", 1, 6),
        ("Harbor Family Shelter", 2, 4),
        ("Harbor Night Shelter", 7, 20),
    ]
    history = db.scalars(select(CapacityHistory).where(CapacityHistory.service_id == night.id)).all()
    assert {(h.channel, h.changed_by) for h in history if h.available == 7} == {
        ("csv", "intake@harbor.example.org")
    }


def test_one_bad_row_refuses_the_file_and_the_report_names_every_bad_row(
    provider: Any, db: Session, catalog: dict[str, Any]
) -> None:
    night, family, theirs = catalog["night"], catalog["family"], catalog["theirs"]
    before, counted = figures(db, night, family, theirs), written(db)
    text = (
        HEADER
        + f"{night.id},bed,7,20,\n"  # good, but the file is refused
        + f"{family.id},bed,9,6,\n"  # above maximum
        + "\n"  # a blank line is not a row
        + f"{family.id},beds,1,6,\n"  # unknown unit
        + f"{theirs.id},bed,0,10,\n"  # another organization's service
        + f"{uuid.uuid4()},bed,1,2,\n"  # no such service
        + "not-an-id,bed,1,2,\n"
        + f"{night.id},cot,-1,,yes\n"  # negative
        + f"{night.id},bed,three,20,\n"  # not a number (and bed given twice)
    )
    resp = send(provider, text)
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "7 rows were refused, so nothing was written." in page
    assert "8 rows read in all." in page
    table = rows_of(page)
    assert [(r[0], r[3]) for r in table] == [
        ("2", "not written"),
        ("3", "refused"),
        ("5", "refused"),
        ("6", "refused"),
        ("7", "refused"),
        ("8", "refused"),
        ("9", "refused"),
        ("10", "refused"),
    ]
    detail = {r[0]: r[4] for r in table}
    assert "above the maximum" in detail["3"]
    assert "(column available)" in detail["3"]
    assert "no figure for the unit beds" in detail["5"]
    assert "another organization" in detail["6"]
    assert "No service has that id" in detail["7"]
    assert "a UUID" in detail["8"]
    assert "cannot be negative" in detail["9"]
    assert "must be a number" in detail["10"]
    assert figures(db, night, family, theirs) == before
    assert written(db) == counted
    assert text.strip() in page.replace("&#39;", "'")  # the pasted rows are kept in the form


def test_a_provider_cannot_change_another_organizations_service_by_csv(
    provider: Any, db: Session, catalog: dict[str, Any]
) -> None:
    theirs = catalog["theirs"]
    resp = send(provider, HEADER + f"{theirs.id},bed,0,10,\n")
    assert resp.status_code == 422
    [row] = rows_of(resp.get_data(as_text=True))
    assert row[:4] == ["2", "Other Night Shelter", "bed", "refused"]
    assert "another organization" in row[4]
    assert figures(db, theirs) == [("Other Night Shelter", 2, 10)]


def test_sending_the_same_file_twice_confirms_the_figures(
    provider: Any, db: Session, catalog: dict[str, Any]
) -> None:
    night = catalog["night"]
    text = HEADER + f"{night.id},bed,4,20,\n"
    assert send(provider, text).status_code == 200
    db.expire_all()
    first = db.get_one(ServiceCapacity, night.capacities[0].id).updated
    again = send(provider, text)
    assert rows_of(again.get_data(as_text=True))[0][3] == "figure confirmed"
    db.expire_all()
    cap = db.get_one(ServiceCapacity, night.capacities[0].id)
    assert (cap.available, cap.maximum) == (4, 20)
    assert cap.updated > first


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "Choose a CSV file"),
        (b"service_id,unit,available\n", "lacks the column maximum"),
        (b"service_id,unit,availble,maximum\nx,bed,1,2\n", "The column availble is not one of"),
        (b"service_id,unit,available,maximum\n", "no figures"),
        ("service_id,unit,available,maximum\n\xe9".encode("latin-1"), "not UTF-8"),
    ],
    ids=["nothing sent", "a column missing", "a misspelt column", "no rows", "not UTF-8"],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_sentence(
    provider: Any, db: Session, catalog: dict[str, Any], data: bytes, words: str
) -> None:
    counted = written(db)
    resp = send(provider, file=data) if data else send(provider, "")
    assert resp.status_code in (400, 422)
    page = resp.get_data(as_text=True)
    assert words in page
    assert 'role="alert"' in page
    assert 'aria-describedby="upload-error"' in page
    assert written(db) == counted


def test_a_spreadsheet_in_a_spanish_locale_uses_semicolons_and_a_bom(
    provider: Any, db: Session, catalog: dict[str, Any]
) -> None:
    night = catalog["night"]
    data = "\ufeffService_ID;Unit;Available;Maximum\r\n".encode() + f"{night.id};bed;5;;\r\n".encode()
    resp = send(provider, file=data)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert figures(db, night) == [("Harbor Night Shelter", 5, 20)]  # an empty maximum keeps 20


def test_a_post_without_its_csrf_token_is_refused(
    provider: Any, db: Session, catalog: dict[str, Any]
) -> None:
    night = catalog["night"]
    resp = provider.post(PAGE, data={"rows": HEADER + f"{night.id},bed,0,20,\n"})
    assert resp.status_code == 400
    assert figures(db, night) == [("Harbor Night Shelter", 3, 20)]


def test_the_report_is_in_spanish(provider: Any, catalog: dict[str, Any]) -> None:
    provider.get("/language/es")
    resp = send(provider, HEADER + f"{catalog['family'].id},bed,9,6,\n")
    page = resp.get_data(as_text=True)
    assert "supera el máximo" in page
    assert "no se escribió nada" in page


def test_the_reader_accounts_for_every_row() -> None:
    """read = created + updated + confirmed + refused: the parser never drops a line."""
    sid = uuid.uuid4()
    text = HEADER + f"{sid},bed,1,2,\n" + f"{sid},bed,1,2,,extra\n" + "\n" + f"{sid},cot,1,2,maybe\n"
    rows = capacity_csv.read(text)
    assert [(p.report.line, p.report.outcome, p.report.column) for p in rows] == [
        (2, "", None),
        (3, "refused", "row"),
        (5, "refused", "create"),
    ]


def test_an_admin_may_upload_any_services_figures(db: Session, catalog: dict[str, Any]) -> None:
    admin = Identity(user_id=uuid.uuid4(), email="root@example.org", role="admin")
    report = capacity_csv.upload(
        db, admin, HEADER + f"{catalog['theirs'].id},bed,0,10,\n", dt.datetime.now(dt.UTC)
    )
    assert report.written
    assert [r.outcome for r in report.rows] == ["updated"]
    assert figures(db, catalog["theirs"]) == [("Other Night Shelter", 0, 10)]
