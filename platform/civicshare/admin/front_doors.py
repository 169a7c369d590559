"""An area's front door for operators: read it, and replace it (its name, hosts and which council is
responsible for which services), checked against the platform first."""

from __future__ import annotations

from typing import Annotated

from litestar import get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from civicshare.admin import audit
from civicshare.admin.errors import field_errors, invalid, not_found
from civicshare.admin.operators import CHANGES, READS
from civicshare.identity.announce import allow_sign_in_at_front_doors
from civicshare.places.front_doors import (
    FrontDoorDefinition,
    InvalidFrontDoor,
    front_door_definition,
    set_front_door,
)
from civicshare.policy.operators import Operator
from civicshare.services import PlatformServices

SlugPath = Annotated[
    str, PathParameter(description="the front door's slug (its host is <slug>.<base domain>)", max_length=63)
]


class FrontDoorBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="what residents see, e.g. Surrey councils")
    domains: list[str] = Field(default_factory=list, description="its own host names, if any")
    responsibilities: dict[str, list[str]] = Field(
        description="council slug -> the service codes it is responsible for inside its own boundary"
    )


@get("/front-doors/{slug:str}", summary="Read an area's front door and who does what behind it", opt=READS)
async def read_front_door(services: NamedDependency[PlatformServices], slug: SlugPath) -> FrontDoorDefinition:
    async with services.database.engine.connect() as connection:
        found = await front_door_definition(connection, slug)
    if found is None:
        raise not_found("Front door", f"No front door {slug!r}.")
    return found


@put(
    "/front-doors/{slug:str}",
    summary="Set an area's front door (refused when two councils whose areas overlap claim one service)",
    opt=CHANGES,
)
async def replace_front_door(
    services: NamedDependency[PlatformServices],
    operator: NamedDependency[Operator],
    slug: SlugPath,
    data: JSONBody[FrontDoorBody],
) -> FrontDoorDefinition:
    try:
        definition = FrontDoorDefinition.model_validate({"slug": slug, **data.model_dump()})
    except ValidationError as error:
        raise invalid(field_errors(error), "The front door is not usable.") from None
    try:
        async with services.database.engine.begin() as connection:
            before = await front_door_definition(connection, slug)
            if await set_front_door(connection, definition, services.registry):
                await audit.record(
                    connection,
                    operator,
                    "front_door.set",
                    before=None if before is None else before.model_dump(mode="json"),
                    after=definition.normalised().model_dump(mode="json"),
                )
    except InvalidFrontDoor as error:
        raise invalid([(p.field, p.message) for p in error.problems], "The front door is not usable.") from None
    services.directory.invalidate()
    if services.identity is not None:  # an identity provider that cannot be reached is logged; PUT again later
        await allow_sign_in_at_front_doors(services.identity.directory, services.settings, services.database)
    return definition.normalised()


HANDLERS = [read_front_door, replace_front_door]
