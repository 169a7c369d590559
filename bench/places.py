"""Point-in-council lookups among 400 council boundaries (synthetic: a Voronoi tiling of England, each
edge cut into short segments so each council has a few hundred points, as simplified ONS shapes do)."""

from __future__ import annotations

import random
import time

import shapely
from rich.table import Table
from shapely.geometry import MultiPoint, MultiPolygon, Polygon, box

from bench.harness import BenchDatabase, verdict
from civicshare.places.locator import CouncilLocator

COUNCILS = 400
LOOKUPS = 50_000
AREA = (-5.5, 50.2, 1.7, 55.7)  # longitude, latitude: England, roughly
TARGET_MICROSECONDS = 100  # "well under a millisecond"


def synthetic_boundaries(count: int, seed: int = 19) -> dict[str, MultiPolygon]:
    rng = random.Random(seed)
    west, south, east, north = AREA
    seeds = MultiPoint([(rng.uniform(west, east), rng.uniform(south, north)) for _ in range(count)])
    cells = shapely.voronoi_polygons(seeds, extend_to=box(*AREA))
    clipped = [cell.intersection(box(*AREA)) for cell in cells.geoms]
    return {
        f"council-{index:03d}": MultiPolygon([shapely.segmentize(cell, 0.002)])
        for index, cell in enumerate(clipped)
        if isinstance(cell, Polygon)
    }


async def run_benchmark(database: BenchDatabase) -> Table:
    started = time.perf_counter()
    boundaries = synthetic_boundaries(COUNCILS)
    made = time.perf_counter() - started
    points_each = sum(shapely.get_num_coordinates(shape) for shape in boundaries.values()) // COUNCILS
    started = time.perf_counter()
    locator = CouncilLocator(boundaries)
    built = time.perf_counter() - started
    rng = random.Random(4)
    west, south, east, north = AREA
    points = [(rng.uniform(west, east), rng.uniform(south, north)) for _ in range(LOOKUPS)]
    found = 0
    started = time.perf_counter()
    for longitude, latitude in points:
        found += len(locator.councils_at(longitude, latitude))
    elapsed = time.perf_counter() - started
    per_lookup_us = elapsed / LOOKUPS * 1e6
    table = Table(title=f"places: which council is a point in, among {COUNCILS} boundaries")
    for column in ("what", "figure", "target", "verdict"):
        table.add_column(column)
    table.add_row("boundaries generated", f"{COUNCILS} ({points_each} points each) in {made:.1f} s", "", "")
    table.add_row("index built (STRtree, prepared shapes)", f"{built * 1000:.0f} ms", "", "")
    table.add_row("lookups per second", f"{LOOKUPS / elapsed:,.0f}", "", "")
    table.add_row(
        "time per lookup", f"{per_lookup_us:.1f} µs", f"< {TARGET_MICROSECONDS} µs", verdict(per_lookup_us < 100)
    )
    table.add_row("points inside some council", f"{found:,} of {LOOKUPS:,}", f"{LOOKUPS:,}", verdict(found == LOOKUPS))
    return table
