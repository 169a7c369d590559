"""Keeping councils' boundaries in the control plane, and the in-memory index each worker builds from them."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from shapely.geometry import MultiPolygon, Polygon, shape
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.places.boundaries import Boundary
from civicshare.places.locator import CouncilLocator
from civicshare.places.tables import council_boundaries
from civicshare.tenancy.tables import tenants


class UnknownCouncil(Exception):
    pass


@dataclass(frozen=True)
class StoredBoundary:
    council: str
    geojson: dict[str, Any]
    area_km2: float
    illustrative: bool
    source: str | None


async def _tenant_id(connection: AsyncConnection, slug: str) -> int:
    found = await connection.scalar(select(tenants.c.id).where(tenants.c.slug == slug))
    if found is None:
        raise UnknownCouncil(slug)
    return int(found)


async def set_boundary(connection: AsyncConnection, slug: str, boundary: Boundary) -> bool:
    """Keep `boundary` as the council's area; False when it was already exactly that."""
    tenant_id = await _tenant_id(connection, slug)
    values = {
        "geojson": boundary.as_geojson(),
        "area_km2": round(boundary.area_km2, 3),
        "illustrative": boundary.illustrative,
        "source": boundary.source,
    }
    existing = (
        await connection.execute(
            select(
                council_boundaries.c.geojson,
                council_boundaries.c.area_km2,
                council_boundaries.c.illustrative,
                council_boundaries.c.source,
            ).where(council_boundaries.c.tenant_id == tenant_id)
        )
    ).one_or_none()
    if existing is not None and dict(existing._mapping) == _round_trip(values):
        return False
    await connection.execute(delete(council_boundaries).where(council_boundaries.c.tenant_id == tenant_id))
    await connection.execute(insert(council_boundaries).values(tenant_id=tenant_id, **values))
    return True


def _round_trip(values: dict[str, Any]) -> dict[str, Any]:
    """The values as JSONB gives them back (tuples become lists)."""
    return {**values, "geojson": json.loads(json.dumps(values["geojson"]))}


async def boundary_of(connection: AsyncConnection, slug: str) -> StoredBoundary | None:
    row = (
        await connection.execute(
            select(
                council_boundaries.c.geojson,
                council_boundaries.c.area_km2,
                council_boundaries.c.illustrative,
                council_boundaries.c.source,
            )
            .select_from(council_boundaries.join(tenants, tenants.c.id == council_boundaries.c.tenant_id))
            .where(tenants.c.slug == slug)
        )
    ).one_or_none()
    if row is None:
        return None
    return StoredBoundary(slug, row.geojson, row.area_km2, row.illustrative, row.source)


async def all_boundaries(connection: AsyncConnection) -> dict[str, MultiPolygon]:
    """Every active council's boundary by slug (suspended and offboarding councils take no requests)."""
    rows = await connection.execute(
        select(tenants.c.slug, council_boundaries.c.geojson)
        .select_from(council_boundaries.join(tenants, tenants.c.id == council_boundaries.c.tenant_id))
        .where(tenants.c.status == "active")
    )
    found: dict[str, MultiPolygon] = {}
    for slug, geojson in rows.all():
        geometry = shape(geojson)
        if isinstance(geometry, Polygon):
            geometry = MultiPolygon([geometry])
        if isinstance(geometry, MultiPolygon):
            found[slug] = geometry
    return found


FINGERPRINT = select(
    select(func.count()).select_from(council_boundaries).scalar_subquery(),
    select(func.sum(func.extract("epoch", council_boundaries.c.updated_at))).scalar_subquery(),
    select(func.sum(func.extract("epoch", tenants.c.updated_at))).scalar_subquery(),
)


class BoundaryIndex:
    """The worker's locator, rebuilt when a boundary (or a council's status) changed; checked at most every
    `max_age_seconds`, with one cheap query, like the council directory."""

    def __init__(self, engine: AsyncEngine, *, max_age_seconds: float) -> None:
        self._engine = engine
        self._max_age = max_age_seconds
        self._locator = CouncilLocator({})
        self._fingerprint: tuple[object, ...] | None = None
        self._checked_at = float("-inf")
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        self._checked_at = float("-inf")

    async def locator(self) -> CouncilLocator:
        if time.monotonic() - self._checked_at < self._max_age:
            return self._locator
        async with self._lock:
            if time.monotonic() - self._checked_at < self._max_age:
                return self._locator
            async with self._engine.connect() as connection:
                fingerprint = tuple((await connection.execute(FINGERPRINT)).one())
                if fingerprint != self._fingerprint:
                    self._locator = CouncilLocator(await all_boundaries(connection))
                    self._fingerprint = fingerprint
            self._checked_at = time.monotonic()
            return self._locator
