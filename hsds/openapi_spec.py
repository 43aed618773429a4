"""The OpenAPI document of Linkage's HSDS API, served at /hsds/openapi.json.

It follows the spec's 3.0 openapi.json path for path and parameter for parameter, with its
contradictions resolved the way hsds.api implements them (operationIds of
/taxonomy_terms, the schema of /service_at_locations/{id}, `minimal`'s field, `top_only`).
Object schemas are the published HSDS 3.0 ones, referenced by URL; every path also takes
`version` (3.0 or 3.1) and says in its description how 3.1 is asked for and what it adds.
"""

from __future__ import annotations

from typing import Any

from hsds import versions

SCHEMA = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
SCHEMA_31 = "https://raw.githubusercontent.com/openreferral/specification/3.1/schema/"

VERSIONING = (
    "Answers are HSDS 3.0 and carry no field 3.0 does not define, so a consumer that forbids "
    "additional properties accepts them. HSDS 3.1 (which adds service `capacities`, each with "
    f"its `unit`) is given when asked for with `version=3.1`, or with an Accept profile: "
    f'`Accept: application/json; profile="{versions.PROFILES[versions.V31]}"`; the parameter '
    "wins over the header. 3.1 answers follow the schemas under "
    f'{SCHEMA_31}. Every answer names its version in a `Link: <profile>; rel="profile"` '
    "header, and `/` reports the version served."
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": SCHEMA + name}


def _param(name: str, description: str, type_: str = "string", **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": type_, **schema},
    }


PARAMETERS: dict[str, dict[str, Any]] = {
    "search": _param("search", "Text that every result's name or description contains (each word)."),
    "page": _param("page", "Page number of paginated result (from 1).", "integer", minimum=1),
    "per_page": _param("per_page", "Number of results in a page (1-1000).", "integer", minimum=1),
    "format": _param(
        "format",
        "`json` (default) or `ndjson`: every result, one per line, without pagination.",
        enum=["json", "ndjson"],
    ),
    "taxonomy_term_id": _param("taxonomy_term_id", "Services with an attribute of this term.", format="uuid"),
    "taxonomy_id": _param("taxonomy_id", "Services with any term of this taxonomy.", format="uuid"),
    "organization_id": _param("organization_id", "Services this organization provides.", format="uuid"),
    "modified_after": _param(
        "modified_after", "Services whose last_modified is on or after this date-time.", format="date-time"
    ),
    "minimal": _param(
        "minimal",
        "Just id, name, status and last_modified of each service; the page holds up to 10000.",
        "boolean",
    ),
    "full": _param("full", "Fully nested services, service_at_locations or organizations.", "boolean"),
    "full_service": _param("full_service", "Nest each service of an organization fully.", "boolean"),
    "top_only": _param("top_only", "Only top-level terms (terms without a parent).", "boolean"),
    "parent_id": _param("parent_id", "Terms whose parent is this term.", format="uuid"),
    "postcode": _param(
        "postcode",
        "Where a service area is known, results whose area holds the postcode's centroid; "
        "elsewhere, results whose address has this postcode. With proximity, see there.",
    ),
    "proximity": _param(
        "proximity", "Metres from the centroid of `postcode`; results whose location lies within.", "number"
    ),
    "version": _param(
        "version",
        "HSDS version of the answer: `3.0` (default, only 3.0 fields) or `3.1` (adds service capacities).",
        enum=list(versions.VERSIONS),
        default=versions.DEFAULT,
    ),
}

PAGE = {
    "type": "object",
    "required": [
        "total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"
    ],
    "properties": {
        "total_items": {"type": "integer"},
        "total_pages": {"type": "integer"},
        "page_number": {"type": "integer"},
        "size": {"type": "integer", "description": "The number of entities in this page."},
        "first_page": {"type": "boolean"},
        "last_page": {"type": "boolean"},
        "empty": {"type": "boolean"},
    },
}  # fmt: skip


def _list(op: str, summary: str, names: list[str], item: str) -> dict[str, Any]:
    return {
        "get": {
            "operationId": op,
            "summary": summary,
            "parameters": [{"$ref": f"#/components/parameters/{n}"} for n in [*names, "version"]],
            "responses": {
                "200": {
                    "description": summary,
                    "content": {
                        "application/json": {
                            "schema": {
                                "allOf": [{"$ref": "#/components/schemas/Page"}],
                                "properties": {"contents": {"type": "array", "items": _ref(item)}},
                            }
                        },
                        "application/x-ndjson": {"schema": _ref(item)},
                    },
                },
                "400": {"$ref": "#/components/responses/BadParameter"},
            },
        }
    }


def _one(op: str, what: str, schema: str, names: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "parameters": [
            {"in": "path", "name": "id", "required": True, "schema": {"type": "string", "format": "uuid"}}
        ],
        "get": {
            "operationId": op,
            "summary": f"One {what} by id.",
            "parameters": [{"$ref": f"#/components/parameters/{n}"} for n in [*names, "version"]],
            "responses": {
                "200": {
                    "description": f"The {what}.",
                    "content": {"application/json": {"schema": _ref(schema)}},
                },
                "404": {"$ref": "#/components/responses/NotFound"},
            },
        },
    }


SERVICE_FILTERS = ["taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after"]
LIST = ["search", "page", "per_page", "format"]


def document(server_url: str) -> dict[str, Any]:
    problem = {"application/problem+json": {"schema": {"type": "object"}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Linkage HSDS API",
            "version": "3.0",
            "summary": "Open Referral HSDS 3.0 API over the Linkage catalog; 3.1 on request.",
            "description": VERSIONING,
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/": {
                "get": {
                    "operationId": "getAPIMetaInformation",
                    "summary": "Information about this API and its relationship with HSDS.",
                    "parameters": [{"$ref": "#/components/parameters/version"}],
                    "responses": {
                        "200": {"description": "version (the one served), profile and openapi_url."}
                    },
                }
            },
            "/services": _list(
                "getPaginatedListOfServices", "Services.", [*LIST, *SERVICE_FILTERS, "minimal", "full"],
                "compiled/service_list.json",
            ),
            "/services/{id}": _one("getFullyNestedServiceById", "fully nested service", "service.json"),
            "/taxonomies": _list("getPaginatedListOfTaxonomies", "Taxonomies.", LIST, "taxonomy.json"),
            "/taxonomies/{id}": _one("getTaxonomyById", "taxonomy", "taxonomy.json"),
            "/taxonomy_terms": _list(
                "getPaginatedListOfTaxonomyTerms", "Taxonomy terms.",
                [*LIST, "taxonomy_id", "top_only", "parent_id"], "taxonomy_term.json",
            ),
            "/taxonomy_terms/{id}": _one("getTaxonomyTermById", "taxonomy term", "taxonomy_term.json"),
            "/organizations": _list(
                "getPaginatedListOfOrganizations", "Organizations.", [*LIST, "full", "full_service"],
                "compiled/organization_list.json",
            ),
            "/organizations/{id}": _one(
                "getOrganizationById", "fully nested organization", "organization.json", ("full_service",)
            ),
            "/service_at_locations": _list(
                "getPaginatedListOfServiceAtLocation", "Services at locations.",
                [*LIST, *SERVICE_FILTERS, "full", "postcode", "proximity"],
                "compiled/service_at_location_list.json",
            ),
            "/service_at_locations/{id}": _one(
                "getServiceAtLocationWithNestedDataById", "fully nested service_at_location",
                "service_at_location.json",
            ),
        },
        "components": {
            "schemas": {"Page": PAGE},
            "parameters": PARAMETERS,
            "responses": {
                "BadParameter": {"description": "A parameter is wrong (`param`).", "content": problem},
                "NotFound": {"description": "No record has this id.", "content": problem},
            },
        },
    }  # fmt: skip
