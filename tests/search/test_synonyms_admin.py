"""The administrators' synonym table (/admin/synonyms): a pair added changes what the next
search finds; removed, it no longer does; the box shows what a word expands to; each
addition and removal is in the change log; a bad pair keeps what was typed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Metadata
from search.models import Synonym
from tests.accounts.test_login import csrf, sign_in
from tests.catalog.test_capacity_api import _user


@pytest.fixture
def admin(app: Any, db: Session) -> Any:
    client = app.test_client()
    _user(db, "admin@example.org", "admin")
    assert sign_in(client, "admin@example.org").status_code == 302
    return client


@pytest.fixture
def respite(make_service: Any) -> Any:
    return make_service("Quiet Harbor Respite", description="Nightly respite beds for adults.")


def _names(client: Any, q: str) -> list[str]:
    return [r["name"] for r in client.get(f"/api/v1/search?q={q}").get_json()["results"]]


def _post(client: Any, path: str, **data: str) -> Any:
    return client.post(path, data={**data, "csrf_token": csrf(client, "/admin/synonyms")})


def test_a_pair_added_changes_what_the_next_search_finds_and_removed_it_does_not(
    admin: Any, db: Session, respite: Any
) -> None:
    assert _names(admin, "crashpad") == []
    added = _post(admin, "/admin/synonyms", term="Crashpad", synonym="respite")
    assert added.status_code == 303
    assert "word=crashpad" in added.headers["Location"]
    page = admin.get(added.headers["Location"]).text
    assert "Search now finds crashpad and respite for each other." in page
    assert "<strong>crashpad</strong>: also respite" in page
    assert _names(admin, "crashpad") == ["Quiet Harbor Respite"]

    removed = _post(admin, "/admin/synonyms/remove", term="crashpad", synonym="respite")
    assert removed.status_code == 303
    assert "Removed 1 pair." in admin.get("/admin/synonyms").text
    assert _names(admin, "crashpad") == []

    logged = [
        (m.last_action_type, m.previous_value, m.replacement_value, m.updated_by)
        for m in db.scalars(
            select(Metadata).where(Metadata.resource_type == "search_synonym").order_by(Metadata.id)
        )
    ]
    assert logged == [
        ("create", "", "crashpad ~ respite", "admin@example.org"),
        ("delete", "crashpad ~ respite", "", "admin@example.org"),
    ]
    page = admin.get("/admin/synonyms").text
    assert "added crashpad ~ respite" in page
    assert "removed crashpad ~ respite" in page


def test_the_table_holds_a_words_pairs_or_a_page_of_every_pair(admin: Any) -> None:
    first = admin.get("/admin/synonyms").text
    assert first.count('aria-label="Remove ') == 50
    assert 'rel="next"' in first
    assert 'rel="prev"' in admin.get("/admin/synonyms?page=2").text
    detox = admin.get("/admin/synonyms?word=Detox").text
    assert 'aria-label="Remove detox ~ withdrawal management"' in detox
    assert 'aria-label="Remove narcan ~ naloxone"' not in detox


def test_the_box_shows_what_search_makes_of_a_word(admin: Any) -> None:
    page = admin.get("/admin/synonyms?word=detox").text
    assert "<strong>detox</strong>: also " in page
    assert "withdrawal management" in page
    assert "no synonym: only this word" in admin.get("/admin/synonyms?word=zebra").text


@pytest.mark.parametrize(
    ("term", "synonym", "field", "sentence"),
    [
        ("", "respite", "term", "Write a word or a phrase."),
        ("crashpad", "  ", "synonym", "Write a word or a phrase."),
        ("Detox", "detox ", "synonym", "A word cannot be a synonym of itself."),
        ("x" * 101, "respite", "term", "Write at most 100 characters."),
    ],
)
def test_a_bad_pair_is_refused_by_its_field_keeping_what_was_typed(
    admin: Any, db: Session, term: str, synonym: str, field: str, sentence: str
) -> None:
    before = len(db.scalars(select(Synonym)).all())
    answer = _post(admin, "/admin/synonyms", term=term, synonym=synonym)
    assert answer.status_code == 400
    assert sentence in answer.text
    assert f'aria-describedby="new-{field}-error"' in answer.text
    if term:
        assert f'name="term" value="{term}"' in answer.text
    assert len(db.scalars(select(Synonym)).all()) == before


def test_only_admins_and_only_with_the_csrf_token(app: Any, db: Session, admin: Any) -> None:
    coordinator = app.test_client()
    _user(db, "coordinator@example.org", "coordinator")
    assert sign_in(coordinator, "coordinator@example.org").status_code == 302
    assert coordinator.get("/admin/synonyms").status_code == 403
    assert admin.post("/admin/synonyms", data={"term": "a1", "synonym": "b1"}).status_code == 400
    assert db.scalars(select(Synonym).where(Synonym.term == "a1")).first() is None
    assert "/admin/synonyms" in admin.get("/admin/users").text  # in the admin menu


def test_the_page_is_in_spanish(admin: Any) -> None:
    html = admin.get("/admin/synonyms?word=detox", headers={"Accept-Language": "es"}).text
    assert "Sinónimos de búsqueda" in html
