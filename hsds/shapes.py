"""The JSON forms the HSDS 3.0 API and the JSON export hand out, built on `to_hsds`.

HSDS schemas type most fields as plain strings, so a JSON `null` would break validation:
absent and null mean the same in HSDS, and every form here leaves nulls out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from catalog.models import Organization, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm
from hsds import rows as hsds_rows
from hsds.mapping import PRIVATE, to_hsds


def prune(value: Any) -> Any:
    """Drop null fields at every depth (empty lists stay: they say "none", not "unknown").

    Change-log entries about Linkage's own columns (geocode precision and source) are left
    out too: they are not HSDS fields.
    """
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if v is None:
                continue
            if k == "metadata" and isinstance(v, list):
                v = [m for m in v if not (isinstance(m, dict) and m.get("field_name") in PRIVATE)]
            out[k] = prune(v)
        return out
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value


def service_full(svc: Service) -> dict[str, Any]:
    """A fully nested service, as `/services/{id}` and the export give it."""
    return prune(to_hsds(svc, full=True))


def services_full(session: Session, services: Sequence[Service]) -> list[dict[str, Any]]:
    """Many fully nested services at once, built from rows (same documents, far fewer objects)."""
    return [prune(doc) for doc in hsds_rows.full(session, "service", [s.id for s in services])]


def organizations_full(session: Session, orgs: Sequence[Organization]) -> list[dict[str, Any]]:
    """Many nested organizations (without their services), built from rows."""
    return [prune(doc) for doc in hsds_rows.full(session, "organization", [o.id for o in orgs])]


def service_item(svc: Service) -> dict[str, Any]:
    """A `/services` list item: the one-to-one fields, with organization and program inline."""
    out = to_hsds(svc, full=False)
    out["organization"] = to_hsds(svc.organization, full=False) if svc.organization else None
    out["program"] = to_hsds(svc.program, full=False) if svc.program else None
    return prune(out)


def service_minimal(svc: Service) -> dict[str, Any]:
    """`minimal=true`: the spec names `modified_date`, the field is `last_modified`.

    The list schema requires `name` and `status`, so they stay; nothing else is sent.
    """
    return prune(
        {
            "id": str(svc.id),
            "name": svc.name,
            "status": svc.status.value,
            "last_modified": to_hsds(svc, full=False)["last_modified"],
        }
    )


def sal_item(sal: ServiceAtLocation) -> dict[str, Any]:
    out = to_hsds(sal, full=False)
    out["location"] = to_hsds(sal.location, full=False) if sal.location else None
    out["service"] = service_item(sal.service) if sal.service else None
    return prune(out)


def sal_full(sal: ServiceAtLocation) -> dict[str, Any]:
    """A fully nested service_at_location with its service's one-to-one fields, as the example."""
    out = to_hsds(sal, full=True)
    out["service"] = service_item(sal.service) if sal.service else None
    return prune(out)


def organization_item(org: Organization) -> dict[str, Any]:
    return prune(to_hsds(org, full=False))


def organization_full(org: Organization, *, full_service: bool) -> dict[str, Any]:
    """A nested organization; its services as list items, or fully nested with `full_service`."""
    out = to_hsds(org, full=True)
    services = []
    for svc in sorted(org.services, key=lambda s: (s.name, str(s.id))):
        item = to_hsds(svc, full=True) if full_service else to_hsds(svc, full=False)
        # Nested in its organization: the organization is said by where it is.
        item.pop("organization", None)
        item.pop("organization_id", None)
        services.append(item)
    out["services"] = services
    return prune(out)


def taxonomy_item(tax: Taxonomy) -> dict[str, Any]:
    return prune(to_hsds(tax, full=False))


def taxonomy_full(tax: Taxonomy) -> dict[str, Any]:
    return prune(to_hsds(tax, full=True))


def term_item(term: TaxonomyTerm) -> dict[str, Any]:
    out = to_hsds(term, full=False)
    if term.taxonomy_detail is not None:
        # As in the spec's example: the nested taxonomy replaces its id.
        out.pop("taxonomy_id", None)
        out["taxonomy_detail"] = to_hsds(term.taxonomy_detail, full=False)
    return prune(out)


def term_full(term: TaxonomyTerm) -> dict[str, Any]:
    return prune(to_hsds(term, full=True))
