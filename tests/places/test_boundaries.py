"""An operator gives a council its boundary; shapes no council could have are refused, saying what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from civicshare.settings import Settings
from tests.auth.conftest import CouncilWithOrganization

from .conftest import give_boundary, square


async def test_an_operator_sets_a_councils_boundary_and_reads_it_back(
    operator: httpx.AsyncClient, council: CouncilWithOrganization
) -> None:
    slug = await council()
    assert (await operator.get(f"/admin/v1/councils/{slug}/boundary")).status_code == 404
    await give_boundary(operator, slug, square(-2.30, 53.40))
    read = (await operator.get(f"/admin/v1/councils/{slug}/boundary")).json()
    assert read["boundary"]["type"] == "MultiPolygon"
    assert 15 < read["area_km2"] < 25  # 0.05° square at 53.4°N: about 5.5 km by 3.3 km
    audit = (await operator.get("/admin/v1/audit-events", params={"council": slug})).json()
    assert any(event["action"] == "council.boundary_set" for event in audit["items"])


async def test_boundaries_no_council_could_have_are_refused_naming_the_problem(
    operator: httpx.AsyncClient, council: CouncilWithOrganization
) -> None:
    slug = await council()
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[-1.0, 52.0], [-0.9, 52.1], [-0.9, 52.0], [-1.0, 52.1], [-1.0, 52.0]]],
    }
    cases = {
        "self-intersection": bow_tie,
        "outside the United Kingdom": square(2.30, 48.80),  # Paris
        "latitude": square(52.0, -1.0),  # latitude and longitude swapped
        "not a council's area": square(-1.0, 52.0, size=0.001),
        "Polygon or MultiPolygon": {"type": "Point", "coordinates": [-1.0, 52.0]},
        "[longitude, latitude]": {"type": "Polygon", "coordinates": [[["a", 52.0], [-0.9, 52.1], [-1.0, 52.0]]]},
    }
    for expected, boundary in cases.items():
        answer = await operator.put(f"/admin/v1/councils/{slug}/boundary", json={"boundary": boundary})
        assert answer.status_code == 422, (expected, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        messages = " ".join(error["message"] for error in answer.json()["errors"])
        assert expected in messages, (expected, messages)
    assert (await operator.get(f"/admin/v1/councils/{slug}/boundary")).status_code == 404
    missing = await operator.put("/admin/v1/councils/no-such-council/boundary", json={"boundary": square(-1, 52)})
    assert missing.status_code == 404


def test_the_demo_councils_ship_illustrative_boundaries_where_they_are(settings: Settings) -> None:
    """Newham and Waltham Forest touch, as they do, and Elmbridge lies inside Surrey; each boundary file says it
    is only an illustration."""
    from civicshare.places.files import load_boundary_files
    from civicshare.places.locator import CouncilLocator

    slugs = ["elmbridge", "havering", "kingston", "newham", "surrey-county", "waltham-forest", "westminster"]
    boundaries = load_boundary_files(Path(settings.tenants_dir), slugs)
    assert sorted(boundaries) == slugs and all(b.illustrative and b.source for b in boundaries.values())
    locator = CouncilLocator({slug: b.shape for slug, b in boundaries.items()})
    assert locator.councils_at(-0.30, 51.41) == ["kingston"]
    assert locator.councils_at(-0.1357, 51.4995) == ["westminster"]  # Parliament Square, roughly
    assert boundaries["newham"].shape.touches(boundaries["waltham-forest"].shape)
    assert locator.councils_at(-0.365, 51.3695) == ["elmbridge", "surrey-county"]  # Esher: two tiers
    assert locator.councils_at(-0.5752, 51.2353) == ["surrey-county"]  # Guildford: its district is not here


def test_the_command_line_refuses_a_bad_boundary_file(tmp_path: Path, settings: Settings) -> None:
    from click.testing import CliRunner

    from civicshare.cli import main

    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(square(2.30, 48.80)))
    done = CliRunner().invoke(
        main,
        ["tenants", "boundary", "kingston", str(bad)],
        env={"CIVICSHARE_DATABASE_URL": settings.database_url or ""},
    )
    assert done.exit_code != 0 and "outside the United Kingdom" in done.output
