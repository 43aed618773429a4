"""Static files under fingerprinted names with a year's cache, and compressed responses."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "linkage.css"


def _stylesheet_href(page: str) -> str:
    match = re.search(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert match, page[:500]
    return match.group(1)


def test_pages_name_the_stylesheet_by_its_content(client) -> None:
    href = _stylesheet_href(client.get("/").get_data(as_text=True))
    digest = hashlib.sha256(CSS.read_bytes()).hexdigest()[:10]
    assert href == f"/static/css/linkage.{digest}.css"


def test_a_fingerprinted_file_is_kept_for_a_year_and_is_the_file(client) -> None:
    href = _stylesheet_href(client.get("/").get_data(as_text=True))
    resp = client.get(href)
    assert resp.status_code == 200
    assert resp.get_data() == CSS.read_bytes()
    cache = resp.headers["Cache-Control"]
    assert "max-age=31536000" in cache
    assert "immutable" in cache
    assert "no-store" not in cache


def test_a_plain_or_outdated_name_is_served_but_not_kept(client) -> None:
    for path in ("/static/css/linkage.css", "/static/css/linkage.0000000000.css"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert resp.get_data() == CSS.read_bytes()
        assert "immutable" not in resp.headers.get("Cache-Control", ""), path
    assert client.get("/static/css/nothing.0000000000.css").status_code == 404


def test_pages_and_answers_are_compressed_when_the_client_accepts_it(client) -> None:
    for path in ("/", "/search?q=food", "/api/v1/openapi.json"):
        br = client.get(path, headers={"Accept-Encoding": "br, gzip"})
        assert br.headers.get("Content-Encoding") == "br", path
        gz = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert gz.headers.get("Content-Encoding") == "gzip", path
        plain = client.get(path)
        assert "Content-Encoding" not in plain.headers, path
        assert len(br.get_data()) < len(plain.get_data())
    css = client.get("/static/css/linkage.css", headers={"Accept-Encoding": "gzip"})
    assert css.headers.get("Content-Encoding") == "gzip"


def test_a_page_with_its_stylesheet_stays_under_60_kb_compressed(client) -> None:
    for path in ("/", "/search?q=shelter", "/match", "/login"):
        page = client.get(path, headers={"Accept-Encoding": "br, gzip"})
        href = _stylesheet_href(client.get(path).get_data(as_text=True))
        css = client.get(href, headers={"Accept-Encoding": "br, gzip"})
        total = len(page.get_data()) + len(css.get_data())
        assert total < 60 * 1024, (path, total)
