"""The query layer on a real database: needs resolve, candidates carry their facts, and the
number of queries does not grow with the number of candidates."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import event, select

from catalog.models import Attribute, RequiredDocument
from matching import ClientNeeds, queries, rank
from matching.parse import InvalidField
from matching.queries import gather, resolve_needs
from search import hooks

COLUMBUS = (39.9612, -82.9988)
NOW = dt.datetime(2026, 1, 14, 21, 0, tzinfo=dt.UTC)


@pytest.fixture
def shelter_terms(make_term):
    housing = make_term("1103", "Housing")
    shelter = make_term("1135", "Emergency Shelter", parent=housing)
    family = make_term("9001", "Family Shelter", parent=shelter)
    return housing, shelter, family


def _tag(db, service, term, link_type="service_type"):
    db.add(Attribute(id=uuid.uuid4(), link_id=service.id, link_entity="service",
                     link_type=link_type, taxonomy_term=term))  # fmt: skip
    db.flush()


def test_need_resolves_by_code_name_and_id_with_descendants(db, shelter_terms):
    housing, shelter, family = shelter_terms
    by_code, by_name, by_id = resolve_needs(db, ["1135", "emergency shelter", str(shelter.id)])
    assert by_code == by_name == by_id
    assert by_code.term_ids == {str(shelter.id), str(family.id)}
    assert by_code.parent_ids == {str(housing.id)}
    (words,) = resolve_needs(db, ["detox beds"])
    assert words.term_ids == frozenset()
    assert words.words == ("detox", "beds")


def test_unknown_term_id_names_the_need(db):
    with pytest.raises(InvalidField, match=r"needs\[0\]: no taxonomy term has id"):
        resolve_needs(db, [str(uuid.uuid4())])


def test_gathered_candidates_carry_eligibility_capacity_and_languages(db, make_service, shelter_terms):
    _, shelter, family = shelter_terms
    vets = make_service("Vets Haven", beds=4, beds_max=20, beds_updated=NOW - dt.timedelta(hours=1),
                        languages=("es",), terms=(("20010", "Veterans", "eligibility"),),
                        minimum_age=18)  # fmt: skip
    _tag(db, vets, shelter)
    kids = make_service("Family Place", lat=COLUMBUS[0] + 0.02, opens="19:00", closes="07:00")
    _tag(db, kids, family)
    db.add(RequiredDocument(id=uuid.uuid4(), service=kids, document="State ID"))
    far = make_service("Cleveland Shelter", lat=41.4993, lon=-81.6944)
    _tag(db, far, shelter)
    make_service("Food Pantry", description="groceries")
    db.flush()

    needs = ClientNeeds(needs=resolve_needs(db, ["Emergency Shelter"]), lat=COLUMBUS[0],
                        lon=COLUMBUS[1], radius_km=25)  # fmt: skip
    cands = {c.name: c for c in gather(db, needs, tz="America/New_York")}
    assert set(cands) == {"Vets Haven", "Family Place"}
    v = cands["Vets Haven"]
    assert v.eligibility == {"20010"}
    assert v.minimum_age == 18
    assert v.languages == {"es"}
    assert v.capacity[0].available == 4
    assert v.capacity[0].unit == "bed"  # the catalog's unit name; sentences make the plural
    assert v.term_names == {str(shelter.id): "Emergency Shelter"}
    f = cands["Family Place"]
    assert f.required_documents == ("State ID",)
    assert len(f.schedules) == 1
    assert f.tz == "America/New_York"

    result = rank(needs, cands.values(), NOW)
    assert [m.name for m in result.matches] == ["Family Place"]
    assert result.excluded[0].reasons == ["only for veterans"]


def test_word_needs_find_names_descriptions_and_term_names(db, make_service, make_term):
    detox = make_term("1180", "Detox")
    a = make_service("Riverside Recovery", description="Medically supervised withdrawal")
    _tag(db, a, detox)
    make_service("Detox Now", description="24 hour intake")
    make_service("Food Pantry", description="groceries")
    needs = ClientNeeds(needs=resolve_needs(db, ["detox"]), lat=COLUMBUS[0], lon=COLUMBUS[1],
                        radius_km=25)  # fmt: skip
    names = sorted(c.name for c in gather(db, needs))
    assert names == ["Detox Now", "Riverside Recovery"]


def test_word_needs_ignore_case_in_every_column(db, make_service, make_term):
    """PostgreSQL tests a word with strpos over lowered text, SQLite with LIKE: the same
    answer either way, whatever the case of the need, the name, description or term names."""
    crisis = make_term("1126", "CRISIS Line")
    a = make_service("Hotline", description="phone support")
    _tag(db, a, crisis)
    make_service("CRISIS CENTER", description="walk in")
    make_service("Drop-in", description="Crisis counseling")
    make_service("Food Pantry", description="groceries")
    for raw in ("crisis", "Crisis", "CRISIS"):
        needs = ClientNeeds(needs=resolve_needs(db, [raw]), lat=COLUMBUS[0], lon=COLUMBUS[1], radius_km=25)
        names = sorted(c.name for c in gather(db, needs))
        assert names == ["CRISIS CENTER", "Drop-in", "Hotline"], raw


def test_query_count_does_not_grow_with_candidates(db, engine, make_service, shelter_terms):
    _, shelter, _ = shelter_terms
    needs = ClientNeeds(needs=resolve_needs(db, ["1135"]), lat=COLUMBUS[0], lon=COLUMBUS[1],
                        radius_km=25)  # fmt: skip

    def count() -> int:
        seen: list[str] = []

        def on_execute(conn, cursor, statement, *args):
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", on_execute)
        try:
            assert gather(db, needs)
        finally:
            event.remove(engine, "before_cursor_execute", on_execute)
        return len(seen)

    for i in range(2):
        svc = make_service(f"Shelter {i}", beds=3, languages=("en",), opens="19:00", closes="07:00")
        _tag(db, svc, shelter)
    few = count()
    for i in range(2, 12):
        svc = make_service(f"Shelter {i}", beds=3, languages=("en",), opens="19:00", closes="07:00")
        _tag(db, svc, shelter)
    assert count() == few
    assert few <= 10


def test_candidates_are_the_nearest_that_fit_within_the_radius(db, make_service, make_term, shelter_terms):
    """The bounding box over the search documents, the fit by term (with descendants and
    parent) or by text, then the exact distance: nearest first, none past the radius."""
    _, shelter, family = shelter_terms
    detox = make_term("1180", "Detox")
    for i, (term, lat) in enumerate([(shelter, 0.01), (family, 0.05), (detox, 0.02), (shelter, 0.5)]):
        _tag(db, make_service(f"Place {i}", lat=COLUMBUS[0] + lat), term)
    make_service("Detox Now", description="24 hour intake", lat=COLUMBUS[0] + 0.03)
    make_service("Food Pantry", description="groceries")
    expected = {
        "1135": ["Place 0", "Place 1"],
        "detox": ["Place 2", "Detox Now"],
        "Emergency Shelter|detox": ["Place 0", "Place 2", "Detox Now", "Place 1"],
    }
    for raw, names in expected.items():
        needs = ClientNeeds(needs=resolve_needs(db, raw.split("|")), lat=COLUMBUS[0], lon=COLUMBUS[1],
                            radius_km=25)  # fmt: skip
        assert [c.name for c in gather(db, needs)] == names, raw
    wide = ClientNeeds(needs=resolve_needs(db, ["1135"]), lat=COLUMBUS[0], lon=COLUMBUS[1], radius_km=60)
    assert [c.name for c in gather(db, wide)] == ["Place 0", "Place 1", "Place 3"]
    assert [c.name for c in gather(db, wide, cap=1)] == ["Place 0"]


def test_a_dense_need_asks_a_smaller_circle_first_same_answer(db, engine, make_service, shelter_terms):
    """Needs not asked in full yet ask half the radius first, needs that found many more than
    the cap a circle sized by that count; when it holds fewer than the cap the whole radius is
    asked. Each answer is the one the whole radius gives."""
    _, shelter, _ = shelter_terms
    for i in range(12):  # 0.5 to 6 km north
        _tag(db, make_service(f"Near {i:02}", lat=COLUMBUS[0] + 0.0045 * (i + 1)), shelter)
    queries._FOUND.clear()
    boxes: list[float] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _box(conn, cursor, statement, parameters, context, executemany):
        if "search_document" in statement and "latitude" in statement and "BETWEEN" in statement:
            bounds = context.compiled_parameters[0]
            boxes.append(round(bounds["latitude_2"] - bounds["latitude_1"], 9))  # the box's height

    resolved = resolve_needs(db, ["1135"])
    south = ClientNeeds(needs=resolved, lat=COLUMBUS[0] - 0.16, lon=COLUMBUS[1], radius_km=25)  # 18 km
    here = ClientNeeds(needs=resolved, lat=COLUMBUS[0], lon=COLUMBUS[1], radius_km=25)
    try:
        far = queries.near(db, south, cap=2)  # half the radius holds none: then the whole
        near = queries.near(db, here, cap=2)  # 12 found in full: a circle of 25 * sqrt(4 / 12) km
    finally:
        event.remove(engine, "before_cursor_execute", _box)
    half, whole, sized = boxes
    assert half < sized < whole
    assert round(whole / half, 3) == 2.0
    queries._FOUND[("Emergency Shelter",)] = 0  # no hint of many: the whole radius at once
    assert far == queries.near(db, south, cap=2)
    assert near == queries.near(db, here, cap=2)
    assert len(near) == 2


def test_a_write_is_seen_by_the_next_match_of_another_session(
    db, session_factory, make_service, shelter_terms
):
    """Nothing is kept per process: a service filed and moved in one session is a candidate
    where it now is in the very next match of another."""
    from catalog.models import Location

    _, shelter, _ = shelter_terms
    svc = make_service("New Refuge", lat=COLUMBUS[0] + 2)
    needs = ClientNeeds(needs=resolve_needs(db, ["1135"]), lat=COLUMBUS[0], lon=COLUMBUS[1], radius_km=25)
    other = session_factory()
    assert gather(other, needs) == []
    _tag(db, svc, shelter)
    assert gather(other, needs) == []  # filed, but 220 km away
    for loc in db.scalars(select(Location)):  # the one place of the one service
        loc.latitude = COLUMBUS[0] + 0.01
    db.flush()
    assert [c.name for c in gather(other, needs)] == ["New Refuge"]
    other.close()


def test_word_needs_go_through_the_synonyms_of_search(db, make_service, make_term):
    """'rehab' is residential treatment, as in search: the term of that name is an exact fit
    and a description saying it is a text fit."""
    treatment = make_term("1182", "Residential Treatment")
    filed = make_service("Bridgeway Recovery", description="A 28-day program.")
    _tag(db, filed, treatment)
    make_service("Oak House", description="Residential treatment for women, 90 days.")
    make_service("Food Pantry", description="groceries")
    (rehab,) = resolve_needs(db, ["rehab"])
    assert rehab.label == "rehab"
    assert str(treatment.id) in rehab.term_ids
    assert ("residential", "treatment") in rehab.groups[0]
    needs = ClientNeeds(needs=(rehab,), lat=COLUMBUS[0], lon=COLUMBUS[1], radius_km=25)
    result = rank(needs, gather(db, needs), NOW)
    why = {m.name: m.reasons for m in result.matches}
    assert set(why) == {"Bridgeway Recovery", "Oak House"}
    assert "offers Residential Treatment" in why["Bridgeway Recovery"]
    assert "mentions “residential treatment”" in why["Oak House"]


def test_word_needs_of_several_words_keep_each_word_and_its_synonyms(db, make_service):
    make_service("Northside Clinic", description="Outpatient substance use treatment.")
    make_service("Tire Treatment Center", description="Tyres.")
    (need,) = resolve_needs(db, ["drug treatment"])
    assert need.term_ids == frozenset()
    assert need.words == ("drug", "treatment")
    needs = ClientNeeds(needs=(need,), lat=COLUMBUS[0], lon=COLUMBUS[1], radius_km=25)
    assert [c.name for c in gather(db, needs)] == ["Northside Clinic"]


def test_word_needs_are_corrected_like_a_search(db, make_service):
    hooks.install()  # the search index is written with the catalog, as in the app
    for place in ("Harbor", "Eastside", "Union"):
        make_service(f"{place} Night Shelter", description="Emergency shelter for adults.")
    make_service("Food Pantry", description="groceries")
    db.flush()
    (need,) = resolve_needs(db, ["shleter"])
    assert ("shelter",) in need.word_groups()[0]
    needs = ClientNeeds(needs=(need,), lat=COLUMBUS[0], lon=COLUMBUS[1], radius_km=25)
    names = sorted(c.name for c in gather(db, needs))
    assert names == ["Eastside Night Shelter", "Harbor Night Shelter", "Union Night Shelter"]
