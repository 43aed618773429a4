"""The catalog pages with the demo county loaded: everything a person needs to act is there."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from babel.dates import format_date
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import Service
from demo import generate, load_demo

TEL = re.compile(r'href="tel:\+1\d{10}"')


def _types(service: dict[str, Any]) -> str:
    return ",".join(
        sorted(a["taxonomy_term"]["code"] for a in service["attributes"] if a["link_type"] == "service_type")
    )


def _no_other_origin(html: str) -> None:
    """Styles, scripts, images and fonts all come from this site."""
    for tag in re.findall(r"<(?:link|script|img|iframe|source)\b[^>]*>", html):
        assert not re.search(r'(?:src|href)="(?:https?:)?//', tag), tag
    assert "url(http" not in html


def _sample(now: dt.datetime) -> list[dict[str, Any]]:
    """One service for each set of service types, plus the special cases below."""
    services = generate(2026, now=now)
    picked: dict[str, dict[str, Any]] = {}
    for s in services:
        picked.setdefault(_types(s), s)
    ages = {}
    for s in services:
        for cap in s["capacities"]:
            updated = dt.datetime.fromisoformat(cap["updated"].replace("Z", "+00:00"))
            ages[s["id"]] = now - updated
    fresh = next(s for s in services if ages.get(s["id"], dt.timedelta(days=9)) < dt.timedelta(minutes=60))
    stale = next(s for s in services if ages.get(s["id"], dt.timedelta(0)) > dt.timedelta(days=2))
    holiday = next(
        s for s in services if any(r.get("description") == "Closed for Thanksgiving" for r in s["schedules"])
    )
    for s in (fresh, stale, holiday):
        picked[s["id"]] = s
    return list(picked.values())


def test_every_page_renders_with_the_demo(app: Flask, client: Any, db: Session) -> None:
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    with app.app_context():
        assert load_demo(if_empty=True, seed=2026, now=now) >= 300
        assert load_demo(if_empty=True, seed=2026, now=now) == 0  # a no-op once there are services
    assert db.scalar(select(func.count()).select_from(Service)) >= 300

    home = client.get("/")
    assert home.status_code == 200
    _no_other_origin(home.text)
    found = client.get("/?q=men's shelter")
    assert found.status_code == 200
    assert 'value="men&#39;s shelter"' in found.text
    assert "Men&#39;s Overnight Shelter" in found.text
    assert TEL.search(found.text)
    assert re.search(r'class="badge (open|closed|unknown)"', found.text)
    assert re.search(r"[A-Z][a-z]+, OH</p>", found.text)

    sample = _sample(now)
    for item in sample:
        page = client.get(f"/services/{item['id']}")
        assert page.status_code == 200, item["name"]
        html = page.text
        _no_other_origin(html)
        assert item["name"].replace("'", "&#39;") in html
        assert TEL.search(html), item["name"]
        assert 'id="hours"' in html
        assert re.search(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun|Every day)", html), item["name"]
        assert re.search(r"Verified (today|\d+ days? ago) · <time", html), item["name"]
        verified = dt.date.fromisoformat(item["assured_date"])
        assert format_date(verified, "long", locale="en") in html  # Babel: "May 7, 2026"
        if item["capacities"]:
            cap = item["capacities"][0]
            figure = rf"(\d+|full: 0) of {cap['maximum']} beds? free"
            age = r"(\d+ min|\d+ h|\d+ days) ago"
            assert re.search(rf"<strong>({figure}, updated {age}|last known {figure}, {age})</strong>", html)
        org = client.get(f"/organizations/{item['organization']['id']}")
        assert org.status_code == 200
        assert f"/services/{item['id']}" in org.text
        assert TEL.search(org.text)

    fresh, stale, holiday = sample[-3:]
    fresh_html = client.get(f"/services/{fresh['id']}").text
    assert re.search(r"free, updated \d+ min ago</strong>", fresh_html)
    assert "Not recent" not in fresh_html
    assert "Not recent: call to check" in client.get(f"/services/{stale['id']}").text
    assert "Closed for Thanksgiving" in client.get(f"/services/{holiday['id']}").text


def test_who_qualifies_reads_in_plain_words(app: Flask, client: Any, db: Session) -> None:
    now = dt.datetime.now(dt.UTC)
    services = generate(2026, now=now)
    teen = next(s for s in services if "Teen Crisis Shelter" in s["name"])
    dv = next(s for s in services if "Domestic Violence Shelter" in s["name"])
    from demo import load

    load(db, [teen, dv])
    html = client.get(f"/services/{teen['id']}").text
    assert "Ages 12-17" in html
    assert "Only for teens" in html
    dv_html = client.get(f"/services/{dv['id']}").text
    assert "Only for survivors of domestic violence" in dv_html
    assert "No public address: call first" in dv_html
    assert "Open 24 hours" in dv_html


def test_unknown_ids_are_not_found(client: Any) -> None:
    assert client.get(f"/services/{uuid.uuid4()}").status_code == 404
    assert client.get("/services/not-an-id").status_code == 404
    assert client.get(f"/organizations/{uuid.uuid4()}").status_code == 404
