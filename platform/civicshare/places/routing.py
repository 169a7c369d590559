"""Sending a front door's request to the council responsible for that service at that place."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.places.service import BoundaryIndex
from civicshare.places.tables import service_responsibilities
from civicshare.tenancy.context import FrontDoorContext, TenantContext, TenantStatus
from civicshare.tenancy.directory import TenantDirectory
from civicshare.tenancy.tables import tenants


@dataclass(frozen=True)
class Responsibilities:
    """Behind one front door: which councils are responsible for each service (each inside its own area)."""

    by_service: dict[str, tuple[str, ...]]

    @property
    def councils(self) -> tuple[str, ...]:
        """Every council behind the front door, by slug."""
        return tuple(sorted({council for found in self.by_service.values() for council in found}))


async def responsibilities_of(connection: AsyncConnection, door: FrontDoorContext) -> Responsibilities:
    rows = await connection.execute(
        select(service_responsibilities.c.service_code, tenants.c.slug)
        .select_from(service_responsibilities.join(tenants, tenants.c.id == service_responsibilities.c.tenant_id))
        .where(service_responsibilities.c.front_door_id == door.id)
        .order_by(service_responsibilities.c.service_code, tenants.c.slug)
    )
    found: dict[str, list[str]] = {}
    for service, council in rows:
        found.setdefault(service, []).append(council)
    return Responsibilities({service: tuple(councils) for service, councils in found.items()})


@dataclass(frozen=True)
class SentTo:
    council: TenantContext


@dataclass(frozen=True)
class OutsideArea:
    """The place is in none of the front door's councils' areas."""


@dataclass(frozen=True)
class NoCouncilHere:
    """The place is in the area, but the council that does this service there is not on the platform."""


Routed = SentTo | OutsideArea | NoCouncilHere


async def route_request(
    responsibilities: Responsibilities,
    boundaries: BoundaryIndex,
    directory: TenantDirectory,
    service_code: str,
    latitude: float,
    longitude: float,
) -> Routed:
    """Which council deals with `service_code` at the place (at most one: overlapping claims are refused
    when a front door is set)."""
    here = (await boundaries.locator()).councils_at(longitude, latitude)
    if not set(here) & set(responsibilities.councils):
        return OutsideArea()
    for slug in responsibilities.by_service.get(service_code, ()):
        if slug in here:
            council = await directory.by_slug(slug)
            if council is not None and council.status is TenantStatus.ACTIVE:
                return SentTo(council)
    return NoCouncilHere()
