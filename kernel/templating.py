"""Jinja filters shared by every page: ages of figures, distances, phone links.

The words come from `phrases`, which the search API and matching's reasons use too.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask

import phrases


def age_text(when: dt.datetime | dt.date | None, now: dt.datetime | None = None) -> str:
    """'20 min ago' (the `age` filter), worded by `phrases.ago` like the API's reasons."""
    return phrases.ago(when, now)


def tel_href(number: str | None) -> str:
    """A `tel:` link target: digits and a leading plus only."""
    if not number:
        return ""
    digits = re.sub(r"[^\d+]", "", number)
    if digits and not digits.startswith("+") and len(digits) == 10:
        digits = "+1" + digits
    return "tel:" + digits


def register_filters(app: Flask) -> None:
    app.add_template_filter(age_text, "age")
    app.add_template_filter(tel_href, "tel")
    app.add_template_filter(phrases.distance_both, "distance")
