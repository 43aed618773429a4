"""The field view on the demo county: near-me results, the shared list's link (signed, dated,
tampered and expired), its text message, the essentials and the service worker's script."""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest
import segno
from flask import Flask
from sqlalchemy.engine import Engine

from app import create_app
from field import lists, share
from field.lists import Pick
from kernel.config import ConfigError
from search import hooks
from tests.conftest import bound_sessions, demo_loaded

NOW = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
HERE = {"lat": "39.9612", "lon": "-82.9988"}  # downtown Columbus, in the demo county


@pytest.fixture(scope="module")
def demo_app(engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    hooks.install()
    with demo_loaded(engine, NOW) as session:
        app: Flask = create_app(
            {
                "DATA_DIR": str(tmp_path_factory.mktemp("field") / "data"),
                "DATABASE_URL": database_url,
                "TESTING": True,
                "SECRET_KEY": "test-secret",
                "MATCH_INDEX_TTL": 0,
                "CRISIS_LINES": {"County crisis line": "614-555-0199"},
            }
        )
        app.extensions["linkage_db"].sessionmaker = bound_sessions(session.connection())
        yield app


@pytest.fixture
def web(demo_app: Flask) -> Any:
    return demo_app.test_client()


def _picks(html: str) -> list[str]:
    return re.findall(r'name="pick" id="pick-\d+" value="([^"]+)"', html)


def test_near_me_lists_what_is_open_now_nearest_first_with_call_and_directions(web: Any) -> None:
    resp = web.get("/field", query_string={**HERE, "need": "shelter"})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    cards = re.findall(r'<li class="result field-card">.*?</ul>\s*</li>', html, flags=re.S)
    assert cards
    first = cards[0]
    assert 'href="tel:' in first
    assert 'href="geo:' in first
    assert "openstreetmap.org/directions" in first
    assert "Fetched at" in first
    km = [float(x) for x in re.findall(r"\(([\d.]+) km\)", html.split("Opening later")[0])]
    assert km == sorted(km)
    assert "988" in html
    assert "County crisis line" in html
    assert 'href="tel:911"' in html


def test_a_place_that_cannot_be_placed_is_said_and_kept(web: Any) -> None:
    resp = web.get("/field", query_string={"near": "nowhere-at-all-xyz"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert 'aria-describedby="field-error"' in html
    assert 'value="nowhere-at-all-xyz"' in html


def test_the_landing_page_offers_the_quick_needs_of_the_deployment(web: Any, demo_app: Flask) -> None:
    html = web.get("/field").get_data(as_text=True)
    for label in ("Shelter tonight", "Mental-health crisis", "Detox", "Domestic violence", "Youth", "Food"):
        assert f">{label}</a>" in html
    kept = demo_app.config["FIELD_NEEDS"]
    demo_app.config["FIELD_NEEDS"] = ("food", "legal")
    try:
        html = web.get("/field").get_data(as_text=True)
    finally:
        demo_app.config["FIELD_NEEDS"] = kept
    assert ">Legal help</a>" in html
    assert ">Detox</a>" not in html


def test_an_unknown_need_in_the_setting_stops_the_app(tmp_path: Any) -> None:
    with pytest.raises(ConfigError, match="LINKAGE_FIELD_NEEDS"):
        create_app({"DATA_DIR": str(tmp_path), "FIELD_NEEDS": ("shelter", "spaceships")})


def test_the_shared_list_opens_from_its_link_in_the_persons_language(web: Any) -> None:
    html = web.get("/field", query_string={**HERE, "need": "shelter"}).get_data(as_text=True)
    picks = _picks(html)[:3]
    resp = web.get("/field/share", query_string={**HERE, "pick": picks, "lang": "es"})
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    url = re.search(r'<a href="(http://localhost/field/list/[^"]+)">', page)[1]  # type: ignore[index]
    assert "<svg" in page
    assert "Escanee" in page
    assert "Send as a text message" in page
    shown = web.get(url)
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert '<html lang="es">' in text
    assert text.count("<li>") >= 3 or text.count("Llamar") >= 1
    # The QR code on the page is the code of that link, module for module.
    svg = re.search(r"<svg.*?</svg>", page, flags=re.S)[0]  # type: ignore[index]
    assert svg == segno.make(url, error="m").svg_inline(scale=4, border=4, omitsize=True, title=None)


def test_the_sms_body_names_phones_and_fits_two_messages(web: Any) -> None:
    html = web.get("/field", query_string={**HERE, "need": "shelter"}).get_data(as_text=True)
    picks = _picks(html)[:3]
    page = web.get("/field/share", query_string={"pick": picks, "lang": "en"}).get_data(as_text=True)
    href = re.search(r'href="(sms:\?&amp;body=[^"]+)"', page)[1]  # type: ignore[index]
    body = unquote(href.split("body=", 1)[1])
    assert body.startswith("Help near you")
    assert len(body) <= share.SMS_LIMIT
    assert len(body.splitlines()) == 4
    assert all(re.search(r"\d{3}-\d{3}-\d{4}", line) for line in body.splitlines()[1:])


def test_sms_body_drops_hours_then_addresses_before_places() -> None:
    card = {"name": "N" * 30, "phone": "614-555-0100", "address": "A" * 40, "hours_label": "Open 24 hours"}
    full = share.sms_body([card])
    assert "A" * 40 in full
    assert "Open 24 hours" in full
    body = share.sms_body([card] * 5)
    assert len(body) <= share.SMS_LIMIT
    assert body.count("614-555-0100") == 5
    assert "A" * 40 not in body
    assert share.sms_body([]) == ""


def test_a_tampered_list_link_matches_nothing() -> None:
    picks = [Pick(uuid.uuid4(), uuid.uuid4()), Pick(uuid.uuid4())]
    token = lists.make_token("s3cret", picks, "es")
    assert lists.read_token("s3cret", token, 30) == (picks, "es")
    body, _dot, rest = token.partition(".")
    changed = ("en" + body[2:]) + "." + rest
    for bad in (changed, token[:-2], token + "x", "nonsense", lists.make_token("other", picks, "es")):
        with pytest.raises(lists.ListUnknown):
            lists.read_token("s3cret", bad, 30)


def test_an_old_list_link_has_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    token = lists.make_token("s3cret", [Pick(uuid.uuid4())], "en")
    later = time.time() + 31 * 86400
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(lists.ListExpired):
        lists.read_token("s3cret", token, 30)


def test_the_list_page_answers_404_for_a_changed_link_and_410_for_an_old_one(
    web: Any, demo_app: Flask
) -> None:
    token = lists.make_token("test-secret", [Pick(uuid.uuid4())], "en")
    assert web.get(f"/field/list/{token[:-3]}abc").status_code == 404
    demo_app.config["FIELD_LIST_DAYS"] = 1e-9
    time.sleep(1.1)
    try:
        resp = web.get(f"/field/list/{token}")
    finally:
        demo_app.config["FIELD_LIST_DAYS"] = 30.0
    assert resp.status_code == 410
    assert "expired" in resp.get_data(as_text=True)


def test_a_pick_list_holds_at_most_six_and_ignores_junk() -> None:
    ids = [str(uuid.uuid4()) for _ in range(8)]
    picks = lists.parse_picks(["junk", ids[0], ids[0], *ids[1:]])
    assert len(picks) == lists.MAX_PICKS
    assert str(picks[0]) == ids[0]


def test_essentials_list_24_hour_shelters_and_crisis_services(web: Any) -> None:
    html = web.get("/field/essentials", query_string=HERE).get_data(as_text=True)
    assert "24-hour shelters" in html
    assert "24-hour crisis services" in html
    assert html.count("Open 24 hours") >= 2
    assert "988" in html


def test_the_service_worker_is_ours_and_may_control_the_field_view(web: Any) -> None:
    resp = web.get("/field/sw.js")
    assert resp.status_code == 200
    assert resp.mimetype == "text/javascript"
    assert resp.headers["Service-Worker-Allowed"] == "/field"
    assert "worker-src 'self'" in resp.headers["Content-Security-Policy"]
    assert b"caches.open" in resp.data


def test_the_field_page_in_spanish(web: Any) -> None:
    html = web.get("/field", query_string=HERE, headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="es">' in html
    assert "Abierto ahora" in html or "Cerrado" in html
    assert "Refugio esta noche" in html
