"""Shared fixtures: a database built by the migrations once per run, a rolled-back
transaction per test, an app bound to that transaction, and catalog factories.

Set TEST_DATABASE_URL to run the whole suite on PostgreSQL (CI does).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.routing import Rule

from accounts import passwords
from app import create_app
from app.commands import alembic_config
from catalog import changelog
from catalog.models import (
    Address,
    Attribute,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
    Unit,
)
from demo import generate, load
from kernel.db import CatalogSession, catalog_sessions, make_engine
from search import hooks as search_hooks

# Every catalog session of the suite writes the change log and the search index, as the
# app's do, from the first test on: which tests ran before never changes what a flush does.
changelog.install()
search_hooks.install()

# argon2id at the library's defaults (64 MiB, 3 passes, 4 lanes) costs about 0.3 s of CPU per
# hash or check: by design for a login, but it was most of the time of every test that makes
# an account. The suite hashes with the same algorithm at its cheapest parameters; the
# production parameters are checked by tests/accounts/test_users.py, and processes the suite
# starts (the CLI, gunicorn) keep them.
passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file of ../shared; missing data fails under CI and skips on a bare checkout."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"shared data missing under CI: {path}")
        pytest.skip(f"shared data not present: {path}")
    return path


@pytest.fixture(scope="session")
def shared() -> Path:
    return shared_path()


def _pg_schema(url: str) -> str | None:
    match = re.search(r"search_path%3D(\w+)", url)
    return match.group(1) if match else None


def _reset_postgres(engine: Engine, schema: str) -> None:
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))


def migrate(url: str) -> Engine:
    """Build the schema the way production does: by running the migrations."""
    from alembic import command

    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        _reset_postgres(engine, _pg_schema(url) or "public")
    command.upgrade(alembic_config(url), "head")
    return engine


def pg_url_with_schema(url: str, schema: str) -> str:
    """Point every connection of this URL at its own schema, so runs never meet."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def _reads_the_database_url(path: Path) -> bool:
    """Whether a test module, or a conftest above it, picks its database from the environment."""
    tests = ROOT / "tests"  # whose conftest (this file) every test shares
    folders = [folder for folder in path.parents if tests in folder.parents]
    for candidate in (path, *(folder / "conftest.py" for folder in folders)):
        if candidate.is_file() and "TEST_DATABASE_URL" in candidate.read_text(encoding="utf-8"):
            return True
    return False


def _only_the_look(item: pytest.Item) -> bool:
    """A browser check of how a page looks, which the database does not change.

    On PostgreSQL every page is still opened in the browser, once (at a phone's size, in
    English), so each page's queries run there; its other sizes and language, and the
    headings and touch targets, are the same pages drawn again.
    """
    if "browser" not in Path(str(item.path)).parts:
        return False
    if getattr(item, "originalname", "") == "test_headings_in_order_and_touch_targets":
        return True
    params = getattr(getattr(item, "callspec", None), "params", {})
    return params.get("viewport", "phone") != "phone" or params.get("lang", "en") != "en"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, run only the tests whose result can depend on the database.

    The PostgreSQL leg exists to show that every query, lock and migration works there too. A
    test that never opens the suite's database (geo, opening hours, parsers, wording, files)
    gives the same result on both legs, so it runs once, on SQLite; LINKAGE_TEST_EVERYTHING=1
    runs it on PostgreSQL as well.
    """
    if not os.environ.get("TEST_DATABASE_URL") or os.environ.get("LINKAGE_TEST_EVERYTHING"):
        return
    keep: list[pytest.Item] = []
    skipped: list[pytest.Item] = []
    known: dict[Path, bool] = {}
    for item in items:
        path = Path(str(item.path))
        if path not in known:
            known[path] = _reads_the_database_url(path)
        names = set(getattr(item, "fixturenames", ()))
        uses_database = known[path] or bool(names & {"database_url", "engine"})
        (keep if uses_database and not _only_the_look(item) else skipped).append(item)
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = keep


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    # One schema per test run: two runs on one server (developers, CI) do not collide.
    schema = f"linkage_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    scoped = pg_url_with_schema(url, schema)
    yield scoped
    eng = make_engine(url)
    with eng.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    eng.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = migrate(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """One outer transaction per test, rolled back at the end: tests never see each other."""
    conn = engine.connect()
    trans = conn.begin()
    try:
        yield conn
    finally:
        trans.rollback()
        conn.close()


def bound_sessions(connection: Connection) -> sessionmaker[CatalogSession]:
    """Sessions that join `connection`'s outer transaction through savepoints."""
    return catalog_sessions(connection, join_transaction_mode="create_savepoint")


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[CatalogSession]:
    return bound_sessions(connection)


@contextmanager
def demo_loaded(engine: Engine, now: dt.datetime, seed: int = 2026) -> Iterator[Session]:
    """The demo county loaded once, in a transaction rolled back at the end.

    For a module whose tests only read the demo: a module-scoped fixture enters this once
    instead of loading 300+ services for every test.
    """
    conn = engine.connect()
    trans = conn.begin()
    session = bound_sessions(conn)()
    session.info["actor"] = "test"
    load(session, generate(seed, now))
    session.flush()
    try:
        yield session
    finally:
        session.close()
        trans.rollback()
        conn.close()


@pytest.fixture
def db(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    session = session_factory()
    session.info["actor"] = "test"
    yield session
    session.close()


class _CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates kept for the whole test process.

    Every test gets an app of its own, and with it a new Jinja environment that would parse
    and compile each template it renders again: a large part of each page test's time. Jinja
    keys each entry by the template's name and the checksum of its source, so an edited
    template is compiled afresh.
    """

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = _CompiledTemplates()

_compile_builder = Rule._compile_builder
_builders: dict[tuple[Any, ...], Any] = {}


def _shared_builder(self: Rule, append_unknown: bool = True) -> Any:
    """Werkzeug's URL builder for a rule, generated once per test process, not once per app.

    Werkzeug writes and compiles a Python function for each rule of each new app (two per
    rule, about 200 per app); that was most of the cost of the app every test makes. The
    function depends only on the rule's parsed parts and defaults (the rule is passed to it
    at each call), so rules alike share one.
    """
    key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())), append_unknown)
    if key not in _builders:
        _builders[key] = _compile_builder(self, append_unknown)
    return _builders[key]


Rule._compile_builder = _shared_builder  # type: ignore[method-assign]


@pytest.fixture
def app(tmp_path: Path, database_url: str, session_factory: sessionmaker[Session]) -> Flask:
    """An app whose request sessions join the test's transaction."""
    application = create_app(
        {
            "DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": database_url,
            "TESTING": True,
            "SECRET_KEY": "test-secret",
        }
    )
    application.extensions["linkage_db"].sessionmaker = session_factory
    application.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    return application


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()


# ---------------------------------------------------------------- factories


@pytest.fixture
def make_org(db: Session) -> Any:
    def factory(name: str = "Harbor Community Services", **kw: Any) -> Organization:
        org = Organization(id=uuid.uuid4(), name=name, description=kw.pop("description", f"{name}."), **kw)
        db.add(org)
        db.flush()
        return org

    return factory


def _term(db: Session, code: str, name: str, taxonomy: str = "Open Eligibility") -> TaxonomyTerm:
    from sqlalchemy import select

    tax = db.scalars(select(Taxonomy).where(Taxonomy.name == taxonomy)).first()
    if tax is None:
        tax = Taxonomy(id=uuid.uuid4(), name=taxonomy, description=taxonomy)
        db.add(tax)
    term = db.scalars(
        select(TaxonomyTerm).where(TaxonomyTerm.code == code, TaxonomyTerm.taxonomy_id == tax.id)
    ).first()
    if term is None:
        term = TaxonomyTerm(
            id=uuid.uuid4(), code=code, name=name, description=name, taxonomy_detail=tax, taxonomy=taxonomy
        )
        db.add(term)
    return term


@pytest.fixture
def make_term(db: Session) -> Any:
    def factory(
        code: str, name: str, taxonomy: str = "Open Eligibility", parent: TaxonomyTerm | None = None
    ) -> TaxonomyTerm:
        term = _term(db, code, name, taxonomy)
        if parent is not None:
            term.parent = parent
        db.flush()
        return term

    return factory


@pytest.fixture
def make_service(db: Session, make_org: Any) -> Any:
    """make_service(name=..., beds=3, opens="19:00", closes="07:00", lat=.., lon=.., ...)."""

    def factory(
        name: str = "Harbor Night Shelter",
        *,
        organization: Organization | None = None,
        lat: float | None = 39.9612,
        lon: float | None = -82.9988,
        beds: float | None = None,
        beds_max: float | None = None,
        beds_updated: dt.datetime | None = None,
        opens: str | None = None,
        closes: str | None = None,
        byday: str = "MO,TU,WE,TH,FR,SA,SU",
        languages: tuple[str, ...] = (),
        phone: str | None = "614-555-0100",
        terms: tuple[tuple[str, str, str], ...] = (),  # (code, name, link_type)
        address: str = "100 Main St",
        postal_code: str = "43215",
        **service_kw: Any,
    ) -> Service:
        org = organization or make_org(f"{name} Inc.")
        svc = Service(
            id=uuid.uuid4(),
            name=name,
            organization=org,
            description=service_kw.pop("description", name),
            **service_kw,
        )
        db.add(svc)
        loc = Location(id=uuid.uuid4(), name=name, organization=org, latitude=lat, longitude=lon)
        loc.addresses.append(
            Address(
                id=uuid.uuid4(),
                address_1=address,
                city="Columbus",
                state_province="OH",
                postal_code=postal_code,
                country="US",
            )
        )
        svc.service_at_locations.append(ServiceAtLocation(id=uuid.uuid4(), location=loc))
        if phone:
            svc.phones.append(Phone(id=uuid.uuid4(), number=phone, type="voice"))
        if opens and closes:
            svc.schedules.append(
                Schedule(id=uuid.uuid4(), freq="WEEKLY", byday=byday, opens_at=opens, closes_at=closes)
            )
        for code in languages:
            svc.languages.append(Language(id=uuid.uuid4(), code=code, name=code))
        if beds is not None:
            unit = Unit(id=uuid.uuid4(), name="bed")
            svc.capacities.append(
                ServiceCapacity(
                    id=uuid.uuid4(),
                    unit=unit,
                    available=beds,
                    maximum=beds_max,
                    updated=beds_updated or dt.datetime.now(dt.UTC),
                )
            )
        db.flush()
        for code, term_name, link_type in terms:
            term = _term(db, code, term_name)
            db.add(
                Attribute(
                    id=uuid.uuid4(),
                    link_id=svc.id,
                    link_entity="service",
                    link_type=link_type,
                    taxonomy_term=term,
                )
            )
        db.flush()
        return svc

    return factory
