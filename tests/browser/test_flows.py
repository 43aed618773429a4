"""What a person does, in a real browser: search with a typo, open and apply the filters,
call or get directions from a service page, match with a preset, switch the language, and
all of it again with JavaScript off where it applies. Things are found by role, label and
text, as a person finds them; Playwright waits for them, nothing sleeps."""

from __future__ import annotations

import re
import time
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


def test_from_a_match_to_a_held_bed_an_acceptance_and_a_completed_outcome(
    site: Site, new_context: Any, signed_in: Any
) -> None:
    """The social worker finds a bed on /match, refers with "Refer", fills the form and holds
    the bed, and lands on the referral's page; the provider accepts in its inbox and the
    worker's page says so by its poll, without a reload, within 30 s; the provider's
    completed outcome shows the same way, and in the timeline after a reload."""
    from playwright.sync_api import expect

    name, place = site.ids["figured_name"], site.ids["figured_place"]
    worker = new_context("phone", storage_state=signed_in("social_worker")).new_page()
    worker.goto("/match")
    worker.get_by_label("Needs", exact=True).fill(name)
    worker.get_by_label("Location", exact=True).fill(place)
    worker.get_by_role("button", name="Find matches").first.click()
    refer = worker.get_by_role("link", name=re.compile(rf"^Refer\W+{re.escape(name)}")).first
    refer.click()
    worker.wait_for_url(re.compile(r"/referrals/new\?"))
    assert worker.get_by_role("heading", level=1).inner_text() == name
    assert worker.get_by_label("Need", exact=True).input_value() == name  # prefilled from the match
    worker.get_by_role("textbox", name="Name or initials", exact=True).fill("Dana Q.")
    worker.get_by_role("textbox", name="Birth year", exact=True).fill("1991")
    # The phone field shows only for a preference that uses it (JavaScript; without it, both show).
    phone = worker.get_by_label("Phone (only for a phone call or text preference)")
    assert not phone.is_visible()
    worker.get_by_label("text message", exact=True).check()
    assert phone.is_visible()
    assert not worker.get_by_label("E-mail (only for an e-mail preference)").is_visible()
    worker.get_by_label("do not contact", exact=True).check()
    assert not phone.is_visible()
    worker.get_by_label("Yes", exact=True).check()
    worker.get_by_label("written", exact=True).check()
    worker.get_by_label("Hold a place for the client").check()
    worker.get_by_role("button", name="Make the referral").click()
    worker.wait_for_load_state()
    if worker.get_by_role("button", name="Someone else: make a new client").count():
        worker.get_by_role("button", name="Someone else: make a new client").click()
    worker.wait_for_url(re.compile(r"/referrals/[0-9a-f-]{36}$"))
    referral_id = worker.url.rsplit("/", 1)[1]
    assert worker.get_by_text("Referral made. A place is held until").count() == 1
    status = worker.locator("#referral-status")
    assert status.inner_text() == "sent, waiting for the provider's answer"

    # The same page without JavaScript: no poll, a reload shows the change.
    plain = new_context("desktop", storage_state=signed_in("social_worker"), js=False).new_page()
    plain.goto(f"/referrals/{referral_id}")

    provider = new_context("desktop", storage_state=signed_in("provider")).new_page()
    provider.goto(f"/inbox/{referral_id}")
    provider.get_by_role("button", name="Accept", exact=True).click()
    provider.wait_for_load_state()
    assert provider.get_by_text("Accepted. The referring team sees it now.").count() == 1
    accepted = time.monotonic()

    live = worker.locator("#referral-live")
    expect(live).to_contain_text("it is now accepted by the provider", timeout=30_000)
    print(f"the worker's page showed the acceptance {time.monotonic() - accepted:.1f} s after it")
    assert status.inner_text() == "accepted by the provider"
    assert plain.locator("#referral-status").inner_text() == "sent, waiting for the provider's answer"
    plain.reload()
    assert plain.locator("#referral-status").inner_text() == "accepted by the provider"

    provider.goto(f"/inbox/{referral_id}")
    provider.get_by_label("Outcome").select_option("got-help")
    provider.get_by_role("button", name="Mark as completed").click()
    provider.wait_for_load_state()
    expect(live).to_contain_text("it is now completed", timeout=30_000)
    worker.get_by_role("link", name="Reload the page to see what changed").click()
    worker.wait_for_load_state()
    assert status.inner_text() == "completed"
    history = worker.get_by_role("list").filter(has_text="to completed (got help)")
    assert history.count() == 1
    assert worker.get_by_text("The held place is the client's now.").count() == 1


def test_anyone_reports_a_problem_without_javascript(site: Site, new_context: Any) -> None:
    """No account, no script: the form in the page's "Report a problem" section posts and
    comes back with a thank-you; a refused one keeps what was typed."""
    page = new_context("phone", js=False).new_page()
    page.goto(f"/services/{site.ids['service']}")
    page.get_by_text("Something here is wrong? Tell us.").click()
    page.get_by_label("Something else", exact=True).check()
    page.get_by_label(re.compile("What should it say")).fill("The entrance moved to the side street.")
    page.get_by_label("Your e-mail, to hear what was done (optional)").fill("not an address")
    page.get_by_role("button", name="Send the report").click()
    assert page.get_by_text("This is not an e-mail address").is_visible()
    assert (
        page.get_by_label("Your e-mail, to hear what was done (optional)").input_value() == "not an address"
    )
    assert page.get_by_label(re.compile("What should it say")).input_value().startswith("The entrance")
    assert page.get_by_label("Something else", exact=True).is_checked()
    page.get_by_label("Your e-mail, to hear what was done (optional)").fill("")
    page.get_by_role("button", name="Send the report").click()
    assert page.get_by_role("status").inner_text().startswith("Thank you")


def test_a_provider_uploads_figures_as_csv_and_reads_the_report_on_a_phone(
    site: Site, new_context: Any, signed_in: Any
) -> None:
    """A refused file: the alert, the row at fault, nothing written, the rows kept in the form,
    the report axe-clean; the same file fixed: stored, and its row confirmed."""
    from axe_playwright_python.sync_playwright import Axe

    # JavaScript on only so that axe can run: the form is plain HTML and posts without it.
    page = new_context("phone", storage_state=signed_in("provider")).new_page()
    sid = site.ids["figured"]
    [figure] = page.request.get(f"/api/v1/services/{sid}/capacity").json()["figures"]
    maximum = figure["maximum"] if figure["maximum"] is not None else figure["available"]
    page.goto("/provider/capacity/upload")
    bad = f"service_id,unit,available,maximum\n{sid},{figure['unit']},{maximum + 1},{maximum}\n"
    page.get_by_label("Or paste the rows here").fill(bad)
    page.get_by_role("button", name="Upload").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").inner_text().startswith("1 row was refused, so nothing was written.")
    row = page.get_by_role("row").nth(1)
    assert "refused" in row.inner_text()
    assert "above the maximum" in row.inner_text()
    assert page.get_by_label("Or paste the rows here").input_value().strip() == bad.strip()
    faults = [
        v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")
    ]
    assert faults == []
    after = page.request.get(f"/api/v1/services/{sid}/capacity").json()["figures"][0]
    assert after["available"] == figure["available"]  # nothing was written

    same = f"service_id,unit,available,maximum\n{sid},{figure['unit']},{figure['available']},{maximum}\n"
    page.get_by_label("Or paste the rows here").fill(same)
    page.get_by_role("button", name="Upload").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text().startswith("1 row read and stored.")
    assert "figure" in page.get_by_role("row").nth(1).inner_text()
    assert page.request.get(f"/api/v1/services/{sid}/capacity").json()["figures"][0]["age"] < 60


def test_an_officer_saves_a_draft_that_a_social_worker_completes_with_consent(
    site: Site, new_context: Any, signed_in: Any
) -> None:
    """The officer at the scene refers from /match and saves a draft without consent; the
    team's social worker finds it among the team's drafts, completes it with written consent
    and sends it: the referral's page says it is sent."""
    name, place = site.ids["figured_name"], site.ids["figured_place"]
    officer = new_context("phone", storage_state=signed_in("officer")).new_page()
    officer.goto("/match")
    officer.get_by_label("Needs", exact=True).fill(name)
    officer.get_by_label("Location", exact=True).fill(place)
    officer.get_by_role("button", name="Find matches").first.click()
    officer.get_by_role("link", name=re.compile(rf"^Refer\W+{re.escape(name)}")).first.click()
    officer.wait_for_url(re.compile(r"/referrals/new\?"))
    officer.get_by_role("textbox", name="Name or initials", exact=True).fill("Officer Draft K.")
    officer.get_by_label("No (the referral cannot be sent)").check()
    officer.get_by_role("button", name="Save as a draft").click()
    officer.wait_for_load_state()
    if officer.get_by_role("button", name="Someone else: make a new client").count():
        officer.get_by_role("button", name="Someone else: make a new client").click()
    officer.wait_for_url(re.compile(r"/referrals/[0-9a-f-]{36}$"))
    referral_id = officer.url.rsplit("/", 1)[1]

    worker = new_context("desktop", storage_state=signed_in("social_worker")).new_page()
    worker.goto("/referrals")
    worker.get_by_role("link", name="Drafts to complete and send").click()
    # The team's drafts, each card titled by its client.
    worker.get_by_role("link", name="Officer Draft K.").first.click()
    worker.wait_for_url(re.compile(rf"/referrals/{referral_id}$"))
    worker.get_by_role("link", name="Complete and send").click()
    worker.wait_for_url(re.compile(rf"/referrals/{referral_id}/complete$"))
    assert worker.get_by_text("Officer Draft K.").count() == 1
    worker.get_by_label("Yes", exact=True).check()
    worker.get_by_label("written", exact=True).check()
    worker.get_by_role("button", name="Complete and send").click()
    worker.wait_for_url(re.compile(rf"/referrals/{referral_id}$"))
    assert worker.get_by_text("The draft is sent to the provider.").count() == 1
    assert worker.locator("#referral-status").inner_text() == "sent, waiting for the provider's answer"
