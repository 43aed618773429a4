"""The sentences people read: one wording for a figure on every page and in every answer."""

from __future__ import annotations

import datetime as dt

import pytest

import phrases
from kernel.templating import age_text
from matching import reasons
from matching.types import Capacity

NOW = dt.datetime(2026, 3, 10, 18, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (dt.timedelta(seconds=20), "just now"),
        (dt.timedelta(minutes=20), "20 min ago"),
        (dt.timedelta(minutes=59, seconds=59), "59 min ago"),
        (dt.timedelta(hours=3, minutes=50), "3 h ago"),
        (dt.timedelta(hours=47), "47 h ago"),
        (dt.timedelta(days=5, hours=2), "5 days ago"),
        (-dt.timedelta(minutes=5), "just now"),  # a clock a little ahead is not the future
    ],
)
def test_the_age_of_a_figure(delta: dt.timedelta, text: str) -> None:
    assert phrases.ago(NOW - delta, NOW) == text
    assert age_text(NOW - delta, NOW) == text  # the pages' `age` filter


def test_the_age_of_a_date_and_of_nothing() -> None:
    assert phrases.ago(NOW.date(), NOW) == "today"
    assert phrases.ago(NOW.date() - dt.timedelta(days=1), NOW) == "1 day ago"
    assert phrases.ago(NOW.date() - dt.timedelta(days=9), NOW) == "9 days ago"
    assert phrases.ago(None, NOW) == "never"
    assert phrases.ago(dt.datetime(2026, 3, 10, 17, 40), NOW) == "20 min ago"  # naive is UTC
    assert phrases.updated(None, NOW) == "update time not stated"


@pytest.mark.parametrize(
    ("available", "maximum", "unit", "text"),
    [
        (3, 12, "bed", "3 of 12 beds free"),
        (3, 12, "beds", "3 of 12 beds free"),
        (1, 12, "beds", "1 of 12 bed free"),
        (1, None, "bed", "1 bed free"),
        (0, 40, "bed", "full: 0 of 40 beds free"),
        (2.5, None, None, "2.5 places free"),
        (4.0, 10.0, "Slot", "4 of 10 slots free"),
    ],
)
def test_capacity_sentences(available: float, maximum: float | None, unit: str | None, text: str) -> None:
    assert phrases.capacity(available, maximum, unit) == text


def test_matching_reasons_use_the_same_words() -> None:
    cap = Capacity("beds", 3, 40, NOW - dt.timedelta(minutes=20))
    assert reasons.capacity(cap, NOW) == "3 of 40 beds free, updated 20 min ago"
    assert reasons.capacity(cap, NOW, full=True) == "full: 0 of 40 beds free, updated 20 min ago"
    assert reasons.age_range(18, None) == f"serves {phrases.ages(18, None)}" == "serves ages 18 and over"
    assert reasons.age_range(12, 24) == "serves ages 12-24"
    assert reasons.ago is phrases.ago


def test_ages_plans_languages_and_distance() -> None:
    assert phrases.ages(None, 17) == "ages up to 17"
    assert phrases.ages(None, None) is None
    assert phrases.plan("medicaid") == "Medicaid"
    assert phrases.plan("Private") == "private insurance"
    assert phrases.plan("Tricare") == "Tricare"
    assert phrases.insurance_taken("none") == "no insurance needed"
    assert phrases.plans({"medicare", "medicaid"}) == "Medicaid, Medicare"
    assert phrases.language("ES") == "Spanish"
    assert phrases.distance(1.234) == "1.2 km"
    assert phrases.distance(12.6) == "13 km"
    assert phrases.distance_both(1.609344) == "1.0 mi (1.6 km)"
