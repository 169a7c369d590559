"""Which council a point is in, among every council's boundary: an STRtree over their shapes."""

from __future__ import annotations

from collections.abc import Mapping

import shapely
from shapely import STRtree
from shapely.geometry import MultiPolygon, Point


class CouncilLocator:
    """An index of boundaries by council slug; built once, then only read (safe to share)."""

    def __init__(self, boundaries: Mapping[str, MultiPolygon]) -> None:
        self._slugs = list(boundaries)
        self._shapes = [boundaries[slug] for slug in self._slugs]
        for found in self._shapes:
            shapely.prepare(found)
        self._tree = STRtree(self._shapes)

    def __len__(self) -> int:
        return len(self._slugs)

    def __contains__(self, slug: object) -> bool:
        return slug in self._slugs

    def councils_at(self, longitude: float, latitude: float) -> list[str]:
        """Every council whose area holds the point (two, where a county and a district overlap), by slug."""
        hits = self._tree.query(Point(longitude, latitude), predicate="intersects")
        return sorted(self._slugs[int(index)] for index in hits)

    def covers(self, slug: str, longitude: float, latitude: float) -> bool:
        if slug not in self._slugs:
            return False
        return bool(self._shapes[self._slugs.index(slug)].intersects(Point(longitude, latitude)))
