"""English and Spanish: the language a person chose, else their browser's, else English;
no interface text outside a translation call; a Spanish catalog that lacks nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
SPANISH = ROOT / "translations" / "es" / "LC_MESSAGES" / "messages.po"

# Words that are the same in every language: the product's name, codes shown as examples.
SAME_IN_EVERY_LANGUAGE = ("Linkage", "es, ht", "es")
# Attributes a person reads (or hears from a screen reader).
READ_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


def _strip_jinja(text: str) -> str:
    text = re.sub(r"\{#.*?#\}", " ", text, flags=re.S)
    text = re.sub(r"\{%.*?%\}", " ", text, flags=re.S)
    return re.sub(r"\{\{.*?\}\}", " ", text, flags=re.S)


def untranslated(text: str) -> list[str]:
    """Text in a template that a person reads but no translation call wraps."""
    found = []
    for name in READ_ATTRIBUTES:
        for value in re.findall(rf'\s{name}="([^"]*)"', text):
            rest = _strip_jinja(value).strip()
            if LETTERS.search(rest) and rest not in SAME_IN_EVERY_LANGUAGE:
                found.append(f'{name}="{value}"')
    body = _strip_jinja(text)
    body = re.sub(r"<[^>]*>", " ", body)
    for chunk in re.split(r"\s{2,}|\n", body):
        chunk = chunk.strip()
        if LETTERS.search(chunk.replace("Linkage", "")) and chunk not in SAME_IN_EVERY_LANGUAGE:
            found.append(chunk)
    return found


def test_the_checker_finds_text_outside_a_translation_call() -> None:
    assert untranslated("<p>Open now</p>") == ["Open now"]
    assert untranslated('<input placeholder="near: ZIP">') == ['placeholder="near: ZIP"']
    assert untranslated("<p>{{ _('Open now') }} · {{ r.name }}</p>") == []
    assert untranslated("{# a comment for developers #}<a>Linkage</a>") == []


@pytest.mark.parametrize(
    "path",
    sorted([*TEMPLATES.rglob("*.html"), *TEMPLATES.rglob("*.txt")]),
    ids=lambda p: str(p.relative_to(TEMPLATES)),
)
def test_no_template_holds_interface_text_outside_a_translation_call(path: Path) -> None:
    assert untranslated(path.read_text()) == []


def _interface_messages() -> set[str]:
    """Every message the code and templates ask to translate (as `make messages` extracts)."""
    method_map = [("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2"), ("**.py", "python")]
    ids = set()
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map=method_map,
        keywords={
            "_": None,
            "gettext": None,
            "ngettext": (1, 2),
            "_l": None,
            "lazy_gettext": None,
            "N_": None,
        },  # fmt: skip
        directory_filter=lambda d: Path(d).name not in {".venv", "tests", "bench", "build", ".git"},
    ):
        assert filename
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def test_the_spanish_catalog_translates_every_message() -> None:
    with SPANISH.open("rb") as fh:
        catalog = read_po(fh, locale="es")
    translated = {}
    for m in catalog:
        if not m.id:
            continue
        key = m.id[0] if isinstance(m.id, tuple) else m.id
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        translated[key] = all(strings) and not m.fuzzy
    wanted = _interface_messages()
    assert len(wanted) > 100
    missing = sorted(w for w in wanted if not translated.get(w))
    assert missing == [], "run `make messages` and translate these in " + str(SPANISH.relative_to(ROOT))


def test_spanish_keeps_every_placeholder_of_the_english() -> None:
    with SPANISH.open("rb") as fh:
        catalog = read_po(fh, locale="es")
    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = set(re.findall(r"%\(\w+\)[sd]", ids[-1]))
        for s in strings:
            assert set(re.findall(r"%\(\w+\)[sd]", s)) == wanted, m.id


def test_the_browser_s_language_chooses_spanish(client) -> None:
    page = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Encuentre ayuda cerca de usted" in page
    assert "Find help near you" not in page


def test_english_when_the_browser_asks_for_neither(client) -> None:
    page = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Find help near you" in page


def test_the_switch_keeps_the_choice_over_the_browser_s_and_returns_to_the_page(client) -> None:
    resp = client.get("/language/es?next=/search?q=food")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/search?q=food")
    assert "lang=es" in resp.headers["Set-Cookie"]
    page = client.get("/search?q=food", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Aplicar filtros" in page
    # The page offers the way back, named in its own language.
    assert 'hreflang="en"' in page
    assert ">English</a>" in page


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_the_switch_never_sends_to_another_site(client, target) -> None:
    resp = client.get("/language/es", query_string={"next": target})
    assert resp.headers["Location"].endswith("/")
    assert "evil" not in resp.headers["Location"]


def test_an_unknown_language_changes_nothing(client) -> None:
    resp = client.get("/language/xx?next=/")
    assert "Set-Cookie" not in resp.headers


def test_a_page_s_words_vary_with_the_language_for_caches(client) -> None:
    vary = client.get("/").headers["Vary"]
    assert "Accept-Language" in vary
    assert "Cookie" in vary


def test_dates_are_written_for_the_locale(client, make_service) -> None:
    import datetime as dt

    service = make_service(assured_date=dt.date(2026, 5, 7))
    english = client.get(f"/services/{service.id}").get_data(as_text=True)
    spanish = client.get(f"/services/{service.id}", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "May 7, 2026" in english
    assert "7 de mayo de 2026" in spanish
