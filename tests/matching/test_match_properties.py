"""Properties the ranking must hold for any catalog and any client (hypothesis)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching import Capacity, rank
from matching.types import GENDERS, HOUSEHOLDS, INSURANCES
from tests.matching.match_factories import HOME, NOW, cand, person

GENDER_CODES = {"female": "20036", "male": "20037", "transgender": "20038"}
SITUATIONS = ["20010", "20036", "20037", "20038", "20053", "20054", "20083", "20063", "20043"]
PROFILE = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ages = st.one_of(st.none(), st.integers(0, 99))


@st.composite
def candidates(draw, service_id: str | None = None):
    lo = draw(st.one_of(st.none(), st.integers(0, 70)))
    hi = draw(st.one_of(st.none(), st.integers(lo or 0, 99)))
    caps = ()
    if draw(st.booleans()):
        updated = NOW - timedelta(minutes=draw(st.integers(0, 72 * 60)))
        caps = (Capacity("beds", draw(st.integers(0, 30)), 30, updated),)
    return cand(
        service_id or draw(st.uuids()).hex,
        status=draw(st.sampled_from(["active", "active", "active", "inactive", "defunct"])),
        lat=HOME[0] + draw(st.floats(-0.2, 0.2)),
        lon=HOME[1] + draw(st.floats(-0.2, 0.2)),
        minimum_age=lo,
        maximum_age=hi,
        eligibility=frozenset(draw(st.lists(st.sampled_from(SITUATIONS), max_size=3))),
        audience=frozenset(draw(st.lists(st.sampled_from(SITUATIONS), max_size=2))),
        capacity=caps,
        languages=frozenset(draw(st.lists(st.sampled_from(["en", "es", "ht"]), max_size=2))),
        pets=draw(st.one_of(st.none(), st.booleans())),
        required_documents=draw(st.sampled_from([(), ("Photo ID",), ("Proof of income",)])),
        insurance=draw(st.one_of(st.none(), st.frozensets(st.sampled_from(INSURANCES)))),
    )


@st.composite
def clients(draw):
    return person(
        age=draw(ages),
        gender=draw(st.one_of(st.none(), st.sampled_from(GENDERS))),
        household=draw(st.one_of(st.none(), st.sampled_from(HOUSEHOLDS))),
        populations=frozenset(draw(st.lists(st.sampled_from(["20010", "20083", "20043"])))),
        languages=tuple(draw(st.lists(st.sampled_from(["en", "es", "ht"]), max_size=2))),
        insurance=draw(st.one_of(st.none(), st.sampled_from(INSURANCES))),
        pets=draw(st.one_of(st.none(), st.booleans())),
        has_id=draw(st.one_of(st.none(), st.booleans())),
    )


def ineligible(c, p) -> bool:
    """An oracle written apart from the rules: what must never be offered."""
    if c.status != "active":
        return True
    if p.age is not None and (
        (c.minimum_age is not None and p.age < c.minimum_age)
        or (c.maximum_age is not None and p.age > c.maximum_age)
    ):
        return True
    gender_listed = {x for x in c.eligibility if x in GENDER_CODES.values()}
    mine = GENDER_CODES.get(p.gender or "", "20038" if p.gender == "nonbinary" else None)
    if gender_listed and p.gender not in (None, "unknown") and mine not in gender_listed:
        return True
    if "20010" in c.eligibility and "20010" not in p.populations:
        return True
    if "20083" in c.eligibility and "20083" not in p.populations:
        return True
    if "20043" in c.eligibility and "20043" not in p.populations:
        return True
    household_listed = c.eligibility & {"20053", "20054"}
    if household_listed and p.household:
        mine_h = "20054" if p.household == "family_with_children" else "20053"
        if mine_h not in household_listed:
            return True
    # A figure of beds stays fresh 12 hours (the deployment's default); a stale "full" is unknown.
    fresh = [x for x in c.capacity if NOW - x.updated <= timedelta(hours=12)]
    if fresh and max(x.available for x in fresh) <= 0:
        return True
    if p.pets and c.pets is False:
        return True
    if p.has_id is False and "Photo ID" in c.required_documents:
        return True
    return bool(
        p.insurance not in (None, "none") and c.insurance is not None and p.insurance not in c.insurance
    )


@PROFILE
@given(st.lists(candidates(), max_size=12), clients())
def test_no_ineligible_service_is_ever_returned_as_a_match(catalog, p):
    result = rank(p, catalog, NOW)
    by_id = {c.service_id: c for c in catalog}
    for m in result.matches:
        assert not ineligible(by_id[m.service_id], p), m
    for e in result.excluded:
        assert e.reasons  # every exclusion says why
    assert len(result.matches) + len(result.excluded) <= len(catalog)


@PROFILE
@given(candidates(service_id="s"), clients(), st.floats(0, 0.3), st.floats(0.0001, 0.3))
def test_moving_a_service_farther_never_raises_its_score(c, p, north, further):
    p = dataclasses.replace(p, radius_km=500)
    near = dataclasses.replace(c, lat=HOME[0] + north, lon=HOME[1])
    far = dataclasses.replace(c, lat=HOME[0] + north + further, lon=HOME[1])
    a, b = rank(p, [near], NOW).matches, rank(p, [far], NOW).matches
    if a and b:
        assert b[0].score <= a[0].score
        assert b[0].components["distance"] <= a[0].components["distance"]
    assert not (b and not a)  # farther never turns an exclusion into a match


@PROFILE
@given(candidates(service_id="s"), clients(), st.integers(0, 30), st.integers(1, 30))
def test_more_free_capacity_never_lowers_the_score(c, p, beds, more):
    updated = NOW - timedelta(minutes=30)
    fewer = dataclasses.replace(c, capacity=(Capacity("beds", beds, 60, updated),))
    plenty = dataclasses.replace(c, capacity=(Capacity("beds", beds + more, 60, updated),))
    a, b = rank(p, [fewer], NOW).matches, rank(p, [plenty], NOW).matches
    if a:
        assert b
        assert b[0].score >= a[0].score


@PROFILE
@given(st.lists(candidates(), max_size=12), clients(), st.randoms(use_true_random=False))
def test_equal_inputs_give_the_same_order(catalog, p, rnd):
    first = rank(p, catalog, NOW)
    shuffled = list(catalog)
    rnd.shuffle(shuffled)
    second = rank(p, shuffled, NOW)
    assert [m.service_id for m in first.matches] == [m.service_id for m in second.matches]
    assert first == rank(p, catalog, NOW)
