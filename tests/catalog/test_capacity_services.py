"""catalog.services.set_figures: a provider's figures, checked and written all or nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from catalog import capacity
from catalog.models import CapacityHistory, Metadata, ServiceCapacity, Unit
from catalog.services import KEEP, FigureInput, parse_figures, refusals, set_figures
from kernel.errors import Problem
from kernel.identity import Identity

NOW = dt.datetime(2026, 12, 3, 21, 0, tzinfo=dt.UTC)


def provider_of(*orgs: Any) -> Identity:
    return Identity(
        user_id=uuid.uuid4(),
        email="desk@harbor.example.org",
        role="provider",
        organizations=frozenset(o.id for o in orgs),
    )


@pytest.fixture
def shelter(make_service: Any) -> Any:
    return make_service("Harbor Night Shelter", beds=3, beds_max=12, beds_updated=NOW - dt.timedelta(hours=5))


def _figure(db: Any, service: Any) -> ServiceCapacity:
    db.expire_all()
    return db.scalars(select(ServiceCapacity).where(ServiceCapacity.service_id == service.id)).one()


def test_a_provider_sets_its_figure_and_gets_it_back_with_its_age(db: Any, shelter: Any) -> None:
    stored = set_figures(db, provider_of(shelter.organization), shelter.id, [FigureInput("bed", 5, 12)], NOW)
    assert [(s.unit, s.available, s.maximum, s.held, s.free, s.updated, s.age_seconds) for s in stored] == [
        ("bed", 5.0, 12.0, 0.0, 5.0, NOW, 0)
    ]
    cap = _figure(db, shelter)
    assert (cap.available, cap.maximum, cap.updated) == (5, 12, NOW)
    history = db.scalars(select(CapacityHistory).where(CapacityHistory.capacity_id == cap.id)).all()
    last = max(history, key=lambda h: h.changed_at)
    assert (last.previous_available, last.available, last.changed_by, last.channel) == (
        3,
        5,
        "desk@harbor.example.org",
        "api",
    )


def test_the_same_figure_again_changes_nothing_but_confirms_it(db: Any, shelter: Any) -> None:
    who = provider_of(shelter.organization)
    set_figures(db, who, shelter.id, [FigureInput("bed", 5, 12)], NOW)
    later = NOW + dt.timedelta(hours=2)
    stored = set_figures(db, who, shelter.id, [FigureInput("bed", 5, 12)], later)
    assert [(s.available, s.maximum, s.updated) for s in stored] == [(5.0, 12.0, later)]
    assert _figure(db, shelter).updated == later
    assert db.scalar(select(func.count()).select_from(ServiceCapacity)) >= 1
    assert len(shelter.capacities) == 1
    confirmations = db.scalars(
        select(CapacityHistory).where(CapacityHistory.capacity_id == stored[0].capacity_id)
    ).all()
    assert [h.available for h in sorted(confirmations, key=lambda h: h.changed_at)][-2:] == [5, 5]


def test_maximum_left_out_keeps_the_stored_one_and_null_clears_it(db: Any, shelter: Any) -> None:
    who = provider_of(shelter.organization)
    assert set_figures(db, who, shelter.id, [FigureInput("bed", 7)], NOW)[0].maximum == 12
    with pytest.raises(Problem) as refused:
        set_figures(db, who, shelter.id, [FigureInput("bed", 13, KEEP)], NOW)
    assert (refused.value.status, refused.value.param) == (422, "available")
    assert set_figures(db, who, shelter.id, [FigureInput("bed", 30, None)], NOW)[0].maximum is None


@pytest.mark.parametrize(
    ("figure", "param", "words"),
    [
        (FigureInput("bed", 13, 12), "available", "above the maximum"),
        (FigureInput("bed", -1, 12), "available", "negative"),
        (FigureInput("bed", 1, -2), "maximum", "negative"),
        (FigureInput("beds", 1, 12), "unit", "no figure for the unit beds"),
    ],
    ids=["above maximum", "negative", "negative maximum", "unknown unit"],
)
def test_a_bad_figure_is_refused_naming_its_field_and_nothing_is_written(
    db: Any, shelter: Any, figure: FigureInput, param: str, words: str
) -> None:
    before = db.scalar(select(func.count()).select_from(Metadata))
    with pytest.raises(Problem) as refused:
        set_figures(db, provider_of(shelter.organization), shelter.id, [figure], NOW)
    assert (refused.value.status, refused.value.param) == (422, param)
    assert words in refused.value.detail
    assert (_figure(db, shelter).available, db.scalar(select(func.count()).select_from(Metadata))) == (
        3,
        before,
    )


def test_a_list_is_all_or_nothing(db: Any, shelter: Any) -> None:
    who = provider_of(shelter.organization)
    figures = parse_figures(
        [
            {"unit": "bed", "available": 4, "maximum": 12},
            {"unit": "family room", "available": 9, "maximum": 2, "create": True},
        ]
    )
    with pytest.raises(Problem) as refused:
        set_figures(db, who, shelter.id, figures, NOW)
    assert refused.value.param == "[1].available"
    assert _figure(db, shelter).available == 3
    assert db.scalar(select(func.count()).select_from(Unit).where(Unit.name == "family room")) == 0


def test_a_new_unit_needs_create_and_reuses_a_known_unit(db: Any, shelter: Any, make_service: Any) -> None:
    who = provider_of(shelter.organization)
    elsewhere = make_service("Other Shelter", beds=1)
    known = elsewhere.capacities[0].unit
    known.name, known.identifier = "crib", "crib"
    db.flush()
    stored = set_figures(
        db,
        who,
        shelter.id,
        [FigureInput("Crib", 2, 4, create=True), FigureInput("waitlist", 14, None, create=True)],
        NOW,
    )
    assert [(s.unit, s.available, s.maximum) for s in stored] == [
        ("bed", 3.0, 12.0),
        ("crib", 2.0, 4.0),
        ("waitlist", 14.0, None),
    ]
    db.expire_all()
    units = {c.unit.name: c.unit_id for c in db.get(type(shelter), shelter.id).capacities}
    assert units["crib"] == known.id
    # create on a unit the service has already is an ordinary update, not a second figure
    again = set_figures(db, who, shelter.id, [FigureInput("waitlist", 10, None, create=True)], NOW)
    assert [s.unit for s in again] == ["bed", "crib", "waitlist"]


def test_a_unit_given_twice_is_refused(db: Any, shelter: Any) -> None:
    figures = parse_figures([{"unit": "bed", "available": 1}, {"unit": "BED", "available": 2}])
    with pytest.raises(Problem) as refused:
        set_figures(db, provider_of(shelter.organization), shelter.id, figures, NOW)
    assert refused.value.param == "[1].unit"


def test_another_organizations_service_is_refused(db: Any, shelter: Any, make_org: Any) -> None:
    mine = make_org("Somebody Else Inc.")
    for who in (provider_of(mine), Identity(user_id=uuid.uuid4(), role="social_worker")):
        with pytest.raises(Problem) as refused:
            set_figures(db, who, shelter.id, [FigureInput("bed", 0, 12)], NOW)
        assert refused.value.status == 403
    assert _figure(db, shelter).available == 3
    admin = Identity(user_id=uuid.uuid4(), email="root@example.org", role="admin")
    assert set_figures(db, admin, shelter.id, [FigureInput("bed", 0, 12)], NOW)[0].available == 0


def test_an_unknown_service_is_a_404(db: Any, shelter: Any) -> None:
    with pytest.raises(Problem) as refused:
        set_figures(db, provider_of(shelter.organization), uuid.uuid4(), [FigureInput("bed", 1)], NOW)
    assert refused.value.status == 404


def test_refusals_lists_every_bad_figure(db: Any, shelter: Any) -> None:
    figures = [FigureInput("bed", 20, 12, at="[0]"), FigureInput("cot", 1, at="[1]")]
    found = refusals(db, provider_of(shelter.organization), shelter.id, figures)
    assert [(r.index, r.problem.param) for r in found] == [(0, "[0].available"), (1, "[1].unit")]


def test_free_is_the_figure_minus_the_holds_and_a_new_figure_counts_accepted_ones(
    db: Any, shelter: Any
) -> None:
    who = provider_of(shelter.organization)
    cap_id = shelter.capacities[0].id
    active = capacity.take(db, cap_id, NOW - dt.timedelta(minutes=5), 120, None)
    accepted = capacity.take(db, cap_id, NOW - dt.timedelta(minutes=4), 120, None)
    capacity.accept(accepted, NOW - dt.timedelta(minutes=3))
    db.flush()
    assert capacity.free_now(db, shelter.capacities[0], NOW) == 1  # 3 less the two holds
    now = set_figures(db, who, shelter.id, [FigureInput("bed", 3)], NOW)
    # Reported at NOW: the accepted hold is in the provider's figure now; the active one is held.
    assert (now[0].held, now[0].free) == (1.0, 2.0)
    assert active.state(NOW) == "active"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"available": 1}, "unit"),
        ({"unit": "bed"}, "available"),
        ({"unit": "bed", "available": "3"}, "available"),
        ({"unit": "bed", "available": True}, "available"),
        ({"unit": "bed", "available": 1, "maximum": "x"}, "maximum"),
        ({"unit": "bed", "available": 1, "beds": 3}, "beds"),
        ({"unit": "bed", "available": 1, "create": "yes"}, "create"),
        ([{"unit": "bed", "available": 1}, {"unit": "cot", "available": -0.0, "maximum": None}, 3], "[2]"),
        ([{"unit": "bed", "available": 1}, {"unit": "", "available": 1}], "[1].unit"),
        ([], "body"),
        ("beds", "body"),
    ],
)
def test_parse_names_the_failing_field(body: Any, param: str) -> None:
    with pytest.raises(Problem) as refused:
        parse_figures(body)
    assert (refused.value.status, refused.value.param) == (422, param)


def test_parse_reads_one_figure_or_a_list() -> None:
    assert parse_figures({"unit": " bed ", "available": 3, "maximum": 12}) == [FigureInput("bed", 3, 12)]
    assert parse_figures(
        [{"unit": "bed", "available": 3}, {"unit": "cot", "available": 0, "maximum": None, "create": True}]
    ) == [
        FigureInput("bed", 3, KEEP, at="[0]"),
        FigureInput("cot", 0, None, True, at="[1]"),
    ]
