"""A council's boundary for operators: read it, and replace it with a checked GeoJSON shape."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter
from pydantic import BaseModel, ConfigDict, Field

from civicshare.admin import audit
from civicshare.admin.errors import invalid, not_found
from civicshare.admin.operators import CHANGES, READS
from civicshare.places.boundaries import InvalidBoundary, check_boundary
from civicshare.places.service import UnknownCouncil, boundary_of, set_boundary
from civicshare.policy.operators import Operator
from civicshare.services import PlatformServices

SlugPath = Annotated[str, PathParameter(description="the council's slug", max_length=63)]
# A detailed official boundary is a few megabytes of GeoJSON.
MAX_BOUNDARY_BYTES = 20_000_000


class BoundaryBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    boundary: dict[str, Any] = Field(
        description="GeoJSON Polygon or MultiPolygon (or a Feature or FeatureCollection of them), WGS84"
    )
    illustrative: bool = Field(default=False, description="only an illustration, not the official area")
    source: str | None = Field(default=None, max_length=500, description="where the boundary comes from")


class BoundaryResource(BaseModel):
    council: str
    boundary: dict[str, Any]
    area_km2: float
    illustrative: bool
    source: str | None


@get("/councils/{slug:str}/boundary", summary="Read a council's boundary (GeoJSON)", opt=READS)
async def read_boundary(services: NamedDependency[PlatformServices], slug: SlugPath) -> BoundaryResource:
    async with services.database.engine.connect() as connection:
        stored = await boundary_of(connection, slug)
    if stored is None:
        raise not_found("Boundary", f"Council {slug!r} has no boundary.")
    return BoundaryResource(
        council=slug,
        boundary=stored.geojson,
        area_km2=stored.area_km2,
        illustrative=stored.illustrative,
        source=stored.source,
    )


@put(
    "/councils/{slug:str}/boundary",
    summary="Set a council's boundary (checked: valid polygons, inside the UK, a council's area)",
    request_max_body_size=MAX_BOUNDARY_BYTES,
    opt=CHANGES,
)
async def replace_boundary(
    services: NamedDependency[PlatformServices],
    operator: NamedDependency[Operator],
    slug: SlugPath,
    data: JSONBody[BoundaryBody],
) -> BoundaryResource:
    try:
        boundary = check_boundary(data.boundary, illustrative=data.illustrative, source=data.source)
    except InvalidBoundary as error:
        raise invalid([(p.field, p.message) for p in error.problems], "The boundary is not usable.") from None
    try:
        async with services.database.engine.begin() as connection:
            before = await boundary_of(connection, slug)
            await set_boundary(connection, slug, boundary)
            await audit.record(
                connection,
                operator,
                "council.boundary_set",
                council=slug,
                before=None if before is None else {"area_km2": before.area_km2, "source": before.source},
                after={"area_km2": round(boundary.area_km2, 3), "source": boundary.source},
            )
    except UnknownCouncil:
        raise not_found("Council", f"No council {slug!r}.") from None
    services.boundaries.invalidate()
    return BoundaryResource(
        council=slug,
        boundary=boundary.as_geojson(),
        area_km2=round(boundary.area_km2, 3),
        illustrative=boundary.illustrative,
        source=boundary.source,
    )


HANDLERS = [read_boundary, replace_boundary]
