"""The HSDS 3.0 API under /hsds/: every path and query parameter of the spec's openapi.json.

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

from flask import Blueprint, Response, request, stream_with_context, url_for
from sqlalchemy import Select
from sqlalchemy.orm import Session
from sqlalchemy.orm.strategy_options import _AbstractLoad

from catalog.models import Organization, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm
from hsds import params, shapes
from hsds import queries as q
from kernel.db import get_session
from kernel.errors import Problem, bad_param

bp = Blueprint("hsds", __name__, url_prefix="/hsds")

HSDS_VERSION = "3.0"
PROFILE_URL = "https://docs.openreferral.org/en/3.0/hsds/overview.html"
NDJSON = "application/x-ndjson"

LIST = ("search", "page", "per_page", "format")
SERVICE_FILTERS = ("taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after")


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


def _listing(
    stmt: Select[Any],
    options: Sequence[_AbstractLoad],
    shape: Callable[[Any], dict[str, Any]] | Render,
    default_per_page: int = params.DEFAULT_PER_PAGE,
    loader: q.Loader | None = None,
    *,
    batch: bool = False,
) -> Response:
    """A page (or with format=ndjson, every match); `batch` renders a whole page at once."""
    args = request.args
    fmt = params.output_format(args)
    number, per_page = params.paging(args, default_per_page)
    session = get_session()
    render: Render = shape if batch else _one_by_one(shape)  # type: ignore[assignment,arg-type]
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
def api_info() -> Response:
    params.only(request.args, ())
    return _json(
        {
            "version": HSDS_VERSION,
            "profile": PROFILE_URL,
            "openapi_url": url_for("hsds.openapi", _external=True),
        }
    )


@bp.get("/openapi.json")
def openapi() -> Response:
    from hsds.openapi_spec import document

    return _json(document(request.url_root.rstrip("/") + "/hsds"))


@bp.get("/services")
def services() -> Response:
    args = request.args
    params.only(args, (*LIST, *SERVICE_FILTERS, "minimal", "full"))
    filters = params.service_filters(args)
    minimal, full = params.boolean(args, "minimal"), params.boolean(args, "full")
    if minimal and full:
        raise bad_param("minimal", "minimal and full ask for opposite shapes: give one of them")
    stmt = q.services_stmt(filters)
    if minimal:
        return _listing(stmt, (), shapes.service_minimal, params.MINIMAL_PER_PAGE)
    if full:
        return _listing(stmt, (), shapes.services_full, batch=True)
    return _listing(stmt, q.list_service_options(), shapes.service_item)


@bp.get("/services/<raw_id>")
def service(raw_id: str) -> Response:
    params.only(request.args, ())
    session = get_session()
    svc = q.get_one(session, Service, params.path_id(raw_id, "service"))
    if svc is None:
        raise _not_found("service", raw_id)
    return _json(shapes.services_full(session, [svc])[0])


@bp.get("/taxonomies")
def taxonomies() -> Response:
    params.only(request.args, LIST)
    return _listing(q.taxonomies_stmt(request.args.get("search")), (), shapes.taxonomy_item)


@bp.get("/taxonomies/<raw_id>")
def taxonomy(raw_id: str) -> Response:
    params.only(request.args, ())
    tax = q.get_one(get_session(), Taxonomy, params.path_id(raw_id, "taxonomy"), q.full_records(Taxonomy))
    if tax is None:
        raise _not_found("taxonomy", raw_id)
    return _json(shapes.taxonomy_full(tax))


@bp.get("/taxonomy_terms")
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
    from sqlalchemy.orm import selectinload

    return _listing(stmt, (selectinload(TaxonomyTerm.taxonomy_detail),), shapes.term_item)


@bp.get("/taxonomy_terms/<raw_id>")
def taxonomy_term(raw_id: str) -> Response:
    params.only(request.args, ())
    term = q.get_one(
        get_session(), TaxonomyTerm, params.path_id(raw_id, "taxonomy term"), q.full_records(TaxonomyTerm)
    )
    if term is None:
        raise _not_found("taxonomy term", raw_id)
    return _json(shapes.term_full(term))


@bp.get("/organizations")
def organizations() -> Response:
    args = request.args
    params.only(args, (*LIST, "full", "full_service"))
    full, full_service = params.boolean(args, "full"), params.boolean(args, "full_service")
    stmt = q.organizations_stmt(args.get("search"))
    if full or full_service:
        return _listing(
            stmt,
            (),
            lambda org: shapes.organization_full(org, full_service=full_service),
            loader=q.full_organizations(full_service),
        )
    return _listing(stmt, (), shapes.organization_item)


@bp.get("/organizations/<raw_id>")
def organization(raw_id: str) -> Response:
    args = request.args
    params.only(args, ("full_service",))
    full_service = params.boolean(args, "full_service")
    org = q.get_one(
        get_session(),
        Organization,
        params.path_id(raw_id, "organization"),
        q.full_organizations(full_service),
    )
    if org is None:
        raise _not_found("organization", raw_id)
    return _json(shapes.organization_full(org, full_service=full_service))


@bp.get("/service_at_locations")
def service_at_locations() -> Response:
    args = request.args
    params.only(args, (*LIST, *SERVICE_FILTERS, "full", "postcode", "proximity"))
    stmt = q.sals_stmt(params.service_filters(args), params.place_filters(args), get_session())
    if params.boolean(args, "full"):
        return _listing(stmt, (), shapes.sal_full, loader=q.full_sals)
    return _listing(stmt, q.list_sal_options(), shapes.sal_item)


@bp.get("/service_at_locations/<raw_id>")
def service_at_location(raw_id: str) -> Response:
    """The spec points this at the service schema; a service_at_location is what is meant."""
    params.only(request.args, ())
    sal = q.get_one(
        get_session(),
        ServiceAtLocation,
        params.path_id(raw_id, "service at location"),
        q.full_sals,
    )
    if sal is None:
        raise _not_found("service at location", raw_id)
    return _json(shapes.sal_full(sal))
