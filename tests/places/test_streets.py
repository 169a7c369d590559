"""Without map tiles the map draws the council's streets: the demo councils' illustrative streets are
served as GeoJSON, and a streets file that cannot be drawn is refused."""

from __future__ import annotations

import json

import httpx
import pytest
from shapely.geometry import shape

from civicshare.places.streets import SUFFIX, InvalidStreets, check_streets, read_streets
from civicshare.settings import PROJECT_ROOT
from tests.auth.conftest import CouncilWithOrganization
from tests.support import host_for
from tests.web.conftest import shipped_councils

from .conftest import give_boundary, square

__all__ = ["shipped_councils"]


async def test_a_councils_streets_are_served_as_geojson_for_the_map(
    http: httpx.AsyncClient, shipped_councils: list[str], council: CouncilWithOrganization
) -> None:
    answer = await http.get("/streets.geojson", headers=host_for("kingston"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/geo+json")
    assert "max-age=300" in answer.headers.get("cache-control", "")
    streets = answer.json()
    assert streets["type"] == "FeatureCollection" and streets["properties"]["illustrative"] is True
    names = {feature["properties"]["name"] for feature in streets["features"]}
    assert {"High Street", "Clarence Street", "Fairfield Road"} <= names
    assert {feature["geometry"]["type"] for feature in streets["features"]} == {"LineString"}

    none = await http.get("/streets.geojson", headers=host_for(await council()))
    assert none.status_code == 404 and none.headers["content-type"].startswith("application/problem+json")


def test_every_demo_councils_streets_can_be_drawn_and_lie_in_its_area() -> None:
    files = sorted((PROJECT_ROOT / "tenants").glob(f"*{SUFFIX}"))
    assert len(files) >= 5
    for path in files:
        slug = path.name.removesuffix(SUFFIX)
        streets = read_streets(path)
        assert streets is not None, path
        area = shape(json.loads((PROJECT_ROOT / "tenants" / f"{slug}.boundary.geojson").read_text())["geometry"])
        outside = [f["properties"]["name"] for f in streets["features"] if not area.contains(shape(f["geometry"]))]
        assert outside == [], (slug, outside)


def line(*points: object) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": {"name": "A Road"},
        "geometry": {"type": "LineString", "coordinates": list(points)},
    }


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ({"type": "Feature"}, "FeatureCollection"),
        ({"type": "FeatureCollection", "features": []}, "between 1 and"),
        (
            {"type": "FeatureCollection", "features": [{"geometry": {"type": "Point", "coordinates": [0, 51]}}]},
            "LineString",
        ),
        ({"type": "FeatureCollection", "features": [line([-0.3, 51.4])]}, "two points"),
        ({"type": "FeatureCollection", "features": [line([-0.3, 51.4], [2.35, 48.85])]}, "not in the United Kingdom"),
        ({"type": "FeatureCollection", "features": [line([-0.3, 51.4], ["x", 51.4])]}, "longitude, latitude"),
    ],
    ids=["not-a-collection", "empty", "a-point", "one-point", "in-paris", "not-a-number"],
)
def test_streets_that_cannot_be_drawn_are_refused_saying_why(data: object, why: str) -> None:
    with pytest.raises(InvalidStreets, match=why):
        check_streets(data)


async def test_each_council_gets_its_own_boundary_and_streets_never_a_neighbours_cached_one(
    http: httpx.AsyncClient, operator: httpx.AsyncClient, council: CouncilWithOrganization
) -> None:
    first, second = await council(), await council()
    await give_boundary(operator, first, square(-3.10, 53.10))
    await give_boundary(operator, second, square(-3.00, 53.10))
    for slug, west in ((first, -3.10), (second, -3.00)):
        answer = await http.get("/boundary.geojson", headers=host_for(slug))
        assert answer.status_code == 200, answer.text
        assert round(shape(answer.json()["geometry"]).bounds[0], 6) == west, slug
        assert "max-age=300" in answer.headers["cache-control"]
