"""The home page is a search page: the real engine, one result card shared with /search."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.engine import Engine

from app import create_app
from search import hooks
from tests.conftest import bound_sessions, demo_loaded

NOW = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)


@pytest.fixture(scope="module")
def demo_client(engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """An app whose requests read the demo county, loaded once for this module."""
    hooks.install()
    with demo_loaded(engine, NOW) as session:
        app: Flask = create_app(
            {
                "DATA_DIR": str(tmp_path_factory.mktemp("home") / "data"),
                "DATABASE_URL": database_url,
                "TESTING": True,
                "SECRET_KEY": "test-secret",
                # Every session here shares one connection: a background refresh of the match
                # index would use it from another thread mid-request (seen on a loaded machine).
                "MATCH_INDEX_TTL": 0,
            }
        )
        app.extensions["linkage_db"].sessionmaker = bound_sessions(session.connection())
        yield app.test_client()


def _cards(html: str) -> list[str]:
    return re.findall(r'<li class="result">.*?</li>', html, flags=re.S)


def _names(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/services/[^"]+">([^<]+)</a></h3>', html)


def test_the_home_page_finds_a_misspelt_shelter(demo_client: Any) -> None:
    resp = demo_client.get("/", query_string={"q": "shleter"})
    assert resp.status_code == 200
    names = _names(resp.text)
    assert len(names) == 20  # a page of the engine's results, not an alphabetical list capped at 50
    assert all("Shelter" in n for n in names[:5]), names[:5]
    assert "Did you mean" in resp.text
    assert '<a href="/?q=shelter">shelter</a>' in resp.text
    assert re.search(r"\d+ results for “shleter”", resp.text)
    assert 'rel="next" href="/?q=shleter&amp;page=2"' in resp.text


def test_the_home_page_finds_rehab_by_its_lay_word(demo_client: Any) -> None:
    resp = demo_client.get("/", query_string={"q": "rehab"})
    assert resp.status_code == 200
    names = _names(resp.text)
    assert names, "rehab found nothing"
    assert all("Residential Treatment" in n for n in names[:5]), names[:5]
    assert not any("rehab" in n.lower() for n in names)  # found through the synonyms alone


def test_the_home_page_shows_distance_and_beds_when_a_place_is_known(demo_client: Any) -> None:
    resp = demo_client.get("/", query_string={"q": "bed tonight", "near": "43215"})
    assert resp.status_code == 200
    assert re.search(r"\d+\.\d mi \(\d+\.\d km\)", resp.text)
    assert re.search(r"<strong>(last known )?(\d+|full: 0) of \d+ beds? free, (updated )?\d+", resp.text)
    assert 'value="43215"' in resp.text
    assert "near 43215" in resp.text


def test_the_home_page_and_the_search_page_share_one_card(demo_client: Any) -> None:
    for q in ("shelter", "food pantry", "detox"):
        home = demo_client.get("/", query_string={"q": q, "near": "43215"}).text
        full = demo_client.get("/search", query_string={"q": q, "near": "43215"}).text
        cards = _cards(home)
        assert cards, q
        assert cards == _cards(full), q
        assert all('href="tel:+1' in c and 'class="badge ' in c for c in cards), q


def test_results_start_on_the_first_screen_of_a_phone(demo_client: Any) -> None:
    """Before the first card: a box, where and one button (the filters folded away), no
    common-search links; no script, nothing from another origin."""
    for path in ("/", "/search"):
        html = demo_client.get(path, query_string={"q": "shelter", "open_now": "true"}).text
        before = html.split('<main id="main"', 1)[1].split('<li class="result">', 1)[0]
        unfolded = re.sub(r"<details class=\"filters\">.*?</details>", "", before, flags=re.S)
        assert "<details" not in unfolded, path  # folded even with a filter on
        fields = re.findall(r"<(?:input|select|textarea)\b(?![^>]*type=\"hidden\")[^>]*>", unfolded)
        assert [re.search(r'name="(\w+)"', f).group(1) for f in fields] == ["q", "near"], path
        assert unfolded.count("<button") == 1, path
        assert 'aria-label="Common searches"' not in before, path
        assert "<script" not in html
        for tag in re.findall(r"<(?:link|script|img|iframe|source)\b[^>]*>", html):
            assert not re.search(r'(?:src|href)="(?:https?:)?//', tag), tag


def test_the_home_page_without_a_question_offers_the_common_searches(demo_client: Any) -> None:
    resp = demo_client.get("/")
    assert resp.status_code == 200
    assert '<a href="/?q=shelter">Shelter</a>' in resp.text
    assert '<li class="result">' not in resp.text
    place_only = demo_client.get("/", query_string={"near": "43215"})
    assert place_only.status_code == 200
    assert '<li class="result">' not in place_only.text


def test_the_home_page_names_a_place_it_cannot_find(demo_client: Any) -> None:
    resp = demo_client.get("/", query_string={"q": "food", "near": "Atlantis, ZZ"})
    assert resp.status_code == 400
    assert 'value="food"' in resp.text
    assert "(field: near)" in resp.text


def test_the_filters_form_sent_with_empty_fields_searches(demo_client: Any) -> None:
    """The filters form sends "any distance" and an empty age as empty values: not chosen."""
    resp = demo_client.get("/search?q=shelter&near=&open_now=true&radius_km=&language=&age=")
    assert resp.status_code == 200
    assert _cards(resp.get_data(as_text=True))
    assert demo_client.get("/search?q=shelter&radius_km=abc").status_code == 400
