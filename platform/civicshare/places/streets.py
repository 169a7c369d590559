"""Streets to draw on a council's map where there are no map tiles (none configured, or unreachable).

They are kept beside the council's definition as `tenants/<slug>.streets.geojson`: a FeatureCollection
of LineStrings or MultiLineStrings (WGS84 longitude, latitude), each named in `properties.name`. The
demo councils' streets are illustrative, drawn by hand from a few main roads, and say so
(`properties.illustrative` on the collection); a deployment can put each council's roads there from
an open data set (Ordnance Survey's OS Open Roads, converted to GeoJSON).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from civicshare.places.boundaries import UK_BOX

SUFFIX = ".streets.geojson"
MAX_BYTES = 2_000_000
MAX_STREETS = 5_000
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_LINES = {"LineString": 1, "MultiLineString": 2}  # how deep the points are in the coordinates


class InvalidStreets(ValueError):
    """Why a streets file cannot be drawn."""


def _point(value: Any) -> list[float]:
    if not isinstance(value, list) or len(value) < 2 or not all(isinstance(n, int | float) for n in value[:2]):
        raise InvalidStreets("every point must be [longitude, latitude]")
    longitude, latitude = float(value[0]), float(value[1])
    west, south, east, north = UK_BOX
    if not (math.isfinite(longitude) and math.isfinite(latitude)) or not (
        west <= longitude <= east and south <= latitude <= north
    ):
        raise InvalidStreets(f"the point {longitude}, {latitude} is not in the United Kingdom")
    return [round(longitude, 6), round(latitude, 6)]


def _line(value: Any) -> list[list[float]]:
    if not isinstance(value, list) or len(value) < 2:
        raise InvalidStreets("every line needs two points or more")
    return [_point(point) for point in value]


def check_streets(data: Any) -> dict[str, Any]:
    """The streets as a clean FeatureCollection (only names and lines kept), or InvalidStreets."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InvalidStreets("streets must be a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list) or not features or len(features) > MAX_STREETS:
        raise InvalidStreets(f"give between 1 and {MAX_STREETS:,} streets")
    kept = []
    for feature in features:
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind not in _LINES:
            raise InvalidStreets("every street must be a LineString or a MultiLineString")
        assert isinstance(geometry, dict)
        coordinates = geometry.get("coordinates")
        lines = [_line(coordinates)] if kind == "LineString" else [_line(line) for line in coordinates or []]
        if not lines:
            raise InvalidStreets("a MultiLineString needs a line")
        given = feature.get("properties")
        name = given.get("name") if isinstance(given, dict) else None
        shape = {"type": kind, "coordinates": lines[0] if kind == "LineString" else lines}
        kept.append({"type": "Feature", "properties": {"name": str(name)[:100] if name else ""}, "geometry": shape})
    about = data.get("properties")
    about = about if isinstance(about, dict) else {}
    source = about.get("source")
    return {
        "type": "FeatureCollection",
        "properties": {"illustrative": about.get("illustrative") is True, "source": str(source) if source else None},
        "features": kept,
    }


class StreetFiles:
    """Each council's streets file, read once and again when it changes (a stat per ask)."""

    def __init__(self, tenants_dir: Path) -> None:
        self._dir = tenants_dir
        self._read: dict[str, tuple[float, dict[str, Any] | None]] = {}

    def streets_of(self, slug: str) -> dict[str, Any] | None:
        """The council's streets, or None when it has none (or its file cannot be drawn)."""
        if not _SLUG.match(slug):
            return None
        path = self._dir / f"{slug}{SUFFIX}"
        try:
            changed = path.stat().st_mtime
        except OSError:
            return None
        known = self._read.get(slug)
        if known is not None and known[0] == changed:
            return known[1]
        streets = read_streets(path)
        self._read[slug] = (changed, streets)
        return streets


def read_streets(path: Path) -> dict[str, Any] | None:
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        return check_streets(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, InvalidStreets):
        return None
