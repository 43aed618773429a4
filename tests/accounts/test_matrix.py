"""The authorization matrix: every route × anonymous × every role × a token of each scope,
as one table of what each may do, checked against the running app.

Each row is an endpoint and a string of twelve cells, in the order of COLUMNS:

    anonymous | social_worker officer provider coordinator admin (signed-in sessions)
              | tokens of an admin, one per scope: catalog:read capacity:write referrals:read
              |                                    referrals:write metrics:read audit:read

A cell is `ok` (admitted: the view answered, whatever its answer), `in` (sign in first: a page
redirects to /login, the API answers 401) or `no` (403). Tokens are held by an admin, the
widest role, so a token's column shows what its scope alone allows; a token sent to a page
(not the JSON API) is not read, so it is anonymous there. The table holds for the default,
public catalog; CLOSED gives the rows that change with LINKAGE_PUBLIC_CATALOG=0.

A new route needs its row here: the test fails for a route the table does not list.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask, url_for

from accounts import audit, tokens
from accounts.models import SCOPES
from kernel.authz import ANYONE, declaration

from .conftest import PASSWORD
from .test_login import sign_in

ROLES = ("social_worker", "officer", "provider", "coordinator", "admin")
COLUMNS = ("anonymous", *ROLES, *(f"token {s}" for s in SCOPES))

ALL = "ok ok ok ok ok ok   ok ok ok ok ok ok"
PAGE_SIGNED_IN = "in ok ok ok ok ok   in in in in in in"
PAGE_ADMIN = "in no no no no ok   in in in in in in"
PAGE_OWN_TOKENS = "in no no ok no ok   in in in in in in"
PAGE_PROVIDER = "in no no ok no no   in in in in in in"
PAGE_TEAM = "in ok ok no ok no   in in in in in in"
PAGE_COORDINATOR = "in no no no ok ok   in in in in in in"
CATALOG_PAGE_CLOSED = "in ok ok ok ok ok   in in in in in in"
CATALOG_API_CLOSED = "in ok ok ok ok ok   ok no no no no no"

MATRIX: dict[str, str] = {
    # the API's description and signing in: open to all, always
    "openapi.openapi_json": ALL,
    "accounts.login": ALL,
    "accounts.logout": ALL,
    # the second step of signing in: declared open to anyone, it sends a browser with no
    # password just typed to /login, and one already signed in to the home page
    "accounts.login_code": PAGE_SIGNED_IN,
    # one's own account
    "accounts.password": PAGE_SIGNED_IN,
    "accounts.second_factor": PAGE_SIGNED_IN,
    "accounts.second_factor_off": PAGE_SIGNED_IN,
    "accounts_api.me": "in ok ok ok ok ok   ok ok ok ok ok ok",
    # the audit log: administrators, and their tokens with audit:read
    "accounts.audit_log": PAGE_ADMIN,
    "accounts.audit_csv": PAGE_ADMIN,
    "accounts_api.audit_events": "in no no no no ok   no no no no no ok",
    # managing accounts, teams and tokens: administrators' pages
    "accounts_admin.users": PAGE_ADMIN,
    "accounts_admin.user_add": PAGE_ADMIN,
    "accounts_admin.user": PAGE_ADMIN,
    "accounts_admin.user_role": PAGE_ADMIN,
    "accounts_admin.user_active": PAGE_ADMIN,
    "accounts_admin.user_password": PAGE_ADMIN,
    "accounts_admin.user_second_factor_reset": PAGE_ADMIN,
    "accounts_admin.second_factor_roles": PAGE_ADMIN,
    "accounts_admin.second_factor_require": PAGE_ADMIN,
    "accounts_admin.teams": PAGE_ADMIN,
    "accounts_admin.team_add": PAGE_ADMIN,
    "accounts_admin.token_list": PAGE_ADMIN,
    "accounts_admin.token_create": PAGE_ADMIN,
    "accounts_admin.token_revoke": PAGE_ADMIN,
    # one's own tokens: providers (for their organizations' feeds) and administrators
    "accounts_admin.own_tokens": PAGE_OWN_TOKENS,
    "accounts_admin.own_token_create": PAGE_OWN_TOKENS,
    "accounts_admin.own_token_revoke": PAGE_OWN_TOKENS,
    # the catalog: public by default
    "i18n.switch": ALL,
    "search.home": ALL,
    "search.page": ALL,
    "search.api_search": ALL,
    "resources.service": ALL,
    "resources.organization": ALL,
    "matching.match_page": ALL,
    "matching.match_submit": ALL,
    "matching.api_match": ALL,
    # a service's capacity: read like the catalog; pushed by its provider (or an admin) with
    # capacity:write (another organization's service is a 403 from the service itself)
    "capacity_api.figures": ALL,
    "capacity_api.put_figures": "in no no ok no ok   no ok no no no no",
    # the provider's CSV upload of figures: providers' and administrators' pages
    "provider_capacity.upload": PAGE_OWN_TOKENS,
    "provider_capacity.upload_post": PAGE_OWN_TOKENS,
    # the provider's page of their figures; its signed link from an e-mail (the link is the
    # key: it opens one service's figures); coordinators' and admins' list of stale figures
    "provider.page": PAGE_PROVIDER,
    "provider.save": PAGE_PROVIDER,
    "provider.link": ALL,
    "provider.link_save": ALL,
    "provider.stale": "in no no no ok ok   in in in in in in",
    # a service's details (description, hours, phones, ages, languages): its provider or an
    # admin (another organization's service is a 403 from the service itself)
    "provider_details.edit": PAGE_OWN_TOKENS,
    "provider_details.save": PAGE_OWN_TOKENS,
    "hsds.api_info": ALL,
    "hsds.openapi": ALL,
    "hsds.services": ALL,
    "hsds.service": ALL,
    "hsds.taxonomies": ALL,
    "hsds.taxonomy": ALL,
    "hsds.taxonomy_terms": ALL,
    "hsds.taxonomy_term": ALL,
    "hsds.organizations": ALL,
    "hsds.organization": ALL,
    "hsds.service_at_locations": ALL,
    "hsds.service_at_location": ALL,
    # a referral as FHIR: its team and its receiving provider (tokens with referrals:read)
    "referrals_fhir.referral_bundle": "in ok ok ok ok no   no no no no no no",
    # the receiving provider's inbox: providers' pages (other providers get 404 per referral)
    "referrals_inbox.inbox": PAGE_PROVIDER,
    "referrals_inbox.detail": PAGE_PROVIDER,
    "referrals_inbox.move": PAGE_PROVIDER,
    "referrals_inbox.ask": PAGE_PROVIDER,
    # the referring team's pages of a referral (another team's is a 404)
    "referral_pages.new": PAGE_TEAM,
    "referral_pages.create": PAGE_TEAM,
    "referral_pages.detail": PAGE_TEAM,
    "referral_pages.move": PAGE_TEAM,
    "referral_pages.contact": PAGE_TEAM,
    "referral_pages.state": PAGE_TEAM,
    # completing a team's draft: consent recorded, then sent (another team's is a 404)
    "referral_drafts.form": PAGE_TEAM,
    "referral_drafts.complete": PAGE_TEAM,
    # the referring team's lists: its referrals, its follow-up queue, a client's record
    "referral_lists.mine": PAGE_TEAM,
    "referral_lists.follow_up": PAGE_TEAM,
    "referral_lists.client": PAGE_TEAM,
    # the referral API: the referring team writes; the receiving provider reads and answers
    "referrals_api.create": "in ok ok no ok no   no no no no no no",
    "referrals_api.listing": "in ok ok ok ok no   no no no no no no",
    "referrals_api.referral": "in ok ok ok ok no   no no no no no no",
    "referrals_api.transition": "in ok ok ok ok no   no no no no no no",
    "referrals_api.contact": "in ok ok ok ok no   no no no no no no",
    "referrals_api.client": "in ok ok no ok no   no no no no no no",
    "referrals_api.revoke": "in ok ok no ok no   no no no no no no",
    # keeping the catalog true: a provider (of the record's organization) or an admin confirms
    # it is current; the queue of records not confirmed lately is for coordinators too
    "catalog_admin.verify": PAGE_OWN_TOKENS,
    "catalog_admin.verification_queue": "in no no ok ok ok   in in in in in in",
    # a problem report: anyone, like the catalog; the service's provider or an admin decides
    "resources.report_form": ALL,
    "resources.report": ALL,
    "catalog_admin.report_queue": PAGE_OWN_TOKENS,
    "catalog_admin.report": PAGE_OWN_TOKENS,
    "catalog_admin.report_accept": PAGE_OWN_TOKENS,
    "catalog_admin.report_reject": PAGE_OWN_TOKENS,
    # a record's history, field by field, and reverting a change: administrators
    "catalog_admin.record_history": PAGE_ADMIN,
    "catalog_admin.history_revert": PAGE_ADMIN,
    # the search synonyms: administrators
    "search_admin.page": PAGE_ADMIN,
    "search_admin.add": PAGE_ADMIN,
    "search_admin.remove": PAGE_ADMIN,
    # the duplicate-review queue: administrators
    "duplicates_admin.queue": PAGE_ADMIN,
    "duplicates_admin.merge": PAGE_ADMIN,
    "duplicates_admin.keep_apart": PAGE_ADMIN,
    # the coordinator dashboard: coordinators (their team) and administrators (every team);
    # its JSON for their tokens with metrics:read or referrals:read
    "dashboard.page": PAGE_COORDINATOR,
    "dashboard.referrals_csv": PAGE_COORDINATOR,
    "dashboard.summary": PAGE_COORDINATOR,
    "dashboard_api.referrals": "in no no no ok ok   no no ok no ok no",
    # the gap report and catalog health: the same people; their tokens with metrics:read
    "dashboard_health.need_page": PAGE_COORDINATOR,
    "dashboard_health.need_csv": PAGE_COORDINATOR,
    "dashboard_health.catalog_page": PAGE_COORDINATOR,
    "dashboard_health.catalog_csv": PAGE_COORDINATOR,
    "dashboard_health.api_unmet_need": "in no no no ok ok   no no no no ok no",
    "dashboard_health.api_catalog": "in no no no ok ok   no no no no ok no",
    # a provider's signed link from an e-mail: open to whoever holds the link (it is the key)
    "referrals_inbox.link": ALL,
    "referrals_inbox.link_answer": ALL,
    # the field view is the catalog; the list handed to a person opens without an account on
    # any deployment (it holds catalog data only), and the service worker is code, like /static
    "field.field": ALL,
    "field.essentials": ALL,
    "field.share_page": ALL,
    "field.shared_list": ALL,
    "field.worker": ALL,
}

_CATALOG_PAGES = (
    "search.home",
    "search.page",
    "resources.service",
    "resources.organization",
    "resources.report_form",
    "resources.report",
    "matching.match_page",
    "matching.match_submit",
    "field.field",
    "field.essentials",
    "field.share_page",
)
_CATALOG_API = [
    "search.api_search",
    "capacity_api.figures",
    "matching.api_match",
    *(e for e in MATRIX if e.startswith("hsds.")),
]
CLOSED: dict[str, str] = {
    **dict.fromkeys(_CATALOG_PAGES, CATALOG_PAGE_CLOSED),
    **dict.fromkeys(_CATALOG_API, CATALOG_API_CLOSED),
}


def _cells(row: str) -> dict[str, str]:
    cells = row.split()
    assert len(cells) == len(COLUMNS), row
    return dict(zip(COLUMNS, cells, strict=True))


def _requests(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, path) for every rule and method; ids are unknown (a 404 is an answer)."""
    out = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            path = url_for(rule.endpoint, **{a: str(uuid.uuid4()) for a in rule.arguments})
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                out.append((rule.endpoint, method, path))
    return out


def _outcome(resp: Any) -> str:
    if resp.status_code == 401:
        return "in"
    if resp.status_code == 403:
        return "no"
    if resp.status_code in (301, 302, 303, 307, 308) and "/login" in resp.headers.get("Location", ""):
        return "in"
    return "ok"


@pytest.fixture
def actors(app: Flask, make_user: Any, db: Any) -> dict[str, tuple[Any, dict[str, str]]]:
    """A client and the headers it sends, for each column."""
    out: dict[str, tuple[Any, dict[str, str]]] = {"anonymous": (app.test_client(), {})}
    for role in ROLES:
        make_user(role, email=f"{role}@example.org")
    db.flush()
    for role in ROLES:
        client = app.test_client()
        assert sign_in(client, f"{role}@example.org", PASSWORD).status_code == 302
        out[role] = (client, {})
    for scope in SCOPES:
        made = tokens.create(db, "admin@example.org", [scope], audit.command_line())
        out[f"token {scope}"] = (app.test_client(), {"Authorization": f"Bearer {made.secret}"})
    db.flush()
    return out


def test_the_table_lists_every_route_and_only_routes_that_exist(app: Flask) -> None:
    endpoints = {e for e, _, _ in _requests(app)}
    assert endpoints - set(MATRIX) == set(), "routes missing from the matrix"
    assert set(MATRIX) - endpoints == set(), "rows for routes that do not exist"
    assert set(CLOSED) <= set(MATRIX)


@pytest.mark.parametrize("public", [True, False], ids=["public catalog", "closed catalog"])
def test_every_route_admits_exactly_whom_the_table_says(app: Flask, actors: Any, public: bool) -> None:
    app.config["PUBLIC_CATALOG"] = public
    table = MATRIX if public else {**MATRIX, **CLOSED}
    wrong = []
    for endpoint, method, path in _requests(app):
        for column, expected in _cells(table[endpoint]).items():
            client, headers = actors[column]
            resp = client.open(path, method=method, headers=headers)
            got = _outcome(resp)
            if got != expected:
                wrong.append(f"{method} {path} ({endpoint}) as {column}: {got}, table says {expected}")
    assert not wrong, "\n".join(wrong)


def test_anonymous_reaches_nothing_but_the_catalog_and_signing_in(app: Flask) -> None:
    """The issue's "done when": an anonymous request for anything but the catalog is refused."""
    open_to_anonymous = {e for e, row in MATRIX.items() if _cells(row)["anonymous"] == "ok"}
    catalog = set(_CATALOG_PAGES) | set(_CATALOG_API)
    signing_in = {"openapi.openapi_json", "accounts.login", "accounts.logout", "i18n.switch"}
    # A provider's signed links (a referral's answer, a service's figures): the token in the
    # path is the key (a made-up one is a 404).
    signed_link = {
        "referrals_inbox.link",
        "referrals_inbox.link_answer",
        "provider.link",
        "provider.link_save",
    }
    # A list handed to a person (catalog data only, the signed token is the key) and the
    # field view's service worker (code, like a static file).
    handed_over = {"field.shared_list", "field.worker"}
    declared_open = {e for e in MATRIX if (rule := declaration(app, e)) is not None and rule.kind == ANYONE}
    assert declared_open == signing_in | signed_link | handed_over | {"accounts.login_code"}
    assert open_to_anonymous - catalog == signing_in | signed_link | handed_over
