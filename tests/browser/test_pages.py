"""Every page, at a phone and a desktop viewport, in English and Spanish: no serious or
critical axe-core violation, under 60 KB on the wire, nothing from another origin, and a
screenshot for a person to look at (build/screenshots/PAGE-VIEWPORT-LANGUAGE.jpg).

axe-core is the copy the PyPI package axe-playwright-python ships (axe.min.js, MPL-2.0),
injected through Playwright, so no page ever loads it from anywhere.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask

from app import create_app
from tests.browser.conftest import SCREENSHOTS, SHOT, Site, watch

BUDGET = 60 * 1024  # bytes on the wire for a whole page: its HTML, its CSS, anything it asks for
AXE = Axe()

# name -> (path with {placeholders} from Site.ids, the demo role signed in or None).
PAGES: dict[str, tuple[str, str | None]] = {
    "home": ("/", None),
    "home-results": ("/?q=shelter", None),
    "search-typo": ("/search?q=sheltr", None),
    "search-filters": ("/search?q=shelter&open_now=true&near=43215&radius_km=25", None),
    "service": ("/services/{service}", None),
    "organization": ("/organizations/{organization}", None),
    "match": ("/match", None),
    "match-preset": ("/match?preset=family_tonight&location=43215", None),
    "login": ("/login", None),
    "login-code": ("/login/code", None),  # without a password step first: back to /login
    "second-factor": ("/account/second-factor", "social_worker"),
    "admin-second-factor": ("/admin/second-factor", "admin"),
    "password": ("/account/password", "social_worker"),
    "own-tokens": ("/account/tokens", "provider"),
    "capacity-upload": ("/provider/capacity/upload", "provider"),
    "admin-users": ("/admin/users", "admin"),
    "admin-user": ("/admin/users/{user}", "admin"),
    "admin-teams": ("/admin/teams", "admin"),
    "admin-tokens": ("/admin/tokens", "admin"),
    "admin-audit": ("/admin/audit", "admin"),
    "referrals": ("/referrals", "social_worker"),
    "referrals-filtered": ("/referrals?status=requested&status=accepted&overdue=1", "social_worker"),
    "follow-up": ("/referrals/follow-up", "social_worker"),
    "client": ("/clients/{client}", "social_worker"),
    "verification": ("/admin/verification", "admin"),
    "service-provider": ("/services/{service}", "provider"),  # with its confirm button
    "report": ("/services/{service}/report", None),
    "reports": ("/admin/reports", "provider"),
    "report-decide": ("/admin/reports/{report}", "provider"),
    "history": ("/admin/history/service/{service}", "admin"),
    "synonyms": ("/admin/synonyms?word=detox", "admin"),
    "duplicates": ("/admin/duplicates", "admin"),
    "inbox": ("/inbox", "provider"),
    "inbox-referral": ("/inbox/{referral}", "provider"),
    "referral": ("/referrals/{referral}", "social_worker"),
    "draft": ("/referrals/{draft}", "social_worker"),
    "draft-complete": ("/referrals/{draft}/complete", "social_worker"),
    "referral-new": (
        "/referrals/new?service_id={service}&location_id={location}&need=Emergency+Shelter",
        "social_worker",
    ),
    "match-refer": ("/match?preset=family_tonight&location=43215", "social_worker"),
    "dashboard": ("/dashboard", "coordinator"),
    "dashboard-admin": ("/dashboard?from=2025-01-01&to=2026-12-31", "admin"),
    "dashboard-summary": ("/dashboard/summary", "coordinator"),
    "dashboard-need": ("/dashboard/need", "coordinator"),
    "dashboard-catalog": ("/dashboard/catalog", "admin"),
    "link-accept": ("/r/{accept}", None),
    "link-decline": ("/r/{decline}", None),
    "provider": ("/provider", "provider"),
    "provider-link": ("/provider/l/{capacity}", None),
    "provider-details": ("/provider/services/{figured}/edit", "provider"),
    "provider-stale": ("/provider/stale", "coordinator"),
    "field": ("/field", None),
    "field-results": ("/field?need=shelter&lat=39.9612&lon=-82.9988", None),
    "field-essentials": ("/field/essentials", None),
    "field-share": ("/field/share?pick={service}&lang=es&lat=39.9612&lon=-82.9988", None),
    "field-list": ("/field/list/{field_list}", None),  # a list handed over in the page's language
}

# GET routes that are not pages for a person: JSON (a referral's polled state too), CSV,
# redirects, static files, the field view's service worker.
NOT_PAGES = ("/api/", "/hsds/", "/static/", "/language/", ".csv", ".json", "/state", "/sw.js")


def page_routes(app: Flask) -> set[str]:
    return {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not any(part in rule.rule for part in NOT_PAGES)
    }


def test_every_page_route_is_visited(tmp_path: Path) -> None:
    """A new page route fails here until it is added to PAGES (and so checked in the browser)."""
    app = create_app({"DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'routes.db'}"})
    adapter = app.url_map.bind("localhost")
    some_id = str(uuid.UUID(int=1))
    ids = dict.fromkeys(
        ("service", "location", "organization", "user", "referral", "client", "consent", "figured", "draft"),
        some_id,
    )
    ids |= {
        "accept": "lkl_x",
        "decline": "lkl_y",
        "capacity": "lkl_z",
        "report": some_id,
        "field_list": "x.y.z",
    }
    visited = {
        adapter.match(path.split("?")[0].format(**ids), return_rule=True)[0].rule
        for path, _ in PAGES.values()
    }
    assert page_routes(app) - visited == set()


def opened(
    tab: Any, new_context: Any, signed_in: Any, path: str, viewport: str, lang: str, role: str | None
) -> Any:
    """The page to visit `path` in: a kept tab, or for the field view a fresh phone (it keeps
    the last place and results in the phone's storage, so a visit must start from none)."""
    if path.startswith("/field"):
        return new_context(viewport, lang, storage_state=signed_in(role) if role else None).new_page()
    return tab(viewport, lang, role)


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize("name", list(PAGES))
def test_page(
    name: str, viewport: str, lang: str, site: Site, tab: Any, new_context: Any, signed_in: Any
) -> None:
    path, role = PAGES[name]
    page = opened(tab, new_context, signed_in, path, viewport, lang, role)
    with watch(page) as load:
        response = page.goto(path.format(**{**site.ids, "field_list": site.ids[f"field_list_{lang}"]}))
        load.settle(page)  # goto returned at the load event: the stylesheet and images are in
    assert response is not None
    assert response.status == 200, (name, response.status)
    assert page.locator("html").get_attribute("lang") == lang
    # In CSS pixels: a phone's device pixels made four times the image to encode, for the same page.
    page.screenshot(
        path=str(SCREENSHOTS / f"{name}-{viewport}-{lang}.jpg"), full_page=True, scale="css", **SHOT
    )

    assert any("/static/css/" in url for url in load.urls)  # the weight includes the stylesheet
    assert load.foreign(site.base) == []
    print(f"page weight {name}-{viewport}-{lang}: {load.transferred} bytes")
    assert load.transferred <= BUDGET, f"{name}: {load.transferred} bytes on the wire"

    results = AXE.run(page)
    faults = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert faults == [], f"{name}-{viewport}-{lang}: {faults}"
