"""Jinja filters shared by every page: ages of figures, phone links, dates."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask


def age_text(when: dt.datetime | dt.date | None, now: dt.datetime | None = None) -> str:
    """'20 min ago', '3 h ago', '5 days ago': a figure is only as good as its age."""
    if when is None:
        return "never"
    now = now or dt.datetime.now(dt.UTC)
    if not isinstance(when, dt.datetime):
        days = (now.date() - when).days
        return "today" if days <= 0 else f"{days} day{'s' if days != 1 else ''} ago"
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    secs = max(0, int((now - when).total_seconds()))
    if secs < 90:
        return "just now"
    if secs < 3600:
        return f"{secs // 60} min ago"
    if secs < 48 * 3600:
        return f"{secs // 3600} h ago"
    days = secs // 86400
    return f"{days} days ago"


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
