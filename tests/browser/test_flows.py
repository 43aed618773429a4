"""What a person does, in a real browser: search with a typo, open and apply the filters,
call or get directions from a service page, match with a preset, switch the language, and
all of it again with JavaScript off where it applies. Things are found by role, label and
text, as a person finds them; Playwright waits for them, nothing sleeps."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import PHONE, Site

SCREEN_HEIGHT = PHONE["viewport"]["height"]
TOUCH = 44  # px, the smallest tap target


def results(page: Any) -> Any:
    """The cards of the answer: the list inside the region named by the results count."""
    region = page.get_by_role("region", name=re.compile(r"\d+ (results?|resultados?)"))
    return region.get_by_role("list").first.locator(":scope > li")


def test_search_with_a_typo_finds_shelters(site: Site, new_context: Any) -> None:
    page = new_context("phone").new_page()
    page.goto("/")
    page.get_by_label("What do you need?").fill("sheltr")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=sheltr"))
    assert page.get_by_text("Did you mean").count() == 1
    first = results(page).first
    assert re.search(r"shelter", first.get_by_role("heading").inner_text(), re.I)


@pytest.mark.parametrize("path", ["/?q=shelter", "/search?q=shelter"])
def test_first_result_is_on_the_first_phone_screen(path: str, site: Site, new_context: Any) -> None:
    page = new_context("phone").new_page()
    page.goto(path)
    card = results(page).first
    box = card.bounding_box()
    heading = card.get_by_role("heading").bounding_box()
    assert box is not None
    assert heading is not None
    assert box["y"] >= 0
    assert heading["y"] + heading["height"] <= SCREEN_HEIGHT, (box, heading)


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_filters_open_and_apply(js: bool, site: Site, new_context: Any) -> None:
    """The filters fold under a plain <details>: they open and apply with or without JavaScript."""
    page = new_context("phone", js=js).new_page()
    page.goto("/search?q=shelter")
    everything = int(re.search(r"\d+", page.get_by_role("heading", level=2).first.inner_text()).group())
    open_now = page.get_by_label("Open now")
    assert not open_now.is_visible()
    page.get_by_text("Filters", exact=True).click()
    open_now.check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"open_now=true"))
    cards = results(page)
    assert 0 < cards.count() <= everything
    for i in range(cards.count()):
        # open or closed is said in words, never by colour alone
        assert cards.nth(i).get_by_text("Open now", exact=True).count() == 1
    assert page.get_by_text(re.compile(r"Filters \(1 on\)")).count() == 1


def test_search_without_javascript(site: Site, new_context: Any) -> None:
    page = new_context("desktop", js=False).new_page()
    page.goto("/")
    page.get_by_label("What do you need?").fill("food pantry")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=food"))
    assert results(page).count() > 0


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_service_page_call_and_directions(viewport: str, site: Site, new_context: Any) -> None:
    page = new_context(viewport).new_page()
    page.goto("/?q=shelter")
    results(page).first.get_by_role("heading").get_by_role("link").click()
    page.wait_for_url(re.compile(r"/services/"))
    call = page.get_by_role("link", name=re.compile(r"^Call ")).first
    assert (call.get_attribute("href") or "").startswith("tel:")
    directions = page.get_by_role("link", name="Open in your map app").first
    assert re.match(r"geo:-?\d+\.\d+,-?\d+\.\d+", directions.get_attribute("href") or "")
    for link in (call, directions):
        box = link.bounding_box()
        assert box is not None
        assert box["height"] >= TOUCH, box
        assert box["width"] >= TOUCH, box


def test_match_with_a_preset_ranks_services(site: Site, new_context: Any) -> None:
    page = new_context("phone").new_page()
    page.goto("/match")
    page.get_by_role("link", name="Family without a home tonight").click()
    page.get_by_label("Where is the person?").fill("43215")
    page.get_by_role("button", name="Find matches").first.click()
    page.wait_for_url(re.compile(r"preset=family_tonight"))
    heading = page.get_by_role("heading", name=re.compile(r"^\d+ match"))
    assert int(re.match(r"\d+", heading.inner_text()).group()) > 0
    ranked = page.get_by_role("region", name=re.compile(r"\d+ match")).get_by_role("list").first
    scores = [float(s) for s in re.findall(r"Score (\d+\.\d+)", ranked.inner_text())]
    assert scores
    assert scores == sorted(scores, reverse=True)
    # on a phone the answer comes first: the best match is on the first screen
    best = ranked.locator(":scope > li").first.bounding_box()
    assert best is not None
    assert best["y"] < SCREEN_HEIGHT


def test_language_switch(site: Site, new_context: Any) -> None:
    page = new_context("phone", "en").new_page()
    page.goto("/?q=shelter")
    page.get_by_role("link", name="Español").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
    assert re.search(r"\d+ resultados", page.get_by_role("heading", level=2).first.inner_text())
    assert "q=shelter" in page.url  # back on the same page
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"


@pytest.mark.parametrize("js", [True, False])
def test_a_provider_updates_beds_in_two_taps_on_a_phone(
    js: bool, site: Site, new_context: Any, signed_in: Any
) -> None:
    """+ then Save on /provider (with JavaScript the + changes the field in place, without it
    the server does), and the service's public page shows the new figure at once."""
    page = new_context("phone", storage_state=signed_in("provider"), js=js).new_page()
    page.goto(f"/services/{site.ids['figured']}")
    shown = int(float(page.locator("li.capacity").first.get_attribute("data-available") or "0"))
    page.goto("/provider")
    card = page.locator(f"#service-{site.ids['figured']}")
    field = card.get_by_role("spinbutton").first
    before = int(field.input_value())
    plus = card.get_by_role("button", name=re.compile(r"^One more"))
    assert plus.first.bounding_box()["height"] >= TOUCH
    plus.first.click()  # tap one
    if not js:
        page.wait_for_load_state()
        card = page.locator(f"#service-{site.ids['figured']}")
        field = card.get_by_role("spinbutton").first
    assert int(field.input_value()) == before + 1
    card.get_by_role("button", name="Save", exact=True).click()  # tap two
    page.wait_for_url(re.compile(r"/provider#service-"))
    assert page.get_by_role("status").first.inner_text().startswith("Saved:")
    page.goto(f"/services/{site.ids['figured']}")
    # What is free is the figure less the places held (the demo's referral may hold one).
    assert page.get_by_text(re.compile(rf"^{shown + 1} of \d+ beds? free, updated just now")).count() == 1
