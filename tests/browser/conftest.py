"""Real-browser tests: Debian's Chromium driven by Playwright against a real server.

One server per test process: the app on a werkzeug server thread on 127.0.0.1 (a port the
OS picks), on a real database file with the demo county and its accounts loaded, as
`linkage demo` does (on PostgreSQL, in a schema of its own, when TEST_DATABASE_URL is set).
One Chromium per test process, headless, launched from /usr/bin/chromium: Playwright's own
browser download cannot work here, so `playwright install` is never run. Where Chromium is
missing the tests skip with one line saying how to install it; under CI it fails the run.

Every page a test opens is watched: each request it makes and the bytes each answer took on
the wire, so the page weight and "nothing from another origin" are measured, not assumed.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import current_app
from sqlalchemy import select, text
from werkzeug.serving import make_server

from accounts.models import User
from app import create_app
from catalog import provider as provider_pages
from catalog import reports
from catalog.models import Service, ServiceCapacity, Unit
from demo import load_demo
from demo.accounts import create_demo_accounts
from field import lists as field_lists
from importers.models import DuplicateCandidate
from kernel.db import get_session, make_engine, utcnow
from referrals import links, notify, services
from referrals.access import Actor
from referrals.models import Referral
from tests.conftest import ROOT, migrate, pg_url_with_schema

CHROMIUM = Path(os.environ.get("LINKAGE_CHROMIUM", "/usr/bin/chromium"))
MISSING = (
    f"Chromium not found at {CHROMIUM}: the browser tests need Debian's Chromium (apt-get install chromium)"
)
# The folder a person opens to look at every page (README, "Browser tests").
SCREENSHOTS = ROOT / "build" / "screenshots"
# JPEG: a full-page PNG took 0.24 s to encode, a JPEG at this quality 0.09 s, and reads the same.
SHOT: dict[str, Any] = {"type": "jpeg", "quality": 80}

PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
LOCALES = {"en": "en-US", "es": "es-ES"}


@dataclass
class Site:
    """The running server and what the demo made: ids of pages to open, accounts to sign in."""

    base: str
    passwords: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)


def _database_url(folder: Path) -> tuple[str, str | None]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{folder / 'browser.db'}", None
    schema = f"linkage_browser_{uuid.uuid4().hex[:8]}"
    return pg_url_with_schema(url, schema), schema


def _demo_ids() -> dict[str, str]:
    """A shelter with a phone and a map link (the page of a call and of directions), its
    organization, and an account to show on the admin's account page."""
    session = get_session()
    shelter = session.scalars(
        select(Service).where(Service.name.ilike("%shelter%")).order_by(Service.name)
    ).first()
    assert shelter is not None
    assert shelter.organization_id is not None
    social_worker = session.scalars(select(User).where(User.email.like("social-worker@%"))).one()
    referral = _demo_referral(session, social_worker, shelter)
    assert referral.consent_id is not None
    # One sent 30 hours ago and never answered: the follow-up queue has a card to show.
    overdue = _demo_referral(session, social_worker, shelter, utcnow() - dt.timedelta(hours=30))
    # A draft an officer would leave at the scene (no consent yet), for the page that completes it.
    draft = services.create_referral(
        session,
        Actor.of_user(social_worker),
        services.ReferralInput(
            service_id=shelter.id,
            client=services.ClientInput(display_name="D. R."),
            consent=services.ConsentInput(given=False),
            need="Emergency Shelter",
            draft=True,
        ),
        services.Settings(),
    )
    figured = _figured(session, shelter)
    _demo_duplicate(session)
    made = {
        "draft": str(draft.id),
        "service": str(shelter.id),
        "location": str(shelter.service_at_locations[0].location_id),
        "organization": str(shelter.organization_id),
        "user": str(social_worker.id),
        "referral": str(referral.id),
        "client": str(referral.client_id),
        "consent": str(referral.consent_id),
        "overdue": str(overdue.id),
        # The provider's e-mailed links to it (a GET never spends one, so every visit sees it).
        "accept": links.make_link(session, notify.ACCEPT, referral.id),
        "decline": links.make_link(session, notify.DECLINE, referral.id),
        # A service of the demo provider's organization with a figure, and its update link.
        "figured": str(figured.id),
        # Its name and a point of its first place, to find it on /match and refer to it.
        "figured_name": figured.name,
        "figured_place": _place_of(figured),
        "capacity": links.make_link(session, provider_pages.LINK_PURPOSE, figured.id),
        # A problem report waiting for the provider's decision.
        "report": str(_demo_report(session, shelter).id),
        # A list handed to a person from the field view, one per language it is read in.
        **{
            f"field_list_{lang}": field_lists.make_token(
                current_app.secret_key, [field_lists.Pick(shelter.id)], lang
            )
            for lang in LOCALES
        },
    }
    return made | {"field_list": made["field_list_en"]}


def _place_of(service: Service) -> str:
    """ "lat,lon" of the service's first located place (the match form reads it as a point)."""
    for sal in service.service_at_locations:
        loc = sal.location
        if loc is not None and loc.latitude is not None and loc.longitude is not None:
            return f"{loc.latitude:.5f},{loc.longitude:.5f}"
    raise AssertionError(f"{service.name} has no located place")


def _figured(session: Any, shelter: Service) -> Service:
    """The first service of the demo provider's organization that reports beds (one is given
    a figure if none does), for the provider's page and its e-mailed link."""
    found = session.scalars(
        select(Service)
        .join(ServiceCapacity, ServiceCapacity.service_id == Service.id)
        .where(Service.organization_id == shelter.organization_id)
        .order_by(Service.name)
    ).first()
    if found is not None:
        return found
    shelter.capacities.append(
        ServiceCapacity(
            id=uuid.uuid4(), unit=Unit(id=uuid.uuid4(), name="bed"), available=3, maximum=20, updated=utcnow()
        )
    )
    session.flush()
    return shelter


def _demo_duplicate(session: Any) -> None:
    """A pair for the duplicate-review queue to show (two demo pantries, as if from two sources)."""
    a, b = session.scalars(
        select(Service).where(Service.name.ilike("%pantry%")).order_by(Service.name)
    ).all()[:2]
    reasons = {"name": 0.92, "address": 0.8, "phone": 1.0, "website": 0.0, "distance": 0.5}
    session.add(
        DuplicateCandidate(
            entity_table="service",
            record_a=a.id,
            record_b=b.id,
            source_a="demo",
            source_b="county 211",
            score=81.3,
            reasons=reasons,
        )
    )
    session.flush()


def _demo_report(session: Any, shelter: Service) -> Any:
    typed = reports.Report(
        kind="wrong_phone", text="The number rings a closed office.", email="a@example.org"
    )
    return reports.submit(session, shelter.id, typed, language="en", address_digest=None, now=utcnow())


def _demo_referral(session: Any, worker: User, shelter: Service, now: dt.datetime | None = None) -> Referral:
    """One referral of the demo social worker's team, for the referral pages to show."""
    data = services.ReferralInput(
        service_id=shelter.id,
        client=services.ClientInput(display_name="A. B.", birth_year=1980, language="es"),
        consent=services.ConsentInput(given=True, method="verbal"),
        need="Emergency Shelter",
        note="Arrives by bus around 9 pm.",
    )
    return services.create_referral(session, Actor.of_user(worker), data, services.Settings(), now)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("browser")
    url, schema = _database_url(folder)
    migrate(url).dispose()
    app = create_app(
        {
            "DATABASE_URL": url,
            "DATA_DIR": str(folder / "data"),
            "SECRET_KEY": "browser-tests",
            "LINKAGE_ENV": "development",  # plain HTTP on loopback: the cookie is not Secure-only
            "REFERRAL_POLL_SECONDS": 1,  # a referral's page sees a change in a second, not 15
        }
    )
    with app.app_context():
        load_demo()
        made = create_demo_accounts(get_session())
        get_session().commit()
        ids = _demo_ids()
        get_session().commit()  # the demo referral
    passwords = {role: password for _email, role, password in made if password}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="browser-test-server", daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_port}", passwords, ids)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        if schema:
            engine = make_engine(os.environ["TEST_DATABASE_URL"])
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Load:
    """What one page load asked for and what it cost on the wire."""

    urls: list[str] = field(default_factory=list)
    transferred: int = 0  # bytes of every answer: headers and the compressed body
    ended: int = 0  # requests finished or failed

    def foreign(self, base: str) -> list[str]:
        return [u for u in self.urls if not (u == base or u.startswith(base + "/"))]

    def settle(self, page: Any, seconds: float = 5.0) -> None:
        """Wait until every request the page made has ended. Waiting for "networkidle"
        instead cost each page half a second of silence by definition, 304 pages a run."""
        waited = 0.0
        while self.ended < len(self.urls) and waited < seconds:
            page.wait_for_timeout(10)
            waited += 0.01


@contextmanager
def watch(page: Any) -> Iterator[Load]:
    """Record every request of `page` and the bytes of each finished answer, while in the block
    (a kept tab is watched again by the next test)."""
    load = Load()

    def request(req: Any) -> None:
        load.urls.append(req.url)

    def finished(req: Any) -> None:
        sizes = req.sizes()
        load.transferred += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        load.ended += 1

    def failed(_req: Any) -> None:
        load.ended += 1

    listeners = {"request": request, "requestfinished": finished, "requestfailed": failed}
    for event, listener in listeners.items():
        page.on(event, listener)
    try:
        yield load
    finally:
        for event, listener in listeners.items():
            page.remove_listener(event, listener)


@pytest.fixture(scope="session")
def signed_in(browser: Any, site: Site) -> Callable[[str], dict[str, Any]]:
    """The cookies of a signed-in session per demo role, signed in once through /login."""
    states: dict[str, dict[str, Any]] = {}

    def state(role: str) -> dict[str, Any]:
        if role not in states:
            context = browser.new_context(base_url=site.base, locale="en-US")
            context.set_default_timeout(10_000)
            page = context.new_page()
            page.goto("/login")
            page.get_by_label("E-mail address").fill(f"{role.replace('_', '-')}@demo.linkage.example")
            page.get_by_label("Password").fill(site.passwords[role])
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
            assert page.get_by_role("button", name="Sign out").count() == 1, page.content()
            states[role] = context.storage_state()
            context.close()
        return states[role]

    return state


@pytest.fixture(scope="session")
def tab(browser: Any, site: Site, signed_in: Callable[[str], dict[str, Any]]) -> Iterator[Callable[..., Any]]:
    """tab(viewport="phone", lang="en", role=None): one page per viewport, language and role,
    kept for the run, for the tests that only open a page and read it. A fresh context per
    page cost each of the 300 page visits a new renderer process; the HTTP cache is off in
    these tabs, so every visit still loads (and weighs) the page's stylesheet and images."""
    tabs: dict[tuple[str, str, str | None], Any] = {}

    def get(viewport: str = "phone", lang: str = "en", role: str | None = None) -> Any:
        key = (viewport, lang, role)
        if key not in tabs:
            context = browser.new_context(
                base_url=site.base,
                locale=LOCALES[lang],
                storage_state=signed_in(role) if role else None,
                **VIEWPORTS[viewport],
            )
            context.set_default_timeout(10_000)
            context.set_default_navigation_timeout(30_000)
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            tabs[key] = page
        return tabs[key]

    yield get
    for page in tabs.values():
        page.context.close()


@pytest.fixture
def new_context(browser: Any, site: Site) -> Iterator[Callable[..., Any]]:
    """new_context(viewport="phone", lang="en", role=None, js=True): a fresh context, closed after."""
    made: list[Any] = []

    def factory(viewport: str = "phone", lang: str = "en", storage_state: Any = None, js: bool = True) -> Any:
        context = browser.new_context(
            base_url=site.base,
            locale=LOCALES[lang],
            java_script_enabled=js,
            storage_state=storage_state,
            **VIEWPORTS[viewport],
        )
        context.set_default_timeout(10_000)  # a missing element fails in seconds, not minutes
        context.set_default_navigation_timeout(30_000)
        made.append(context)
        return context

    yield factory
    for context in made:
        context.close()
