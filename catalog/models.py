"""The catalog as Open Referral HSDS 3.0 (plus 3.1's service_capacity and unit).

Field names follow the spec so that import, export and the HSDS API are mappings, not
translations. Attributes and metadata point at any record by id (HSDS `link_id`,
`resource_id`), so their relationships are read-only joins and writers set the id.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import Enum, Float, ForeignKey, Index, Integer, Text, Uuid, type_coerce
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from kernel.db import Base, CodedText, IsoText, Timestamp, UTCDateTime, UUIDBytes, UUIDPk


class ServiceStatus(enum.StrEnum):
    active = "active"
    inactive = "inactive"
    defunct = "defunct"
    temporarily_closed = "temporarily closed"


class LocationType(enum.StrEnum):
    physical = "physical"
    postal = "postal"
    virtual = "virtual"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
        length=32,
    )


CHILD = "all, delete-orphan"


def _fk(target: str, **kw: Any) -> Any:
    return mapped_column(
        ForeignKey(f"{target}.id", ondelete=kw.pop("ondelete", "CASCADE")), index=True, nullable=True, **kw
    )


class Catalog(Base):
    """Every HSDS table: logged in the change log, carries attributes and metadata."""

    __abstract__ = True
    __hsds__ = True


def _attributes(cls_name: str) -> Any:
    return relationship(
        "Attribute",
        primaryjoin=f"foreign(Attribute.link_id) == {cls_name}.id",
        viewonly=True,
        lazy="select",
        order_by="Attribute.id",
    )


def _change_log(cls_name: str) -> Any:
    # The change log keeps ids in 16 bytes, the catalog as text: the record's id is bound as
    # the log's type, or a lazy load would compare text with bytes and find nothing.
    return relationship(
        "Metadata",
        primaryjoin=lambda: foreign(Metadata.resource_id) == type_coerce(globals()[cls_name].id, UUIDBytes()),
        viewonly=True,
        lazy="select",
        order_by="Metadata.last_action_date",
    )


class Organization(Catalog):
    __tablename__ = "organization"
    id: Mapped[UUIDPk]
    name: Mapped[str] = mapped_column(Text)
    alternate_name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(Text)
    tax_status: Mapped[str | None] = mapped_column(Text)
    tax_id: Mapped[str | None] = mapped_column(Text)
    year_incorporated: Mapped[int | None] = mapped_column(Integer)
    legal_status: Mapped[str | None] = mapped_column(Text)
    logo: Mapped[str | None] = mapped_column(Text)
    uri: Mapped[str | None] = mapped_column(Text)
    # A soft reference: HSDS feeds often name parents held by another system.
    parent_organization_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)

    services: Mapped[list[Service]] = relationship(back_populates="organization", cascade=CHILD)
    locations: Mapped[list[Location]] = relationship(back_populates="organization", cascade=CHILD)
    programs: Mapped[list[Program]] = relationship(back_populates="organization", cascade=CHILD)
    phones: Mapped[list[Phone]] = relationship(back_populates="organization", cascade=CHILD)
    contacts: Mapped[list[Contact]] = relationship(back_populates="organization", cascade=CHILD)
    funding: Mapped[list[Funding]] = relationship(back_populates="organization", cascade=CHILD)
    organization_identifiers: Mapped[list[OrganizationIdentifier]] = relationship(
        back_populates="organization", cascade=CHILD
    )
    attributes: Mapped[list[Attribute]] = _attributes("Organization")
    change_log: Mapped[list[Metadata]] = _change_log("Organization")


class OrganizationIdentifier(Catalog):
    __tablename__ = "organization_identifier"
    id: Mapped[UUIDPk]
    organization_id: Mapped[uuid.UUID | None] = _fk("organization")
    identifier_scheme: Mapped[str | None] = mapped_column(Text)
    identifier_type: Mapped[str] = mapped_column(Text)
    identifier: Mapped[str] = mapped_column(Text)
    organization: Mapped[Organization | None] = relationship(back_populates="organization_identifiers")
    attributes: Mapped[list[Attribute]] = _attributes("OrganizationIdentifier")
    change_log: Mapped[list[Metadata]] = _change_log("OrganizationIdentifier")


class Program(Catalog):
    __tablename__ = "program"
    id: Mapped[UUIDPk]
    organization_id: Mapped[uuid.UUID | None] = _fk("organization")
    name: Mapped[str] = mapped_column(Text)
    alternate_name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    organization: Mapped[Organization | None] = relationship(back_populates="programs")
    services: Mapped[list[Service]] = relationship(back_populates="program")
    attributes: Mapped[list[Attribute]] = _attributes("Program")
    change_log: Mapped[list[Metadata]] = _change_log("Program")


class Service(Catalog):
    __tablename__ = "service"
    id: Mapped[UUIDPk]
    organization_id: Mapped[uuid.UUID | None] = _fk("organization")
    program_id: Mapped[uuid.UUID | None] = _fk("program", ondelete="SET NULL")
    name: Mapped[str] = mapped_column(Text)
    alternate_name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ServiceStatus] = mapped_column(
        _enum(ServiceStatus, "service_status"), default=ServiceStatus.active, index=True
    )
    interpretation_services: Mapped[str | None] = mapped_column(Text)
    application_process: Mapped[str | None] = mapped_column(Text)
    fees_description: Mapped[str | None] = mapped_column(Text)
    wait_time: Mapped[str | None] = mapped_column(Text)
    fees: Mapped[str | None] = mapped_column(Text)
    accreditations: Mapped[str | None] = mapped_column(Text)
    eligibility_description: Mapped[str | None] = mapped_column(Text)
    minimum_age: Mapped[float | None] = mapped_column(Float)
    maximum_age: Mapped[float | None] = mapped_column(Float)
    assured_date: Mapped[dt.date | None]
    assurer_email: Mapped[str | None] = mapped_column(Text)
    licenses: Mapped[str | None] = mapped_column(Text)
    alert: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)

    organization: Mapped[Organization | None] = relationship(back_populates="services")
    program: Mapped[Program | None] = relationship(back_populates="services")
    phones: Mapped[list[Phone]] = relationship(back_populates="service", cascade=CHILD)
    schedules: Mapped[list[Schedule]] = relationship(back_populates="service", cascade=CHILD)
    service_areas: Mapped[list[ServiceArea]] = relationship(back_populates="service", cascade=CHILD)
    service_at_locations: Mapped[list[ServiceAtLocation]] = relationship(
        back_populates="service", cascade=CHILD
    )
    languages: Mapped[list[Language]] = relationship(back_populates="service", cascade=CHILD)
    funding: Mapped[list[Funding]] = relationship(back_populates="service", cascade=CHILD)
    cost_options: Mapped[list[CostOption]] = relationship(back_populates="service", cascade=CHILD)
    required_documents: Mapped[list[RequiredDocument]] = relationship(back_populates="service", cascade=CHILD)
    contacts: Mapped[list[Contact]] = relationship(back_populates="service", cascade=CHILD)
    capacities: Mapped[list[ServiceCapacity]] = relationship(back_populates="service", cascade=CHILD)
    attributes: Mapped[list[Attribute]] = _attributes("Service")
    change_log: Mapped[list[Metadata]] = _change_log("Service")


class Location(Catalog):
    __tablename__ = "location"
    __table_args__ = (Index("ix_location_lat_lon", "latitude", "longitude"),)
    id: Mapped[UUIDPk]
    location_type: Mapped[LocationType] = mapped_column(
        _enum(LocationType, "location_type"), default=LocationType.physical
    )
    url: Mapped[str | None] = mapped_column(Text)
    organization_id: Mapped[uuid.UUID | None] = _fk("organization")
    name: Mapped[str | None] = mapped_column(Text)
    alternate_name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    transportation: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    external_identifier: Mapped[str | None] = mapped_column(Text)
    external_identifier_type: Mapped[str | None] = mapped_column(Text)
    # Linkage extension (not exported as HSDS): how exact the coordinates are and who gave them.
    geocode_precision: Mapped[str | None] = mapped_column(Text)
    geocode_source: Mapped[str | None] = mapped_column(Text)

    organization: Mapped[Organization | None] = relationship(back_populates="locations")
    service_at_locations: Mapped[list[ServiceAtLocation]] = relationship(
        back_populates="location", cascade=CHILD
    )
    languages: Mapped[list[Language]] = relationship(back_populates="location", cascade=CHILD)
    addresses: Mapped[list[Address]] = relationship(back_populates="location", cascade=CHILD)
    contacts: Mapped[list[Contact]] = relationship(back_populates="location", cascade=CHILD)
    accessibility: Mapped[list[Accessibility]] = relationship(back_populates="location", cascade=CHILD)
    phones: Mapped[list[Phone]] = relationship(back_populates="location", cascade=CHILD)
    schedules: Mapped[list[Schedule]] = relationship(back_populates="location", cascade=CHILD)
    attributes: Mapped[list[Attribute]] = _attributes("Location")
    change_log: Mapped[list[Metadata]] = _change_log("Location")


class ServiceAtLocation(Catalog):
    __tablename__ = "service_at_location"
    id: Mapped[UUIDPk]
    service_id: Mapped[uuid.UUID | None] = _fk("service")
    location_id: Mapped[uuid.UUID | None] = _fk("location")
    description: Mapped[str | None] = mapped_column(Text)
    service: Mapped[Service | None] = relationship(back_populates="service_at_locations")
    location: Mapped[Location | None] = relationship(back_populates="service_at_locations")
    contacts: Mapped[list[Contact]] = relationship(back_populates="service_at_location", cascade=CHILD)
    phones: Mapped[list[Phone]] = relationship(back_populates="service_at_location", cascade=CHILD)
    schedules: Mapped[list[Schedule]] = relationship(back_populates="service_at_location", cascade=CHILD)
    service_areas: Mapped[list[ServiceArea]] = relationship(
        back_populates="service_at_location", cascade=CHILD
    )
    attributes: Mapped[list[Attribute]] = _attributes("ServiceAtLocation")
    change_log: Mapped[list[Metadata]] = _change_log("ServiceAtLocation")


class Address(Catalog):
    __tablename__ = "address"
    id: Mapped[UUIDPk]
    location_id: Mapped[uuid.UUID | None] = _fk("location")
    attention: Mapped[str | None] = mapped_column(Text)
    address_1: Mapped[str] = mapped_column(Text)
    address_2: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    state_province: Mapped[str] = mapped_column(Text)
    postal_code: Mapped[str] = mapped_column(Text, index=True)
    country: Mapped[str] = mapped_column(Text)
    address_type: Mapped[LocationType] = mapped_column(
        _enum(LocationType, "address_type"), default=LocationType.physical
    )
    location: Mapped[Location | None] = relationship(back_populates="addresses")
    attributes: Mapped[list[Attribute]] = _attributes("Address")
    change_log: Mapped[list[Metadata]] = _change_log("Address")


class Phone(Catalog):
    __tablename__ = "phone"
    id: Mapped[UUIDPk]
    location_id: Mapped[uuid.UUID | None] = _fk("location")
    service_id: Mapped[uuid.UUID | None] = _fk("service")
    organization_id: Mapped[uuid.UUID | None] = _fk("organization")
    contact_id: Mapped[uuid.UUID | None] = _fk("contact")
    service_at_location_id: Mapped[uuid.UUID | None] = _fk("service_at_location")
    number: Mapped[str] = mapped_column(Text)
    extension: Mapped[int | None] = mapped_column(Integer)
    type: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    location: Mapped[Location | None] = relationship(back_populates="phones")
    service: Mapped[Service | None] = relationship(back_populates="phones")
    organization: Mapped[Organization | None] = relationship(back_populates="phones")
    contact: Mapped[Contact | None] = relationship(back_populates="phones")
    service_at_location: Mapped[ServiceAtLocation | None] = relationship(back_populates="phones")
    languages: Mapped[list[Language]] = relationship(back_populates="phone", cascade=CHILD)
    attributes: Mapped[list[Attribute]] = _attributes("Phone")
    change_log: Mapped[list[Metadata]] = _change_log("Phone")


class Contact(Catalog):
    __tablename__ = "contact"
    id: Mapped[UUIDPk]
    organization_id: Mapped[uuid.UUID | None] = _fk("organization")
    service_id: Mapped[uuid.UUID | None] = _fk("service")
    service_at_location_id: Mapped[uuid.UUID | None] = _fk("service_at_location")
    location_id: Mapped[uuid.UUID | None] = _fk("location")
    name: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    department: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    organization: Mapped[Organization | None] = relationship(back_populates="contacts")
    service: Mapped[Service | None] = relationship(back_populates="contacts")
    service_at_location: Mapped[ServiceAtLocation | None] = relationship(back_populates="contacts")
    location: Mapped[Location | None] = relationship(back_populates="contacts")
    phones: Mapped[list[Phone]] = relationship(back_populates="contact", cascade=CHILD)
    attributes: Mapped[list[Attribute]] = _attributes("Contact")
    change_log: Mapped[list[Metadata]] = _change_log("Contact")


class Schedule(Catalog):
    __tablename__ = "schedule"
    id: Mapped[UUIDPk]
    service_id: Mapped[uuid.UUID | None] = _fk("service")
    location_id: Mapped[uuid.UUID | None] = _fk("location")
    service_at_location_id: Mapped[uuid.UUID | None] = _fk("service_at_location")
    valid_from: Mapped[dt.date | None]
    valid_to: Mapped[dt.date | None]
    dtstart: Mapped[dt.date | None]
    timezone: Mapped[float | None] = mapped_column(Float)
    until: Mapped[dt.date | None]
    count: Mapped[int | None] = mapped_column(Integer)
    wkst: Mapped[str | None] = mapped_column(Text)
    freq: Mapped[str | None] = mapped_column(Text)
    interval: Mapped[int | None] = mapped_column(Integer)
    byday: Mapped[str | None] = mapped_column(Text)
    byweekno: Mapped[str | None] = mapped_column(Text)
    bymonthday: Mapped[str | None] = mapped_column(Text)
    byyearday: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    opens_at: Mapped[str | None] = mapped_column(Text)
    closes_at: Mapped[str | None] = mapped_column(Text)
    schedule_link: Mapped[str | None] = mapped_column(Text)
    attending_type: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    service: Mapped[Service | None] = relationship(back_populates="schedules")
    location: Mapped[Location | None] = relationship(back_populates="schedules")
    service_at_location: Mapped[ServiceAtLocation | None] = relationship(back_populates="schedules")
    attributes: Mapped[list[Attribute]] = _attributes("Schedule")
    change_log: Mapped[list[Metadata]] = _change_log("Schedule")


class Funding(Catalog):
    __tablename__ = "funding"
    id: Mapped[UUIDPk]
    organization_id: Mapped[uuid.UUID | None] = _fk("organization")
    service_id: Mapped[uuid.UUID | None] = _fk("service")
    source: Mapped[str | None] = mapped_column(Text)
    organization: Mapped[Organization | None] = relationship(back_populates="funding")
    service: Mapped[Service | None] = relationship(back_populates="funding")
    attributes: Mapped[list[Attribute]] = _attributes("Funding")
    change_log: Mapped[list[Metadata]] = _change_log("Funding")


class ServiceArea(Catalog):
    __tablename__ = "service_area"
    id: Mapped[UUIDPk]
    service_id: Mapped[uuid.UUID | None] = _fk("service")
    service_at_location_id: Mapped[uuid.UUID | None] = _fk("service_at_location")
    name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    extent: Mapped[str | None] = mapped_column(Text)
    extent_type: Mapped[str | None] = mapped_column(Text)
    uri: Mapped[str | None] = mapped_column(Text)
    service: Mapped[Service | None] = relationship(back_populates="service_areas")
    service_at_location: Mapped[ServiceAtLocation | None] = relationship(back_populates="service_areas")
    attributes: Mapped[list[Attribute]] = _attributes("ServiceArea")
    change_log: Mapped[list[Metadata]] = _change_log("ServiceArea")


class RequiredDocument(Catalog):
    __tablename__ = "required_document"
    id: Mapped[UUIDPk]
    service_id: Mapped[uuid.UUID | None] = _fk("service")
    document: Mapped[str | None] = mapped_column(Text)
    uri: Mapped[str | None] = mapped_column(Text)
    service: Mapped[Service | None] = relationship(back_populates="required_documents")
    attributes: Mapped[list[Attribute]] = _attributes("RequiredDocument")
    change_log: Mapped[list[Metadata]] = _change_log("RequiredDocument")


class Language(Catalog):
    __tablename__ = "language"
    id: Mapped[UUIDPk]
    service_id: Mapped[uuid.UUID | None] = _fk("service")
    location_id: Mapped[uuid.UUID | None] = _fk("location")
    phone_id: Mapped[uuid.UUID | None] = _fk("phone")
    name: Mapped[str | None] = mapped_column(Text)
    code: Mapped[str | None] = mapped_column(Text, index=True)
    note: Mapped[str | None] = mapped_column(Text)
    service: Mapped[Service | None] = relationship(back_populates="languages")
    location: Mapped[Location | None] = relationship(back_populates="languages")
    phone: Mapped[Phone | None] = relationship(back_populates="languages")
    attributes: Mapped[list[Attribute]] = _attributes("Language")
    change_log: Mapped[list[Metadata]] = _change_log("Language")


class Accessibility(Catalog):
    __tablename__ = "accessibility"
    id: Mapped[UUIDPk]
    location_id: Mapped[uuid.UUID | None] = _fk("location")
    description: Mapped[str | None] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    location: Mapped[Location | None] = relationship(back_populates="accessibility")
    attributes: Mapped[list[Attribute]] = _attributes("Accessibility")
    change_log: Mapped[list[Metadata]] = _change_log("Accessibility")


class CostOption(Catalog):
    __tablename__ = "cost_option"
    id: Mapped[UUIDPk]
    service_id: Mapped[uuid.UUID | None] = _fk("service")
    valid_from: Mapped[dt.date | None]
    valid_to: Mapped[dt.date | None]
    option: Mapped[str | None] = mapped_column(Text)
    currency: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[float | None] = mapped_column(Float)
    amount_description: Mapped[str | None] = mapped_column(Text)
    service: Mapped[Service | None] = relationship(back_populates="cost_options")
    attributes: Mapped[list[Attribute]] = _attributes("CostOption")
    change_log: Mapped[list[Metadata]] = _change_log("CostOption")


class Taxonomy(Catalog):
    __tablename__ = "taxonomy"
    id: Mapped[UUIDPk]
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    uri: Mapped[str | None] = mapped_column(Text)
    version: Mapped[str | None] = mapped_column(Text)
    terms: Mapped[list[TaxonomyTerm]] = relationship(back_populates="taxonomy_detail", cascade=CHILD)
    change_log: Mapped[list[Metadata]] = _change_log("Taxonomy")


class TaxonomyTerm(Catalog):
    __tablename__ = "taxonomy_term"
    __table_args__ = (Index("ix_taxonomy_term_taxonomy_code", "taxonomy_id", "code"),)
    id: Mapped[UUIDPk]
    code: Mapped[str | None] = mapped_column(Text, index=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    # A soft reference, like parent_organization_id: the parent may live in another dataset.
    parent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    # HSDS 3.0 `taxonomy`: the taxonomy's name as free text; the structured one is taxonomy_detail.
    taxonomy: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(Text)
    taxonomy_id: Mapped[uuid.UUID | None] = _fk("taxonomy")
    term_uri: Mapped[str | None] = mapped_column(Text)
    taxonomy_detail: Mapped[Taxonomy | None] = relationship(back_populates="terms")
    parent: Mapped[TaxonomyTerm | None] = relationship(
        primaryjoin="foreign(TaxonomyTerm.parent_id) == remote(TaxonomyTerm.id)",
        back_populates="children",
    )
    children: Mapped[list[TaxonomyTerm]] = relationship(
        primaryjoin="remote(foreign(TaxonomyTerm.parent_id)) == TaxonomyTerm.id",
        back_populates="parent",
        viewonly=True,
    )
    change_log: Mapped[list[Metadata]] = _change_log("TaxonomyTerm")


class Attribute(Catalog):
    __tablename__ = "attribute"
    __table_args__ = (Index("ix_attribute_link", "link_id", "link_type"),)
    id: Mapped[UUIDPk]
    link_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    taxonomy_term_id: Mapped[uuid.UUID | None] = _fk("taxonomy_term")
    link_type: Mapped[str | None] = mapped_column(Text)
    link_entity: Mapped[str | None] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(Text)
    taxonomy_term: Mapped[TaxonomyTerm | None] = relationship()
    change_log: Mapped[list[Metadata]] = _change_log("Attribute")


class MetaTableDescription(Catalog):
    __tablename__ = "meta_table_description"
    id: Mapped[UUIDPk]
    name: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(Text)
    character_set: Mapped[str | None] = mapped_column(Text)
    attributes: Mapped[list[Attribute]] = _attributes("MetaTableDescription")
    change_log: Mapped[list[Metadata]] = _change_log("MetaTableDescription")


class Unit(Catalog):
    __tablename__ = "unit"
    id: Mapped[UUIDPk]
    name: Mapped[str] = mapped_column(Text)
    scheme: Mapped[str | None] = mapped_column(Text)
    identifier: Mapped[str | None] = mapped_column(Text)
    uri: Mapped[str | None] = mapped_column(Text)
    attributes: Mapped[list[Attribute]] = _attributes("Unit")
    change_log: Mapped[list[Metadata]] = _change_log("Unit")


class ServiceCapacity(Catalog):
    """HSDS 3.1 capacity; every change also writes a CapacityHistory row (see changelog)."""

    __tablename__ = "service_capacity"
    id: Mapped[UUIDPk]
    service_id: Mapped[uuid.UUID | None] = _fk("service")
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    available: Mapped[float] = mapped_column(Float)
    maximum: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str | None] = mapped_column(Text)
    updated: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    service: Mapped[Service | None] = relationship(back_populates="capacities")
    unit: Mapped[Unit] = relationship()
    attributes: Mapped[list[Attribute]] = _attributes("ServiceCapacity")
    change_log: Mapped[list[Metadata]] = _change_log("ServiceCapacity")


# The tables the change log and provenance name, and the change log's actions, as SQLite
# stores them (kernel.db.CodedText, migration 0024): a word's place here is its stored code,
# so words are only ever appended. Any other name is stored as its text.
RECORD_TABLES = (
    "organization", "organization_identifier", "program", "service", "location",
    "service_at_location", "address", "contact", "phone", "schedule", "funding", "service_area",
    "required_document", "language", "accessibility", "cost_option", "taxonomy", "taxonomy_term",
    "attribute", "meta_table_description", "unit", "service_capacity",
)  # fmt: skip
ACTIONS = ("create", "update", "delete")


class Metadata(Base):
    """HSDS `metadata`: the change log (what, previous value, new value, who, when)."""

    __tablename__ = "metadata"
    # A row per catalog row at least (its "create"), so kept small: ids in 16 bytes, clustered
    # on the time-ordered id on SQLite (no second copy of the key), and one index by record;
    # a record's few entries are sorted by date after they are found.
    __table_args__ = (Index("ix_metadata_resource", "resource_id"), {"sqlite_with_rowid": False})
    id: Mapped[uuid.UUID] = mapped_column(UUIDBytes, primary_key=True, default=uuid.uuid4)
    resource_id: Mapped[uuid.UUID | None] = mapped_column(UUIDBytes)
    # Table names and actions are a byte on SQLite (RECORD_TABLES, ACTIONS).
    resource_type: Mapped[str | None] = mapped_column(CodedText(RECORD_TABLES))
    # The ISO 8601 text HSDS carries (dates from sources, date-times from us, in UTC), read
    # back exactly as written; on SQLite our forms are a 6-byte integer (kernel.db.IsoText).
    last_action_date: Mapped[str] = mapped_column(IsoText)
    last_action_type: Mapped[str] = mapped_column(CodedText(ACTIONS))
    field_name: Mapped[str] = mapped_column(Text, default="")
    previous_value: Mapped[str] = mapped_column(Text, default="")
    replacement_value: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(Text, default="")


class CapacityHistory(Base):
    """One row per capacity change: the figure, who changed it, when, and through which channel."""

    __tablename__ = "capacity_history"
    id: Mapped[UUIDPk]
    capacity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service_capacity.id", ondelete="CASCADE"), index=True
    )
    service_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    available: Mapped[float] = mapped_column(Float)
    maximum: Mapped[float | None] = mapped_column(Float)
    previous_available: Mapped[float | None] = mapped_column(Float)
    changed_at: Mapped[Timestamp]
    changed_by: Mapped[str] = mapped_column(Text, default="system")
    channel: Mapped[str] = mapped_column(Text, default="system")
    capacity: Mapped[ServiceCapacity] = relationship()


# The HSDS tables in dependency order, for exporters and importers.
HSDS_MODELS: dict[str, type[Catalog]] = {
    m.__tablename__: m
    for m in (
        Organization, OrganizationIdentifier, Program, Service, Location, ServiceAtLocation,
        Address, Contact, Phone, Schedule, Funding, ServiceArea, RequiredDocument, Language,
        Accessibility, CostOption, Taxonomy, TaxonomyTerm, Attribute, MetaTableDescription,
        Unit, ServiceCapacity,
    )
}  # fmt: skip
