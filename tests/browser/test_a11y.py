"""WCAG 2.1 AA checks that axe-core leaves to people, measured in the browser: headings in
order, a skip link that works, a visible focus, touch targets of at least 44 px on a phone,
and an error message tied to its field."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import Site
from tests.browser.test_pages import PAGES, opened

TOUCH = 44  # px

# The heading levels of the page in document order.
HEADINGS = "() => [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => Number(h.tagName[1]))"

# Every visible control a finger taps, with its size. A link inside a sentence is exempt (WCAG
# 2.5.5 "inline"): its paragraph holds other words. A checkbox or radio is tapped through its
# label, so the label is measured.
TARGETS = """() => {
  const out = [];
  const controls = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (const el of document.querySelectorAll(controls)) {
    let target = el;
    if (el.matches('input[type=checkbox], input[type=radio]') && el.labels.length) target = el.labels[0];
    const box = target.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(target).visibility === 'hidden') continue;
    if (el.matches('.skip, .visually-hidden')) continue;
    if (el.tagName === 'A') {
      const block = el.parentElement.closest('p, li, dd, td, span');
      const own = el.textContent.trim();
      if (block && block.textContent.replace(/\\s+/g, ' ').trim() !== own.replace(/\\s+/g, ' ')) continue;
    }
    if (box.height < TOUCH || box.width < TOUCH) {
      const words = (el.textContent || el.name || '').trim().slice(0, 40);
      out.push(`${el.tagName.toLowerCase()} "${words}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return out;
}""".replace("TOUCH", str(TOUCH))


def in_order(levels: list[int]) -> bool:
    """One h1 first, and no level skipped on the way down (h2 to h4 is a skip; h4 to h2 is not)."""
    if levels.count(1) != 1 or levels[0] != 1:
        return False
    return all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))


def test_in_order() -> None:
    assert in_order([1, 2, 3, 3, 2, 3])
    assert not in_order([2, 1])
    assert not in_order([1, 3])
    assert not in_order([1, 2, 1])


@pytest.mark.parametrize("name", list(PAGES))
def test_headings_in_order_and_touch_targets(
    name: str, site: Site, tab: Any, new_context: Any, signed_in: Any
) -> None:
    path, role = PAGES[name]
    page = opened(tab, new_context, signed_in, path, "phone", "en", role)
    page.goto(path.format(**site.ids))
    levels = page.evaluate(HEADINGS)
    assert in_order(levels), f"{name}: headings {levels}"
    assert page.evaluate(TARGETS) == [], name  # noqa: PT018


def test_skip_link_and_visible_focus(site: Site, new_context: Any) -> None:
    page = new_context("phone").new_page()
    page.goto("/?q=shelter")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box is not None
    assert box["y"] >= 0
    assert box["x"] >= 0
    for _ in range(6):  # the skip link, then the header's links: each shows where focus is
        outline = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, s.outlineWidth]; }"
        )
        assert outline[0] != "none", outline
        assert float(outline[1].removesuffix("px")) >= 2, outline
        page.keyboard.press("Tab")
    page.goto("/?q=shelter")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_an_error_is_tied_to_its_field(site: Site, new_context: Any) -> None:
    page = new_context("phone").new_page()
    page.goto("/match")
    page.get_by_label("Needs", exact=True).fill("Emergency Shelter")
    page.get_by_label("Location", exact=True).fill("nowhere at all 99999")
    page.get_by_role("button", name="Find matches").click()
    field = page.get_by_label("Location", exact=True)
    assert field.get_attribute("aria-invalid") == "true"
    described = field.get_attribute("aria-describedby") or ""
    message = page.locator(f"#{described}")
    assert message.get_attribute("role") == "alert"
    assert re.search(r"\w", message.inner_text())
