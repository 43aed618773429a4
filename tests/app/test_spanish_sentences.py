"""The sentences Python writes (figures, hours, reasons, distances, ages of figures) are in
the reader's language on every page, with numbers and plurals as Spanish writes them; the
pure packages that write them still import no Flask and no Babel."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest

import phrases
import wording
from hours import open_state
from hours.describe import describe
from matching import reasons
from matching.types import Capacity

ROOT = Path(__file__).resolve().parents[2]
ES = {"Accept-Language": "es"}
EN = {"Accept-Language": "en"}
SHELTER = ("1135", "Emergency Shelter", "service_type")
NOW = dt.datetime(2026, 3, 10, 18, 0, tzinfo=dt.UTC)  # a Tuesday


def _page(client, url: str, headers: dict[str, str], **kw) -> str:
    resp = client.post(url, headers=headers, **kw) if "data" in kw else client.get(url, headers=headers, **kw)
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


@pytest.fixture
def shelter(make_service):
    """Open around the clock, 3 of 12 beds reported 20 minutes ago, about 1.1 km north."""
    return make_service(
        "Harbor Night Shelter",
        beds=3,
        beds_max=12,
        beds_updated=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20),
        opens="00:00",
        closes="23:59",
        lat=39.9712,
        minimum_age=18,
        terms=(SHELTER,),
        languages=("en", "es"),
    )


def test_the_search_page_words_open_now_capacity_age_and_distance_in_spanish(client, shelter) -> None:
    url = "/search?q=shelter&lat=39.9612&lon=-82.9988"
    english, spanish = _page(client, url, EN), _page(client, url, ES)
    assert "Open 24 hours" in english
    assert "3 of 12 beds free" in english
    assert re.search(r"updated 2\d min ago", english)
    assert "0.7 mi (1.1 km)" in english
    assert "Abierto 24 horas" in spanish
    assert "3 de 12 camas libres" in spanish
    assert re.search(r"actualizado hace 2\d min", spanish)
    assert "0,7 mi (1,1 km)" in spanish  # a decimal comma
    for words in ("Open 24 hours", "beds free", "min ago", "0.7 mi"):
        assert words not in spanish


def test_the_service_page_words_its_facts_in_spanish(client, make_service) -> None:
    service = make_service(
        "Harbor Day Center",
        beds=1,
        beds_updated=dt.datetime.now(dt.UTC) - dt.timedelta(days=5),
        opens="09:00",
        closes="17:00",
        byday="MO,TU,WE,TH,FR",
        minimum_age=18,
        languages=("es", "vi"),
    )
    english = _page(client, f"/services/{service.id}", EN)
    spanish = _page(client, f"/services/{service.id}", ES)
    assert "Mon–Fri 09:00–17:00" in english
    assert "1 bed free" in english
    assert "5 days ago" in english
    assert "Ages 18 and over" in english
    assert "lun–vie 09:00–17:00" in spanish
    assert "1 cama libre" in spanish  # the singular form
    assert "hace 5 días" in spanish
    assert "Edades de 18 en adelante" in spanish
    assert "vietnamita" in spanish
    assert "Type “100 Main St" in english
    assert "Escriba «100 Main St" in spanish
    for words in ("Mon–Fri", "bed free", "days ago", "Ages 18", "Vietnamese", "into the map app"):
        assert words not in spanish


def test_the_match_page_gives_its_reasons_in_spanish(client, shelter, make_service) -> None:
    """The adults' shelter is left out for the age; the youth shelter and the veterans' house
    match, each with its reasons."""
    make_service(
        "Bridge Youth Shelter",
        beds=3,
        beds_max=12,
        beds_updated=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20),
        minimum_age=12,
        maximum_age=24,
        lat=39.9712,
        terms=(SHELTER,),
        languages=("en", "es"),
    )
    make_service("Liberty Veterans House", terms=(SHELTER, ("20010", "Veterans", "eligibility")))
    form = {"needs": "Emergency Shelter", "location": "39.9612, -82.9988", "age": "17",
            "languages": "es", "radius_km": "25", "populations": "Veterans"}  # fmt: skip
    english = _page(client, "/match", EN, data=form)
    spanish = _page(client, "/match", ES, data=form)
    assert "serves ages 18 and over; client is 17" in english
    assert "Spanish spoken" in english
    assert "offers Emergency Shelter" in english
    assert "for veterans" in english
    assert "atiende edades de 18 en adelante; la persona tiene 17" in spanish
    assert "se habla español" in spanish
    assert "ofrece Emergency Shelter" in spanish  # the term's name is the catalog's own
    assert "para veteranos" in spanish
    assert re.search(r"3 de 12 camas libres, actualizado hace 2\d min", spanish)
    assert "0,7 mi (1,1 km)" in spanish
    assert re.search(r"Score 0\.\d\d", english)
    assert re.search(r"Puntuación 0,\d\d", spanish)  # the score with a decimal comma
    for words in ("serves ages", "Spanish spoken", "offers ", "beds free", "for veterans"):
        assert words not in spanish


def test_the_match_api_keeps_its_codes_beside_the_sentences(client, shelter) -> None:
    body = {"needs": ["1135"], "location": {"lat": 39.9612, "lon": -82.9988}, "client": {"age": 17}}
    data = client.post("/api/v1/match", json=body, headers=ES).get_json()
    excluded = data["excluded"][0]
    assert excluded["name"] == "Harbor Night Shelter"
    assert {"rule": "age", "status": "fail"}.items() <= excluded["checks"][0].items()
    assert excluded["reasons"] == ["atiende edades de 18 en adelante; la persona tiene 17"]
    english = client.post("/api/v1/match", json=body).get_json()
    assert english["excluded"][0]["reasons"] == ["serves ages 18 and over; client is 17"]


def test_an_error_page_gives_its_title_and_sentence_in_spanish(client) -> None:
    url = "/services/00000000-0000-0000-0000-000000000000"
    english = client.get(url, headers=EN)
    spanish = client.get(url, headers=ES)
    assert english.status_code == spanish.status_code == 404
    assert "<h1>Not found</h1>" in english.get_data(as_text=True)
    assert "No service has that id." in english.get_data(as_text=True)
    assert "<h1>No encontrado</h1>" in spanish.get_data(as_text=True)
    assert "Ningún servicio tiene ese identificador." in spanish.get_data(as_text=True)
    # werkzeug's own sentence (for developers) gives way to one for people
    page = client.get("/no-such-page", headers=ES).get_data(as_text=True)
    assert "No hay nada en esta dirección." in page
    assert "requested URL" not in page


def test_a_search_error_names_the_field_in_spanish_and_keeps_what_was_typed(client) -> None:
    resp = client.get("/search?q=comida&radius_km=5", headers=ES)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "radius_km necesita un punto: lat y lon, o near (campo: radius_km)" in page
    assert 'value="comida"' in page
    resp = client.get("/search?q=food&near=Nowhere%2C%20ZZ", headers=ES)
    tried = "se intentó: geocodificador en línea: ninguno configurado; código postal: ninguno en la dirección"
    assert f"no se pudo ubicar &#39;Nowhere, ZZ&#39;; {tried}" in resp.get_data(as_text=True)


def _page_error(client, form: dict[str, str]) -> str:
    resp = client.post("/match", data=form, headers=ES)
    assert resp.status_code == 400
    return resp.get_data(as_text=True)


def test_a_match_error_is_in_spanish_and_the_api_s_problem_keeps_english_titles(client) -> None:
    resp = client.post("/match", data={"needs": "detox", "location": "123"}, headers=ES)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "ubicación: &#39;123&#39; no es un código postal de 5 cifras; si se perdió un cero inicial" in page
    assert 'value="detox"' in page
    page = _page_error(client, {"needs": "detox", "location": "95, -82.99"})
    assert "la latitud 95 está fuera de rango (debe estar entre -90..90)" in page
    problem = client.get("/api/v1/search?radius_km=5", headers=ES).get_json()
    assert problem["title"] == "Invalid parameter"  # a stable summary of the kind
    assert problem["param"] == "radius_km"
    assert problem["detail"] == "radius_km necesita un punto: lat y lon, o near"


@pytest.mark.parametrize(
    ("make", "english", "spanish"),
    [
        (lambda: phrases.ago(NOW.date() - dt.timedelta(days=1), NOW), "1 day ago", "hace 1 día"),
        (lambda: phrases.ago(NOW - dt.timedelta(days=3), NOW), "3 days ago", "hace 3 días"),
        (lambda: phrases.ago(NOW.date(), NOW), "today", "hoy"),
        (lambda: phrases.capacity(1, None, "bed"), "1 bed free", "1 cama libre"),
        (lambda: phrases.capacity(1, 19, "bed"), "1 of 19 bed free", "1 cama libre de 19"),
        (lambda: phrases.capacity(2.5, None, None), "2.5 places free", "2,5 plazas libres"),
        (lambda: phrases.capacity(0, 40, "bed"), "full: 0 of 40 beds free", "lleno: 0 de 40 camas libres"),
        (lambda: phrases.capacity(2, 9, "cot"), "2 of 9 cots free", "2 de 9 cots libres"),
        (lambda: phrases.distance(12.4), "12 km", "12 km"),
        (lambda: phrases.distance(1.25), "1.2 km", "1,2 km"),
        (lambda: phrases.insurance_taken("private"), "takes private insurance", "acepta seguro privado"),
        (lambda: reasons.duration(30), "30 h", "30 h"),
        (lambda: reasons.duration(24 * 3), "3 days", "3 días"),
        (
            lambda: reasons.capacity(Capacity("bed", 2, 10, NOW - dt.timedelta(hours=3)), NOW),
            "2 of 10 beds free, updated 3 h ago",
            "2 de 10 camas libres, actualizado hace 3 h",
        ),
        (
            lambda: open_state([{"byday": "WE", "opens_at": "09:00", "closes_at": "17:00"}], NOW).label,
            "Closed · opens Wed 09:00",
            "Cerrado · abre el mié a las 09:00",
        ),
        (
            lambda: open_state([{"byday": "TU", "opens_at": "09:00", "closes_at": "20:00"}], NOW).label,
            "Open until 20:00",
            "Abierto hasta las 20:00",
        ),
        (
            lambda: describe([{"valid_from": "2026-12-25", "valid_to": "2026-12-25"}]),
            ["Fri 25 Dec 2026: Closed"],
            ["vie 25 dic 2026: cerrado"],
        ),
        (
            lambda: describe([{"valid_from": "2026-12-24", "valid_to": "2026-12-26", "closed": True}]),
            ["Thu 24 Dec 2026 to Sat 26 Dec 2026: Closed"],
            ["del jue 24 dic 2026 al sáb 26 dic 2026: cerrado"],
        ),
    ],
)
def test_each_sentence_in_english_and_spanish(app, make, english, spanish) -> None:
    with app.test_request_context("/", headers=EN):
        assert make() == english
    with app.test_request_context("/", headers=ES):
        assert make() == spanish


def test_a_forced_locale_words_its_block_and_the_request_s_language_comes_back(app) -> None:
    """Referral e-mails are written in the recipient's language inside `force_locale`."""
    from flask_babel import force_locale

    with app.test_request_context("/", headers=EN):
        assert phrases.capacity(2.5, None, "bed") == "2.5 beds free"
        with force_locale("es"):
            assert phrases.capacity(2.5, None, "bed") == "2,5 camas libres"
        assert phrases.capacity(2.5, None, "bed") == "2.5 beds free"


def test_outside_an_app_the_seam_writes_english() -> None:
    """Commands and pure tests without an app: English, numbers written plainly."""
    assert wording.number(1234.5) == "1,234.5"
    assert wording.ngettext("%(num)s bed free", "%(num)s beds free", 1) == "1 bed free"
    assert wording.ngettext("%(num)s bed free", "%(num)s beds free", 4) == "4 beds free"
    assert wording.date(dt.date(2026, 11, 26)) == "Thu 26 Nov 2026"


def test_every_entry_of_the_spanish_catalog_is_translated_and_none_is_fuzzy() -> None:
    """Each entry of the file itself, plural forms included (Spanish has three), not only the
    messages the code asks for: a fuzzy guess is never shown as a translation."""
    from babel.messages.pofile import read_po

    with (ROOT / "translations" / "es" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="es")
    assert catalog.num_plurals == 3
    bad = []
    for m in catalog:
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.fuzzy or not all(strings) or (isinstance(m.id, tuple) and len(strings) != 3):
            bad.append(m.id)
    assert bad == []


def test_every_situation_name_is_offered_for_translation() -> None:
    """Babel reads Python, not the CSV: the marked list holds every name the CSV has."""
    from matching import populations as pop

    csv_names = {g.name for g in pop.groups().values()} | {s.name for s in pop.situations().values()}
    assert csv_names == set(pop.NAMES)


def test_the_pure_packages_import_neither_flask_nor_babel() -> None:
    code = (
        "import sys, geo, hours, phrases, wording, catalog.rules, matching.core, matching.scoring\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'flask', 'flask_babel', 'babel', 'sqlalchemy', 'werkzeug'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("language", ["en", "es"])
def test_numbers_are_written_as_babel_writes_them_for_the_locale(app, language) -> None:
    from babel.numbers import format_decimal

    values = [0, 1, 2.5, 0.15, 1.25, 2.675, 9.95, 12, 999.5, 1234, 12345.678, 1234567.891, -3.5, 0.049]
    values += [i / 7 for i in range(1, 300)] + [i * 1.609344 for i in range(1, 300)]
    with app.test_request_context("/", headers={"Accept-Language": language}):
        for pattern in ("#,##0.##", "0.0", "0", "0.00"):
            for value in values:
                babel = format_decimal(value, format=pattern, locale=language)
                assert wording.number(value, pattern) == babel, (value, pattern)
