"""Catalog reads for pages, with the loading each page needs said explicitly."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog.models import (
    Attribute,
    Contact,
    Location,
    Organization,
    Phone,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
)


def service_page(session: Session, service_id: uuid.UUID) -> Service | None:
    stmt = (
        select(Service)
        .where(Service.id == service_id)
        .options(
            selectinload(Service.organization),
            selectinload(Service.phones).selectinload(Phone.languages),
            selectinload(Service.schedules),
            selectinload(Service.languages),
            selectinload(Service.capacities).selectinload(ServiceCapacity.unit),
            selectinload(Service.service_areas),
            selectinload(Service.required_documents),
            selectinload(Service.cost_options),
            selectinload(Service.contacts),
            selectinload(Service.attributes).selectinload(Attribute.taxonomy_term),
            selectinload(Service.service_at_locations).selectinload(ServiceAtLocation.schedules),
            selectinload(Service.service_at_locations)
            .selectinload(ServiceAtLocation.location)
            .options(
                selectinload(Location.addresses),
                selectinload(Location.phones),
                selectinload(Location.schedules),
                selectinload(Location.accessibility),
                selectinload(Location.languages),
            ),
        )
    )
    return session.scalars(stmt).first()


def organization_page(session: Session, organization_id: uuid.UUID) -> Organization | None:
    stmt = (
        select(Organization)
        .where(Organization.id == organization_id)
        .options(
            selectinload(Organization.services).options(
                selectinload(Service.phones),
                selectinload(Service.schedules),
                selectinload(Service.service_at_locations).options(
                    selectinload(ServiceAtLocation.schedules),
                    selectinload(ServiceAtLocation.location).options(
                        selectinload(Location.addresses), selectinload(Location.schedules)
                    ),
                ),
            ),
            selectinload(Organization.phones),
            selectinload(Organization.contacts).selectinload(Contact.phones),
            selectinload(Organization.locations).selectinload(Location.addresses),
        )
    )
    return session.scalars(stmt).first()
