"""A council's boundary as GeoJSON (WGS84 longitude, latitude), checked before it is kept.

A boundary is accepted when it is a Polygon or MultiPolygon (bare, or as a Feature or a
FeatureCollection of them), every ring is closed with numeric coordinates, the shape is valid (no
self-intersections), it lies inside the United Kingdom and its area is one a council could have.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import shapely
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

# A box around Great Britain, Northern Ireland, the Isles of Scilly and Shetland (longitude, latitude).
UK_BOX = (-8.7, 49.8, 1.8, 60.9)
# The City of London is about 2.9 km², the Highland council area about 26,000 km².
SMALLEST_KM2 = 0.5
LARGEST_KM2 = 30_000.0
EARTH_RADIUS_KM = 6371.0088
MAX_POINTS = 200_000


@dataclass(frozen=True)
class BoundaryProblem:
    field: str
    message: str


class InvalidBoundary(Exception):
    def __init__(self, problems: list[BoundaryProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))


@dataclass(frozen=True)
class Boundary:
    """A checked boundary: its shape, its area, and whether it is only an illustration (the demo's)."""

    shape: MultiPolygon
    area_km2: float
    illustrative: bool = False
    source: str | None = None

    def as_geojson(self) -> dict[str, Any]:
        return dict(mapping(self.shape))


def area_km2(geometry: BaseGeometry) -> float:
    """Area on the sphere, projecting each polygon about its own latitude (close enough for a council)."""
    total = 0.0
    for polygon in getattr(geometry, "geoms", [geometry]):
        latitude = math.radians(polygon.centroid.y)
        scale_x = math.radians(1) * EARTH_RADIUS_KM * math.cos(latitude)
        scale_y = math.radians(1) * EARTH_RADIUS_KM
        projected = affinity.scale(polygon, xfact=scale_x, yfact=scale_y, origin=(0, 0))
        total += projected.area
    return total


def _geometry_of(data: Any) -> tuple[dict[str, Any] | None, list[BoundaryProblem]]:
    if not isinstance(data, dict):
        return None, [BoundaryProblem("boundary", "must be a GeoJSON object")]
    kind = data.get("type")
    if kind == "Feature":
        return _geometry_of(data.get("geometry"))
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or not features:
            return None, [BoundaryProblem("boundary.features", "must list at least one Polygon or MultiPolygon")]
        polygons: list[Any] = []
        for index, feature in enumerate(features):
            geometry, problems = _geometry_of(feature)
            if problems or geometry is None:
                return None, [BoundaryProblem(f"boundary.features.{index}", p.message) for p in problems]
            coordinates = geometry["coordinates"]
            polygons += coordinates if geometry["type"] == "MultiPolygon" else [coordinates]
        return {"type": "MultiPolygon", "coordinates": polygons}, []
    if kind not in ("Polygon", "MultiPolygon"):
        return None, [BoundaryProblem("boundary.type", f"must be Polygon or MultiPolygon, not {kind!r}")]
    if not isinstance(data.get("coordinates"), list) or not data["coordinates"]:
        return None, [BoundaryProblem("boundary.coordinates", "must be a list of rings")]
    return data, []


def _points(coordinates: Any, depth: int) -> list[Any]:
    """Every [longitude, latitude] pair, checking the nesting (a Polygon has depth 3, a MultiPolygon 4)."""
    if depth == 1:
        if not (
            isinstance(coordinates, list)
            and len(coordinates) in (2, 3)
            and all(isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c) for c in coordinates)
        ):
            raise ValueError("every position must be [longitude, latitude] numbers")
        return [coordinates]
    if not isinstance(coordinates, list) or not coordinates:
        raise ValueError("rings must be non-empty lists of positions")
    return [point for item in coordinates for point in _points(item, depth - 1)]


def check_boundary(data: Any, *, illustrative: bool = False, source: str | None = None) -> Boundary:
    """The boundary in `data`, or InvalidBoundary naming each thing wrong with it."""
    geometry, problems = _geometry_of(data)
    if geometry is None:
        raise InvalidBoundary(problems)
    depth = 4 if geometry["type"] == "MultiPolygon" else 3
    try:
        points = _points(geometry["coordinates"], depth)
    except ValueError as error:
        raise InvalidBoundary([BoundaryProblem("boundary.coordinates", str(error))]) from None
    if len(points) > MAX_POINTS:
        raise InvalidBoundary(
            [BoundaryProblem("boundary.coordinates", f"has {len(points)} points; simplify it to {MAX_POINTS} or fewer")]
        )
    try:
        found = shape(geometry)
    except (ValueError, TypeError, shapely.errors.GEOSException) as error:
        raise InvalidBoundary([BoundaryProblem("boundary.coordinates", f"is not a polygon: {error}")]) from None
    multi = found if isinstance(found, MultiPolygon) else MultiPolygon([found]) if isinstance(found, Polygon) else None
    if multi is None or multi.is_empty:
        raise InvalidBoundary([BoundaryProblem("boundary", "must enclose an area")])
    if not multi.is_valid:
        reason, _, where = explain_validity(multi).partition("[")
        at = f" at {where.rstrip(']').replace(' ', ', ')}" if where else ""
        problems.append(BoundaryProblem("boundary", f"is not a valid polygon: {reason.lower()}{at}"))
    west, south, east, north = multi.bounds
    if west < UK_BOX[0] or south < UK_BOX[1] or east > UK_BOX[2] or north > UK_BOX[3]:
        problems.append(
            BoundaryProblem(
                "boundary",
                f"reaches outside the United Kingdom (longitude {west:.3f} to {east:.3f}, latitude {south:.3f} to"
                f" {north:.3f}); coordinates must be WGS84 longitude then latitude",
            )
        )
    area = area_km2(multi)
    if not problems and not SMALLEST_KM2 <= area <= LARGEST_KM2:
        problems.append(
            BoundaryProblem(
                "boundary",
                f"encloses {area:,.1f} km², not a council's area ({SMALLEST_KM2} to {LARGEST_KM2:,.0f} km²)",
            )
        )
    if problems:
        raise InvalidBoundary(problems)
    return Boundary(shape=multi, area_km2=area, illustrative=illustrative, source=source)
