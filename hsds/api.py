"""The HSDS API under /hsds/: every path and query parameter of the spec's 3.0 openapi.json.

It answers HSDS 3.0, without the fields 3.0 does not define (a strict consumer refuses them);
`version=3.1` or an Accept profile of 3.1 (`Accept: application/json;
profile="https://docs.openreferral.org/en/3.1/hsds/overview.html"`) asks for 3.1, which adds
service capacities. Every answer names its version's profile in a `Link: <...>; rel="profile"`
header, and `/hsds/` reports the version served.

Parameters combine with AND. Lists answer the spec's `Page` envelope, or with `format=ndjson`
every match, one JSON object a line, streamed without pagination. Unknown or malformed ids are
404s; bad parameters are 400 problem documents naming the parameter.

Where the spec's openapi.json contradicts itself we do what it means:
- the two `/taxonomy_terms` operationIds are swapped (the list is `getPaginatedListOfTaxonomyTerms`);
- `/service_at_locations/{id}` points at the service schema: it answers a service_at_location;
- `minimal` promises `modified_date`; the field is `last_modified`;
- `top_only` says "terms that have not child terms": it means top-level terms (no parent),
  which is what the name and every HSDS client mean.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from flask import Blueprint, Response, g, request, stream_with_context, url_for
from sqlalchemy import Select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.strategy_options import _AbstractLoad

from catalog.models import Organization, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm
from hsds import params, shapes, versions
from hsds import queries as q
from hsds.openapi_spec import document
from kernel.authz import CATALOG, admits
from kernel.db import get_session
from kernel.errors import Problem, bad_param

bp = Blueprint("hsds", __name__, url_prefix="/hsds")

HSDS_VERSION = versions.DEFAULT
PROFILE_URL = versions.PROFILES[versions.DEFAULT]
NDJSON = "application/x-ndjson"

# Every path takes `version`; lists take the paging and format parameters too.
VERSION = ("version",)
LIST = ("search", "page", "per_page", "format", *VERSION)
SERVICE_FILTERS = ("taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after")


def served_version() -> str:
    """The HSDS version this request is answered in (asked by parameter or Accept profile)."""
    if "hsds_version" not in g:
        g.hsds_version = params.hsds_version(request.args, request.headers.get("Accept"))
    return str(g.hsds_version)


@bp.after_request
def _name_the_profile(response: Response) -> Response:
    """Say which version answered; caches must keep the versions of one URL apart."""
    version = g.get("hsds_version", versions.DEFAULT)
    response.headers["Link"] = f'<{versions.PROFILES[version]}>; rel="profile"'
    response.vary.add("Accept")
    return response


def _json(body: Any, status: int = 200) -> Response:
    """JSON in the spec's field order (Flask's default provider would sort the keys)."""
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def page_envelope(total: int, number: int, per_page: int, contents: list[Any]) -> dict[str, Any]:
    """The spec's `Page`: `size` is the number of items on this page, as validators check."""
    total_pages = math.ceil(total / per_page) if total else 0
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": number,
        "size": len(contents),
        "first_page": number == 1,
        "last_page": number >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


Render = Callable[[Session, Sequence[Any]], list[dict[str, Any]]]


def _one_by_one(shape: Callable[[Any], dict[str, Any]]) -> Render:
    return lambda _session, rows: [shape(r) for r in rows]


def _in_version(render: Render, table: str, version: str) -> Render:
    return lambda session, rows: versions.as_version(render(session, rows), table, version)


def _one(doc: dict[str, Any], table: str) -> Response:
    return _json(versions.as_version(doc, table, served_version()))


def _listing(
    table: str,
    stmt: Select[Any],
    options: Sequence[_AbstractLoad],
    shape: Callable[[Any], dict[str, Any]] | Render,
    default_per_page: int = params.DEFAULT_PER_PAGE,
    loader: q.Loader | None = None,
    *,
    batch: bool = False,
) -> Response:
    """A page (or with format=ndjson, every match) of `table` records in the version served;
    `batch` renders a whole page at once."""
    args = request.args
    fmt = params.output_format(args)
    number, per_page = params.paging(args, default_per_page)
    session = get_session()
    render: Render = shape if batch else _one_by_one(shape)  # type: ignore[assignment,arg-type]
    render = _in_version(render, table, served_version())
    if fmt == "ndjson":
        return _stream(stmt, options, render, loader)
    total, rows = q.page(session, stmt, number, per_page, options, loader)
    return _json(page_envelope(total, number, per_page, render(session, rows)))


def _stream(
    stmt: Select[Any],
    options: Sequence[_AbstractLoad],
    render: Render,
    loader: q.Loader | None,
) -> Response:
    session = get_session()

    def lines() -> Iterator[str]:
        for rows in q.chunks(session, stmt, options, loader):
            for doc in render(session, rows):
                yield json.dumps(doc, ensure_ascii=False) + "\n"

    return Response(stream_with_context(lines()), mimetype=NDJSON)


def _not_found(what: str, raw: str) -> Problem:
    return Problem(404, f"There is no {what} with id {raw!r}.", title="Not Found")


@bp.get("/")
@admits(CATALOG)
def api_info() -> Response:
    params.only(request.args, VERSION)
    version = served_version()
    return _json(
        {
            "version": version,
            "profile": versions.PROFILES[version],
            "openapi_url": url_for("hsds.openapi", _external=True),
        }
    )


@bp.get("/openapi.json")
@admits(CATALOG)
def openapi() -> Response:
    return _json(document(request.url_root.rstrip("/") + "/hsds"))


@bp.get("/services")
@admits(CATALOG)
def services() -> Response:
    args = request.args
    params.only(args, (*LIST, *SERVICE_FILTERS, "minimal", "full"))
    filters = params.service_filters(args)
    minimal, full = params.boolean(args, "minimal"), params.boolean(args, "full")
    if minimal and full:
        raise bad_param("minimal", "minimal and full ask for opposite shapes: give one of them")
    stmt = q.services_stmt(filters)
    if minimal:
        return _listing("service", stmt, (), shapes.service_minimal, params.MINIMAL_PER_PAGE)
    if full:
        return _listing("service", stmt, (), shapes.services_full, batch=True)
    return _listing("service", stmt, q.list_service_options(), shapes.service_item)


@bp.get("/services/<raw_id>")
@admits(CATALOG)
def service(raw_id: str) -> Response:
    params.only(request.args, VERSION)
    session = get_session()
    svc = q.get_one(session, Service, params.path_id(raw_id, "service"))
    if svc is None:
        raise _not_found("service", raw_id)
    return _one(shapes.services_full(session, [svc])[0], "service")


@bp.get("/taxonomies")
@admits(CATALOG)
def taxonomies() -> Response:
    params.only(request.args, LIST)
    return _listing("taxonomy", q.taxonomies_stmt(request.args.get("search")), (), shapes.taxonomy_item)


@bp.get("/taxonomies/<raw_id>")
@admits(CATALOG)
def taxonomy(raw_id: str) -> Response:
    params.only(request.args, VERSION)
    tax = q.get_one(get_session(), Taxonomy, params.path_id(raw_id, "taxonomy"), q.full_records(Taxonomy))
    if tax is None:
        raise _not_found("taxonomy", raw_id)
    return _one(shapes.taxonomy_full(tax), "taxonomy")


@bp.get("/taxonomy_terms")
@admits(CATALOG)
def taxonomy_terms() -> Response:
    """The spec's operationId here is getTaxonomyTermById (swapped with the one below)."""
    args = request.args
    params.only(args, (*LIST, "taxonomy_id", "top_only", "parent_id"))
    stmt = q.terms_stmt(
        args.get("search"),
        taxonomy_id=params.uuid_param(args, "taxonomy_id"),
        top_only=params.boolean(args, "top_only"),
        parent_id=params.uuid_param(args, "parent_id"),
    )
    return _listing("taxonomy_term", stmt, (selectinload(TaxonomyTerm.taxonomy_detail),), shapes.term_item)


@bp.get("/taxonomy_terms/<raw_id>")
@admits(CATALOG)
def taxonomy_term(raw_id: str) -> Response:
    params.only(request.args, VERSION)
    term = q.get_one(
        get_session(), TaxonomyTerm, params.path_id(raw_id, "taxonomy term"), q.full_records(TaxonomyTerm)
    )
    if term is None:
        raise _not_found("taxonomy term", raw_id)
    return _one(shapes.term_full(term), "taxonomy_term")


@bp.get("/organizations")
@admits(CATALOG)
def organizations() -> Response:
    args = request.args
    params.only(args, (*LIST, "full", "full_service"))
    full, full_service = params.boolean(args, "full"), params.boolean(args, "full_service")
    stmt = q.organizations_stmt(args.get("search"))
    if full or full_service:
        return _listing(
            "organization",
            stmt,
            (),
            lambda org: shapes.organization_full(org, full_service=full_service),
            loader=q.full_organizations(full_service),
        )
    return _listing("organization", stmt, (), shapes.organization_item)


@bp.get("/organizations/<raw_id>")
@admits(CATALOG)
def organization(raw_id: str) -> Response:
    args = request.args
    params.only(args, ("full_service", *VERSION))
    full_service = params.boolean(args, "full_service")
    org = q.get_one(
        get_session(),
        Organization,
        params.path_id(raw_id, "organization"),
        q.full_organizations(full_service),
    )
    if org is None:
        raise _not_found("organization", raw_id)
    return _one(shapes.organization_full(org, full_service=full_service), "organization")


@bp.get("/service_at_locations")
@admits(CATALOG)
def service_at_locations() -> Response:
    args = request.args
    params.only(args, (*LIST, *SERVICE_FILTERS, "full", "postcode", "proximity"))
    stmt = q.sals_stmt(params.service_filters(args), params.place_filters(args), get_session())
    if params.boolean(args, "full"):
        return _listing("service_at_location", stmt, (), shapes.sal_full, loader=q.full_sals)
    return _listing("service_at_location", stmt, q.list_sal_options(), shapes.sal_item)


@bp.get("/service_at_locations/<raw_id>")
@admits(CATALOG)
def service_at_location(raw_id: str) -> Response:
    """The spec points this at the service schema; a service_at_location is what is meant."""
    params.only(request.args, VERSION)
    sal = q.get_one(
        get_session(),
        ServiceAtLocation,
        params.path_id(raw_id, "service at location"),
        q.full_sals,
    )
    if sal is None:
        raise _not_found("service at location", raw_id)
    return _one(shapes.sal_full(sal), "service_at_location")
