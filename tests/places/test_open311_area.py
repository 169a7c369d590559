"""FixMyStreet files a pothole through Open311 at a place in the neighbouring council's area: it is refused
in GeoReport's own error format, naming the council (and its jurisdiction_id) that takes it."""

from __future__ import annotations

import httpx

from civicshare.db.engine import Database
from tests.auth.conftest import CouncilWithOrganization
from tests.open311.conftest import client_key
from tests.staff.test_back_office_pages import HIGHWAYS
from tests.support import host_for

from .conftest import give_boundary, square


def pothole(api_key: str, **place: str) -> dict[str, str]:
    return {
        "service_code": "report-pothole",
        "email": "ada@example.org",
        "description": "Deep hole by the bus stop",
        "attribute[size]": "large",
        "attribute[on]": "road",
        "api_key": api_key,
        **place,
    }


async def test_open311_refuses_a_pin_in_the_neighbours_area_in_georeports_format_naming_the_neighbour(
    http: httpx.AsyncClient, operator: httpx.AsyncClient, council: CouncilWithOrganization, database: Database
) -> None:
    here, neighbour = await council(**HIGHWAYS), await council(**HIGHWAYS)
    await give_boundary(operator, here, square(-1.60, 52.90))
    await give_boundary(operator, neighbour, square(-1.55, 52.90))
    key = await client_key(database, here)

    refused = await http.post(
        "/open311/v2/requests.json", data=pothole(key, lat="52.92", long="-1.53"), headers=host_for(here)
    )
    assert refused.status_code == 400, refused.text
    [error] = refused.json()
    assert error["code"] == 400
    assert error["description"].startswith(f"lat: this place is outside the area of Test Council {here}")
    assert f"Test Council {neighbour}" in error["description"] and f"'{neighbour}'" in error["description"]

    as_xml = await http.post(
        "/open311/v2/requests.xml", data=pothole(key, lat="52.92", long="-1.53"), headers=host_for(here)
    )
    assert as_xml.status_code == 400 and "<errors><error><code>400</code>" in as_xml.text

    nobodys = await http.post(
        "/open311/v2/requests.json", data=pothole(key, lat="52.92", long="-1.40"), headers=host_for(here)
    )
    assert nobodys.status_code == 400 and "of every council on this platform" in nobodys.json()[0]["description"]

    accepted = await http.post(
        "/open311/v2/requests.json", data=pothole(key, lat="52.92", long="-1.58"), headers=host_for(here)
    )
    assert accepted.status_code == 201, accepted.text


async def test_open311_refuses_an_address_string_whose_postcode_is_in_another_councils_area(
    http: httpx.AsyncClient, operator: httpx.AsyncClient, council: CouncilWithOrganization, database: Database
) -> None:
    here, neighbour = await council(**HIGHWAYS), await council(**HIGHWAYS)
    await give_boundary(operator, here, square(-0.33, 51.38))  # holds the demo's KT1 1EU
    await give_boundary(operator, neighbour, square(0.00, 51.48))  # holds the demo's E16 2QU
    key = await client_key(database, here)

    refused = await http.post(
        "/open311/v2/requests.json",
        data=pothole(key, address_string="Outside 1000 Dockside Road, London e16 2qu"),
        headers=host_for(here),
    )
    assert refused.status_code == 400, refused.text
    description = refused.json()[0]["description"]
    assert description.startswith("address_string: this place is outside the area") and neighbour in description

    accepted = await http.post(
        "/open311/v2/requests.json",
        data=pothole(key, address_string="By the Guildhall, High Street, KT1 1EU"),
        headers=host_for(here),
    )
    assert accepted.status_code == 201, accepted.text
