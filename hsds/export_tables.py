# ruff: noqa: E501  (one line per table, so each reads like a row of the spec's descriptor)
"""The HSDS 3.0 tabular datapackage: its tables, file names and columns, in the spec's order.

Copied from the field lists of the 3.0 `datapackage.json` (a test compares them) so an
export needs no copy of the specification at run time. Each field is `name[|type[:format]][!]`,
`!` marking a required one. 3.1's `service_capacity` and `unit` follow as extra resources of a
3.1 export (`tables_of("3.1")`):
they are not in 3.0's descriptor, and 3.1's draft descriptor leaves their fields out, so
their columns are ours (the 3.1 JSON Schema's fields).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from catalog.models import HSDS_MODELS, Metadata
from hsds import versions

_SPEC = [
    ("organization", "organizations.csv", "id|string:uuid! name|string! alternate_name description|string! email|string:email website|string:uri tax_status tax_id year_incorporated|number legal_status logo uri|string:uri parent_organization_id|string:uuid"),
    ("program", "programs.csv", "id|string:uuid! organization_id|string:uuid! name|string! alternate_name description|string!"),
    ("service", "services.csv", "id|string:uuid! organization_id|string:uuid! program_id|string:uuid name|string! alternate_name description url|string:uri email|string:email status|string! interpretation_services application_process fees_description wait_time fees accreditations eligibility_description minimum_age|number maximum_age|number assured_date|date assurer_email|string:email licenses alert last_modified|datetime"),
    ("attribute", "attributes.csv", "id|string:uuid! link_id|string:uuid! taxonomy_term_id|string:uuid! link_type link_entity|string! value"),
    ("service_at_location", "service_at_location.csv", "id|string:uuid! service_id|string:uuid! location_id|string:uuid! description"),
    ("location", "locations.csv", "id|string:uuid! location_type|string! url|string:uri organization_id|string:uuid name alternate_name description transportation latitude|number longitude|number external_identifier external_identifier_type"),
    ("phone", "phones.csv", "id|string:uuid! location_id|string:uuid service_id|string:uuid organization_id|string:uuid contact_id|string:uuid service_at_location_id|string:uuid number|string! extension|number type description"),
    ("contact", "contacts.csv", "id|string:uuid! organization_id|string:uuid service_id|string:uuid service_at_location_id|string:uuid location_id|string:uuid name title department email|string:email"),
    ("address", "addresses.csv", "id|string:uuid! location_id|string:uuid attention address_1|string! address_2 city|string! region state_province|string! postal_code|string! country|string! address_type|string!"),
    ("schedule", "schedules.csv", "id|string:uuid! service_id|string:uuid location_id|string:uuid service_at_location_id|string:uuid valid_from|date valid_to|date dtstart|date timezone|number until|date count|number wkst freq interval|number byday byweekno bymonthday byyearday description opens_at|time closes_at|time schedule_link|string:uri attending_type notes"),
    ("funding", "funding.csv", "id|string:uuid! organization_id|string:uuid service_id|string:uuid source"),
    ("service_area", "service_areas.csv", "id|string:uuid! service_id|string:uuid name description extent extent_type uri"),
    ("required_document", "required_documents.csv", "id|string:uuid! service_id|string:uuid document uri|string:uri"),
    ("language", "languages.csv", "id|string:uuid! service_id|string:uuid location_id|string:uuid phone_id|string:uuid name code note"),
    ("accessibility", "accessibility.csv", "id|string:uuid! location_id|string:uuid description details url|string:uri"),
    ("taxonomy_term", "taxonomy_terms.csv", "id|string:uuid! code name|string! description|string! parent_id|string:uuid taxonomy language taxonomy_id|string:uuid term_uri|string:uri"),
    ("metadata", "metadata.csv", "id|string:uuid! resource_id|string:uuid! resource_type|string! last_action_date|date! last_action_type|string! field_name|string! previous_value|string! replacement_value|string! updated_by|string!"),
    ("meta_table_description", "meta_table_descriptions.csv", "id|string:uuid! name language character_set"),
    ("cost_option", "cost_options.csv", "id|string:uuid! service_id|string:uuid! valid_from|date valid_to|date option currency amount|number amount_description"),
    ("organization_identifier", "organization_identifiers.csv", "id|string:uuid! organization_id|string:uuid! identifier_scheme identifier_type|string! identifier|string!"),
    ("taxonomy", "taxonomies.csv", "id|string:uuid! name|string! description|string! uri|string:uri version"),
]  # fmt: skip

_EXTRA_31 = [
    ("unit", "units.csv", "id|string:uuid! name|string! scheme identifier uri|string:uri"),
    ("service_capacity", "service_capacity.csv", "id|string:uuid! service_id|string:uuid! unit_id|string:uuid! available|number! maximum|number description updated|datetime!"),
]  # fmt: skip


@dataclass(frozen=True)
class Field:
    name: str
    type: str = "string"
    format: str | None = None
    required: bool = False

    def descriptor(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.format:
            out["format"] = self.format
        out["constraints"] = {"required": self.required, "unique": self.name == "id"}
        return out


@dataclass(frozen=True)
class Table:
    name: str
    path: str
    fields: tuple[Field, ...]
    hsds_31: bool = False

    @property
    def model(self) -> Any:
        return Metadata if self.name == "metadata" else HSDS_MODELS[self.name]

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def descriptor(self) -> dict[str, Any]:
        model = self.model
        foreign = []
        for f in self.fields:
            col = model.__table__.columns.get(f.name)
            for fk in col.foreign_keys if col is not None else ():
                foreign.append(
                    {"fields": f.name, "reference": {"resource": fk.column.table.name, "fields": "id"}}
                )
        schema: dict[str, Any] = {"primaryKey": "id", "fields": [f.descriptor() for f in self.fields]}
        if foreign:
            schema["foreignKeys"] = foreign
        out: dict[str, Any] = {
            "name": self.name,
            "path": self.path,
            "format": "csv",
            "mediatype": "text/csv",
            "profile": "tabular-data-resource",
            "encoding": "utf-8",
            "schema": schema,
        }
        if self.hsds_31:
            out["description"] = "HSDS 3.1 table, not part of the 3.0 descriptor."
        return out


def _field(spec: str) -> Field:
    required = spec.endswith("!")
    name, _, kind = spec.rstrip("!").partition("|")
    type_, _, fmt = (kind or "string").partition(":")
    return Field(name, type_, fmt or None, required)


def _tables(rows: list[tuple[str, str, str]], hsds_31: bool = False) -> list[Table]:
    return [Table(n, p, tuple(_field(s) for s in spec.split()), hsds_31) for n, p, spec in rows]


TABLES: list[Table] = [*_tables(_SPEC), *_tables(_EXTRA_31, hsds_31=True)]


def tables_of(version: str) -> list[Table]:
    """The tables a datapackage of `version` holds: 3.0's own, and with 3.1 its capacity tables."""
    return [t for t in TABLES if version != versions.V30 or not t.hsds_31]


PACKAGE = {
    "name": "human_services_data",
    "title": "Human Services Data Specification",
    "description": "HSDS describes data about organizations, the services they provide, the locations at "
    "which these services can be accessed, and associated details.",
    "profile": "tabular-data-package",
    "version": "3.0.0",
    "homepage": "http://docs.openreferral.org",
    "license": {
        "url": "https://creativecommons.org/licenses/by-sa/4.0/",
        "type": "CC-BY-SA-4.0",
        "name": "Creative Commons Attribution-ShareAlike 4.0",
    },
}
