"""Which HSDS version a document is written for, and what 3.0 leaves out.

The catalog holds 3.1 facts (service capacity and its unit, an attribute's label, a service
area of one service_at_location). A strict 3.0 consumer refuses any field its schema does not
name, so 3.0 output goes without them, and 3.1 is given only when asked for. The lists below
are the fields and tables the 3.1 schemas add to 3.0's (a test compares them with the spec's
schema files), so no copy of the specification is needed at run time.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from catalog.models import HSDS_MODELS
from hsds.mapping import NEST

V30 = "3.0"
V31 = "3.1"
VERSIONS = (V30, V31)
DEFAULT = V30

PROFILES = {
    V30: "https://docs.openreferral.org/en/3.0/hsds/overview.html",
    V31: "https://docs.openreferral.org/en/3.1/hsds/overview.html",
}


def of_profile(uri: str) -> str | None:
    """The version a profile URI names: any page of that version's documentation."""
    for version in VERSIONS:
        base = f"https://docs.openreferral.org/en/{version}"
        if uri.rstrip("/") == base or uri.startswith(base + "/"):
            return version
    return None


# Fields of 3.0 objects that only 3.1 defines: table -> field names.
ADDED_IN_31: dict[str, frozenset[str]] = {
    "attribute": frozenset({"label"}),
    "organization": frozenset({"additional_websites"}),
    "service": frozenset({"additional_urls", "capacities"}),
    "service_area": frozenset({"service_at_location_id"}),
    "service_at_location": frozenset({"service_areas"}),
}
# Objects (and tables of the datapackage) that only 3.1 has.
TABLES_31 = frozenset({"service_capacity", "unit", "url"})

# Keys under which the API's forms nest records beside those `NEST` lists.
_FORM_KEYS = {"attributes": "attribute", "metadata": "metadata", "services": "service", "service": "service"}


class VersionError(ValueError):
    """A version this API and export do not write."""

    def __init__(self, value: str) -> None:
        super().__init__(f"unknown HSDS version {value!r}; choose one of: {', '.join(VERSIONS)}")


def check(version: str) -> str:
    """`version` if Linkage writes it, else a VersionError naming the choices."""
    if version not in VERSIONS:
        raise VersionError(version)
    return version


@cache
def _children(table: str) -> dict[str, str]:
    """JSON key -> table of the records nested under it in `table`'s documents."""
    out = dict(_FORM_KEYS)
    model = HSDS_MODELS.get(table)
    for key, rel in NEST.get(table, {}).items():
        if model is not None:
            out[key] = model.__mapper__.relationships[rel].mapper.class_.__tablename__
    return out


def as_version(doc: Any, table: str, version: str) -> Any:
    """`doc` (a `table` record as HSDS 3.1 JSON) as `version` writes it: 3.1 unchanged,
    3.0 without the fields 3.0's schemas do not name, at every depth."""
    if version == V31:
        return doc
    return _as_30(doc, table)


def _as_30(doc: Any, table: str) -> Any:
    if isinstance(doc, list):
        return [_as_30(item, table) for item in doc]
    if not isinstance(doc, dict):
        return doc
    drop = ADDED_IN_31.get(table, frozenset())
    children = _children(table)
    return {
        key: _as_30(value, children[key]) if key in children else value
        for key, value in doc.items()
        if key not in drop
    }
