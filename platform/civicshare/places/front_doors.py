"""Front doors: one site for an area's councils of two tiers, and which council does which service where.

A front door (`tenants/front-doors/<slug>.toml`, the admin API or `civicshare tenants front-door`) names
its councils and, for each, the services it is responsible for inside its own boundary: Surrey County
Council's highways, Elmbridge's bins. Before anything is kept it is checked against the platform: every
council exists, has a boundary and offers the services it claims, the host names are free, and no
service is claimed by two councils whose areas overlap (a place has one council responsible for each
service, across every front door).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, field_validator
from shapely.geometry import MultiPolygon
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.catalogue.service import load_enablement, resolve_offerings
from civicshare.modules import ModuleRegistry
from civicshare.places.boundaries import area_km2
from civicshare.places.service import all_boundaries
from civicshare.places.tables import service_responsibilities
from civicshare.tenancy.definitions import Slug, StrictModel, checked_domains
from civicshare.tenancy.tables import front_doors, tenant_domains, tenants

# Simplified boundaries drawn side by side may overlap a little along a shared edge; more than this is
# two councils claiming the same places.
SHARED_EDGE_KM2 = 0.05

ServiceCode = Annotated[str, Field(min_length=2, max_length=63, pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]


class FrontDoorDefinition(StrictModel):
    slug: Slug
    name: str = Field(min_length=3, max_length=120)
    domains: tuple[str, ...] = ()
    responsibilities: dict[Slug, tuple[ServiceCode, ...]] = Field(
        description="council slug -> the services it is responsible for inside its own boundary"
    )

    @field_validator("domains")
    @classmethod
    def _domains_are_hostnames(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return checked_domains(value)

    @field_validator("responsibilities")
    @classmethod
    def _each_council_does_something(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        if not value:
            raise ValueError("name at least one council and the services it is responsible for")
        for council, services in value.items():
            if not services:
                raise ValueError(f"{council}: list the services it is responsible for")
            if len(set(services)) != len(services):
                raise ValueError(f"{council}: a service is listed twice")
        return value

    def normalised(self) -> FrontDoorDefinition:
        """The same front door with its councils and services in order (as the platform gives it back)."""
        ordered = {council: tuple(sorted(self.responsibilities[council])) for council in sorted(self.responsibilities)}
        return self.model_copy(update={"responsibilities": ordered})


@dataclass(frozen=True)
class FrontDoorProblem:
    field: str
    message: str


class InvalidFrontDoor(Exception):
    def __init__(self, problems: list[FrontDoorProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))


def _overlap_km2(one: MultiPolygon, other: MultiPolygon) -> float:
    if not one.intersects(other):
        return 0.0
    shared = one.intersection(other)
    return area_km2(shared) if not shared.is_empty and shared.area > 0 else 0.0


async def _claims_elsewhere(connection: AsyncConnection, slug: str) -> list[tuple[str, str, str]]:
    """(service, council, front door) claimed behind every other front door."""
    rows = await connection.execute(
        select(service_responsibilities.c.service_code, tenants.c.slug, front_doors.c.slug)
        .select_from(
            service_responsibilities.join(tenants, tenants.c.id == service_responsibilities.c.tenant_id).join(
                front_doors, front_doors.c.id == service_responsibilities.c.front_door_id
            )
        )
        .where(front_doors.c.slug != slug)
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def check_front_door(
    connection: AsyncConnection, definition: FrontDoorDefinition, registry: ModuleRegistry
) -> list[FrontDoorProblem]:
    """Everything wrong with keeping `definition` on this platform as it is now (empty when it can be)."""
    problems: list[FrontDoorProblem] = []
    if await connection.scalar(select(tenants.c.id).where(tenants.c.slug == definition.slug)) is not None:
        problems.append(FrontDoorProblem("slug", f"{definition.slug!r} is a council's name on this platform"))
    for domain in definition.domains:
        council = await connection.scalar(select(tenant_domains.c.tenant_id).where(tenant_domains.c.domain == domain))
        door = await connection.scalar(
            select(front_doors.c.slug).where(
                front_doors.c.domains.contains([domain]), front_doors.c.slug != definition.slug
            )
        )
        if council is not None or door is not None:
            problems.append(FrontDoorProblem("domains", f"{domain} is already used by another site on the platform"))
    boundaries = await all_boundaries(connection)
    ids = dict((await connection.execute(select(tenants.c.slug, tenants.c.id))).all())
    for council, services in definition.responsibilities.items():
        field = f"responsibilities.{council}"
        if council not in ids:
            problems.append(FrontDoorProblem(field, f"there is no council {council!r} on the platform"))
            continue
        if council not in boundaries:
            problems.append(FrontDoorProblem(field, f"{council} has no boundary on the platform: set one first"))
        offered = resolve_offerings(registry, council, await load_enablement(connection, ids[council]))
        for service in services:
            if offered.offering(service) is None:
                problems.append(FrontDoorProblem(field, f"{council} does not offer {service!r} on the platform"))
    claims = [(service, council, definition.slug) for council, services in definition.responsibilities.items()
              for service in services]  # fmt: skip
    everywhere = claims + await _claims_elsewhere(connection, definition.slug)
    for index, (service, council, _) in enumerate(claims):
        for other_service, other, door in everywhere[index + 1 :]:
            if other_service != service or other == council or council not in boundaries or other not in boundaries:
                continue
            shared = _overlap_km2(boundaries[council], boundaries[other])
            if shared > SHARED_EDGE_KM2:
                behind = "" if door == definition.slug else f" (behind the front door {door!r})"
                problems.append(
                    FrontDoorProblem(
                        f"responsibilities.{council}",
                        f"{service!r} is also claimed by {other}{behind}, and their areas overlap by"
                        f" {shared:,.1f} km²: a place has one council responsible for each service",
                    )
                )
    return problems


async def set_front_door(
    connection: AsyncConnection, definition: FrontDoorDefinition, registry: ModuleRegistry
) -> bool:
    """Keep the front door and its responsibilities (InvalidFrontDoor, and nothing kept, when they cannot
    be); False when it was already exactly that."""
    problems = await check_front_door(connection, definition, registry)
    if problems:
        raise InvalidFrontDoor(problems)
    if await front_door_definition(connection, definition.slug) == definition.normalised():
        return False
    door_id = await connection.scalar(select(front_doors.c.id).where(front_doors.c.slug == definition.slug))
    values = {"name": definition.name, "domains": list(definition.domains), "updated_at": func.now()}
    if door_id is None:
        door_id = await connection.scalar(
            insert(front_doors).values(slug=definition.slug, **values).returning(front_doors.c.id)
        )
    else:
        await connection.execute(update(front_doors).where(front_doors.c.id == door_id).values(**values))
        await connection.execute(
            delete(service_responsibilities).where(service_responsibilities.c.front_door_id == door_id)
        )
    ids = dict((await connection.execute(select(tenants.c.slug, tenants.c.id))).all())
    await connection.execute(
        insert(service_responsibilities),
        [
            {"front_door_id": door_id, "service_code": service, "tenant_id": ids[council]}
            for council, services in definition.responsibilities.items()
            for service in services
        ],
    )
    return True


async def front_door_definition(connection: AsyncConnection, slug: str) -> FrontDoorDefinition | None:
    door = (await connection.execute(select(front_doors).where(front_doors.c.slug == slug))).one_or_none()
    if door is None:
        return None
    rows = await connection.execute(
        select(tenants.c.slug, service_responsibilities.c.service_code)
        .select_from(service_responsibilities.join(tenants, tenants.c.id == service_responsibilities.c.tenant_id))
        .where(service_responsibilities.c.front_door_id == door.id)
        .order_by(tenants.c.slug, service_responsibilities.c.service_code)
    )
    responsibilities: dict[str, list[str]] = {}
    for council, service in rows:
        responsibilities.setdefault(council, []).append(service)
    return FrontDoorDefinition(
        slug=door.slug,
        name=door.name,
        domains=tuple(door.domains or ()),
        responsibilities={council: tuple(services) for council, services in responsibilities.items()},
    )
