"""A provider edits their own service's details (/provider/services/<id>/edit): description,
hours, phones, who may come and languages, through the change log; a bad value keeps what
was typed and writes nothing; another organization's service is refused by page and by a
forged form; an admin sees the edit in the history and reverts it; search sees it at once.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import details
from catalog.models import Language, Metadata, Phone, Schedule, Service
from tests.accounts.test_login import csrf, sign_in
from tests.catalog.test_capacity_api import _user


@pytest.fixture
def shelter(make_service: Any, make_org: Any) -> Any:
    return make_service(
        "Harbor Night Shelter",
        organization=make_org("Harbor Shelter Inc."),
        opens="19:00",
        closes="07:00",
        languages=("en",),
        phone="614-555-0100",
        description="Beds for the night.",
    )


@pytest.fixture
def other(make_service: Any, make_org: Any) -> Any:
    return make_service("Elsewhere Shelter", organization=make_org("Elsewhere Inc."), phone="614-555-0900")


@pytest.fixture
def provider(client: Any, db: Session, shelter: Any) -> Any:
    _user(db, "intake@harbor.example.org", "provider", shelter.organization)
    assert sign_in(client, "intake@harbor.example.org").status_code == 302
    return client


def _path(service: Any) -> str:
    return f"/provider/services/{service.id}/edit"


def _form(service: Any, **changes: Any) -> dict[str, Any]:
    """The form as the page fills it for `service`, with `changes` over it."""
    phone = service.phones[0]
    schedule = service.schedules[0]
    data: dict[str, Any] = {
        "service_id": str(service.id),
        "description": service.description or "",
        "eligibility_description": service.eligibility_description or "",
        "minimum_age": "",
        "maximum_age": "",
        "languages": ["en"],
        f"phone-{phone.id}": phone.number,
        "phone-new": "",
        f"hours-{schedule.id}-days": schedule.byday.split(","),
        f"hours-{schedule.id}-opens": schedule.opens_at,
        f"hours-{schedule.id}-closes": schedule.closes_at,
    }
    data.update(changes)
    return data


def _post(client: Any, service: Any, data: dict[str, Any], page: Any = None) -> Any:
    token = csrf(client, _path(page or service))
    return client.post(_path(service), data={**data, "csrf_token": token})


def _fresh(db: Session, service: Any) -> Service:
    db.expire_all()
    found = db.get(Service, service.id)
    assert found is not None
    return found


def test_the_form_is_filled_with_the_record_and_linked_from_the_provider_page(
    provider: Any, shelter: Any
) -> None:
    assert f'href="{_path(shelter)}"' in provider.get("/provider").text
    page = provider.get(_path(shelter))
    assert page.status_code == 200
    html = page.text
    assert "Beds for the night.</textarea>" in html
    assert 'value="614-555-0100"' in html
    assert f'name="hours-{shelter.schedules[0].id}-opens" value="19:00"' in html
    assert 'name="languages" value="en" checked' in html
    assert 'name="languages" value="es">' in html
    assert 'name="csrf_token"' in html


def test_an_edit_of_every_kind_is_written_field_by_field_and_search_finds_it_next(
    provider: Any, db: Session, shelter: Any
) -> None:
    phone, schedule = shelter.phones[0], shelter.schedules[0]
    data = _form(
        shelter,
        description="Beds for the night, and a hot supper for everyone.",
        eligibility_description="Adults and families.",
        minimum_age="18",
        maximum_age="64",
        languages=["en", "es"],
        **{
            f"phone-{phone.id}": "(614) 555-0123",
            "phone-new": "988",
            f"hours-{schedule.id}-days": ["MO", "TU", "WE"],
            f"hours-{schedule.id}-opens": "18:30",
            "hours-new1-days": ["SA"],
            "hours-new1-opens": "10:00",
            "hours-new1-closes": "14:00",
        },
    )
    saved = _post(provider, shelter, data)
    assert saved.status_code == 303
    assert saved.headers["Location"].endswith(f"/provider#service-{shelter.id}")
    assert "Saved: the details of Harbor Night Shelter." in provider.get("/provider").text

    svc = _fresh(db, shelter)
    assert svc.description == "Beds for the night, and a hot supper for everyone."
    assert (svc.minimum_age, svc.maximum_age, svc.eligibility_description) == (18, 64, "Adults and families.")
    assert sorted(p.number for p in svc.phones) == ["(614) 555-0123", "988"]
    rows = sorted((s.byday, s.opens_at, s.closes_at) for s in svc.schedules)
    assert rows == [("MO,TU,WE", "18:30", "07:00"), ("SA", "10:00", "14:00")]
    assert sorted(lang.code or "" for lang in svc.languages) == ["en", "es"]

    logged = {
        (m.resource_type, m.field_name): (m.previous_value, m.replacement_value, m.updated_by)
        for m in db.scalars(select(Metadata).where(Metadata.last_action_type == "update"))
    }
    who = "intake@harbor.example.org"
    assert logged[("service", "description")] == ("Beds for the night.", svc.description, who)
    assert logged[("service", "minimum_age")] == ("", "18", who)
    assert logged[("phone", "number")] == ("614-555-0100", "(614) 555-0123", who)
    assert logged[("schedule", "byday")] == ("MO,TU,WE,TH,FR,SA,SU", "MO,TU,WE", who)
    assert logged[("schedule", "opens_at")] == ("19:00", "18:30", who)
    assert ("schedule", "closes_at") not in logged  # unchanged: not logged
    assert ("service", "name") not in logged

    # The next request's search reads the new words and the new language.
    found = provider.get("/api/v1/search?q=hot+supper").get_json()
    assert [r["name"] for r in found["results"]] == ["Harbor Night Shelter"]
    spanish = provider.get("/api/v1/search?q=supper&language=es").get_json()
    assert spanish["total"] == 1


def test_a_removed_phone_and_hours_and_an_unticked_language_are_deleted(
    provider: Any, db: Session, shelter: Any
) -> None:
    phone, schedule = shelter.phones[0], shelter.schedules[0]
    data = _form(
        shelter,
        languages=[],
        **{f"phone-{phone.id}-remove": "1", f"hours-{schedule.id}-remove": "1"},
    )
    assert _post(provider, shelter, data).status_code == 303
    svc = _fresh(db, shelter)
    assert (svc.phones, svc.schedules, svc.languages) == ([], [], [])
    deleted = set(db.scalars(select(Metadata.resource_type).where(Metadata.last_action_type == "delete")))
    assert deleted == {"phone", "schedule", "language"}


@pytest.mark.parametrize(
    ("field", "typed", "sentence"),
    [
        ("description", "x" * 4001, "Write at most 4000 characters (this has 4001)."),
        ("minimum_age", "eighteen", "Type an age in years from 0 to 120, or leave it empty."),
        ("maximum_age", "130", "Type an age in years from 0 to 120, or leave it empty."),
        ("phone", "555-01", "Write a phone number of 10 digits"),
        ("phone", "614 555 0100 call us", "Write a phone number of 10 digits"),
        ("opens", "7pm", "7pm is not a time: write 24-hour HH:MM"),
        ("closes", "", "Write the time as 24-hour HH:MM"),
        ("days", [], "Tick the days these hours are for."),
        ("languages", ["en", "xx"], "Choose the languages from the list."),
    ],
)
def test_a_bad_value_is_refused_by_its_field_keeping_what_was_typed_and_writing_nothing(
    provider: Any, db: Session, shelter: Any, field: str, typed: Any, sentence: str
) -> None:
    phone, schedule = shelter.phones[0], shelter.schedules[0]
    names = {
        "phone": f"phone-{phone.id}",
        "opens": f"hours-{schedule.id}-opens",
        "closes": f"hours-{schedule.id}-closes",
        "days": f"hours-{schedule.id}-days",
    }
    name = names.get(field, field)
    # A good change beside the bad one: it is not written either.
    data = _form(shelter, eligibility_description="Adults only.", **{name: typed})
    before = db.scalar(select(Metadata.id).order_by(Metadata.id.desc()).limit(1))
    answer = _post(provider, shelter, data)
    assert answer.status_code == 422
    html = answer.text
    assert sentence in html
    assert "Not saved: 1 field needs correcting, marked below." in html
    error_id = f"{name}-error" if field != "languages" else "languages-error"
    assert f'id="{error_id}"' in html
    if isinstance(typed, str) and typed:
        shown = typed if field != "description" else typed[:50]
        assert shown in html  # what was typed is kept
    assert "Adults only.</textarea>" in html
    svc = _fresh(db, shelter)
    assert svc.eligibility_description is None
    assert db.scalar(select(Metadata.id).order_by(Metadata.id.desc()).limit(1)) == before


def test_a_lowest_age_above_the_highest_is_refused_on_the_highest(provider: Any, shelter: Any) -> None:
    answer = _post(provider, shelter, _form(shelter, minimum_age="21", maximum_age="18"))
    assert answer.status_code == 422
    assert "The highest age (18) is below the lowest (21)." in answer.text
    assert 'id="maximum_age" name="maximum_age" value="18"' in answer.text
    assert 'aria-invalid="true" aria-describedby="maximum_age-error"' in answer.text


def test_another_organizations_service_is_refused_by_page_and_by_post(
    provider: Any, db: Session, shelter: Any, other: Any
) -> None:
    assert provider.get(_path(other)).status_code == 403
    token = csrf(provider, _path(shelter))
    data = {"service_id": str(other.id), "description": "Taken over.", "csrf_token": token}
    assert provider.post(_path(other), data=data).status_code == 403
    assert _fresh(db, other).description == "Elsewhere Shelter"


def test_a_forged_id_in_the_own_form_changes_nothing_elsewhere(
    provider: Any, db: Session, shelter: Any, other: Any
) -> None:
    """The own service's URL with another service's id in the form, or another's phone key."""
    forged = _form(shelter, service_id=str(other.id), description="Taken over.")
    assert _post(provider, shelter, forged).status_code == 403
    assert _fresh(db, shelter).description == "Beds for the night."
    their_phone = other.phones[0]
    sneaky = _form(
        shelter, **{f"phone-{their_phone.id}": "614-555-0666", f"phone-{their_phone.id}-remove": "1"}
    )
    assert _post(provider, shelter, sneaky).status_code == 303
    db.expire_all()
    assert db.get(Phone, their_phone.id).number == "614-555-0900"  # type: ignore[union-attr]


def test_without_the_csrf_token_nothing_is_written(provider: Any, db: Session, shelter: Any) -> None:
    answer = provider.post(_path(shelter), data=_form(shelter, description="No token."))
    assert answer.status_code == 400
    assert _fresh(db, shelter).description == "Beds for the night."


def test_the_edit_is_in_the_admins_history_and_is_reverted(
    app: Any, provider: Any, db: Session, shelter: Any
) -> None:
    data = _form(shelter, description="Closed on Sundays now.")
    assert _post(provider, shelter, data).status_code == 303
    admin = app.test_client()
    _user(db, "admin@example.org", "admin")
    assert sign_in(admin, "admin@example.org").status_code == 302
    page = admin.get(f"/admin/history/service/{shelter.id}").text
    assert "Closed on Sundays now." in page
    assert "intake@harbor.example.org" in page
    change = db.scalars(
        select(Metadata).where(Metadata.field_name == "description", Metadata.resource_id == shelter.id)
    ).one()
    token = csrf(admin, f"/admin/history/service/{shelter.id}")
    assert admin.post(f"/admin/history/revert/{change.id}", data={"csrf_token": token}).status_code == 303
    assert _fresh(db, shelter).description == "Beds for the night."


def test_a_schedule_the_form_cannot_show_is_kept_as_it_is(provider: Any, db: Session, shelter: Any) -> None:
    monthly = Schedule(
        freq="MONTHLY", byday="2MO", opens_at="09:00", closes_at="12:00", description="2nd Monday"
    )
    shelter.schedules.append(monthly)
    db.flush()
    html = provider.get(_path(shelter)).text
    assert "Kept as they are" in html
    assert f"hours-{monthly.id}" not in html
    assert _post(provider, shelter, _form(shelter, **{f"hours-{monthly.id}-remove": "1"})).status_code == 303
    db.expire_all()
    assert db.get(Schedule, monthly.id) is not None


def test_an_admin_may_edit_any_service_and_a_social_worker_none(app: Any, db: Session, shelter: Any) -> None:
    admin, worker = app.test_client(), app.test_client()
    _user(db, "admin@example.org", "admin")
    _user(db, "worker@example.org", "social_worker")
    assert sign_in(admin, "admin@example.org").status_code == 302
    assert sign_in(worker, "worker@example.org").status_code == 302
    assert worker.get(_path(shelter)).status_code == 403
    assert _post(admin, shelter, _form(shelter, maximum_age="24")).status_code == 303
    assert _fresh(db, shelter).maximum_age == 24
    assert db.scalars(select(Language.code).where(Language.service_id == shelter.id)).all() == ["en"]


def test_the_form_is_in_spanish(provider: Any, shelter: Any) -> None:
    html = provider.get(_path(shelter), headers={"Accept-Language": "es"}).text
    assert "Horario" in html
    assert "Teléfonos" in html


@pytest.mark.parametrize(
    ("number", "good"),
    [
        ("614-555-0100", True),
        ("1 (614) 555-0100", True),
        ("+52 55 1234 5678", True),
        ("211", True),
        ("988", True),
        ("555-0100", False),
        ("123", False),
        ("+12", False),
        ("614-555-0100 ext 4", False),
    ],
)
def test_phone_numbers_in_a_valid_form(app: Any, number: str, good: bool) -> None:
    with app.test_request_context():
        assert (details.phone_fault(number) is None) is good
