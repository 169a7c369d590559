"""A resident pins a pothole across the boundary: they are offered the neighbour that is responsible, and
arrive there with their answers; a place no council on the platform deals with is refused plainly."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select

from civicshare.db.engine import Database, tenant_connection
from civicshare.transactions.tables import transactions
from tests.auth.conftest import CouncilWithOrganization
from tests.staff.test_back_office_pages import BROWSER, HIGHWAYS, text_of
from tests.support import host_for, tenant_context_for

from .conftest import give_boundary, square

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
SERVICE = "/services/report-pothole"


async def pin(http: httpx.AsyncClient, slug: str, latitude: float, longitude: float) -> httpx.Response:
    headers = {**host_for(slug), **BROWSER}
    page = await http.get(f"{SERVICE}/location", headers=headers)
    token = TOKEN.search(page.text)
    assert token is not None
    return await http.post(
        f"{SERVICE}/location",
        data={"latitude": str(latitude), "longitude": str(longitude), "csrf_token": token[1]},
        headers=headers,
    )


async def test_a_pin_across_the_boundary_is_offered_to_the_neighbour_who_receives_it(
    http: httpx.AsyncClient, operator: httpx.AsyncClient, council: CouncilWithOrganization, database: Database
) -> None:
    here, neighbour = await council(**HIGHWAYS), await council(**HIGHWAYS)
    await give_boundary(operator, here, square(-1.60, 52.30))
    await give_boundary(operator, neighbour, square(-1.55, 52.30))

    inside = await pin(http, here, 52.32, -1.58)
    assert inside.status_code == 303 and inside.headers["location"].endswith(f"{SERVICE}/details")

    offered = await pin(http, here, 52.32, -1.53)
    assert offered.status_code == 409
    words = text_of(offered.text)
    assert f"This place is in the area of Test Council {neighbour}" in words and "answers go with you" in words
    link = re.search(rf'href="([^"]+)"[^>]*id="send-to-{neighbour}"', offered.text)
    assert link is not None
    target = urlsplit(link[1].replace("&amp;", "&"))
    assert target.netloc.startswith(f"{neighbour}.") and target.path == f"{SERVICE}/handover"

    headers = {**host_for(neighbour), **BROWSER}
    arrived = await http.get(f"{target.path}?{target.query}", headers=headers)
    assert arrived.status_code == 303 and arrived.headers["location"] == f"{SERVICE}/details"
    token = TOKEN.search((await http.get(f"{SERVICE}/details", headers=headers)).text)
    assert token is not None
    for step, fields in (("details", {"size": "large", "on": "road"}), ("contact", {"email": "kim@example.org"})):
        answered = await http.post(f"{SERVICE}/{step}", data={**fields, "csrf_token": token[1]}, headers=headers)
        assert answered.status_code == 303, answered.text
    sent = await http.post(f"{SERVICE}/check", data={"csrf_token": token[1]}, headers=headers)
    assert sent.status_code == 303 and sent.headers["location"] == f"{SERVICE}/confirmation"
    async with tenant_connection(database.engine, await tenant_context_for(database, neighbour)) as connection:
        received = (await connection.execute(select(transactions.c.latitude, transactions.c.longitude))).all()
    assert [(float(lat), float(lon)) for lat, lon in received] == [(52.32, -1.53)]  # the pin came over

    altered = await http.get(f"{target.path}?answers=x{target.query[9:]}", headers=headers)
    assert altered.status_code == 303 and altered.headers["location"] == SERVICE


async def test_a_place_no_council_here_deals_with_is_refused_plainly(
    http: httpx.AsyncClient, operator: httpx.AsyncClient, council: CouncilWithOrganization
) -> None:
    here = await council(**HIGHWAYS)
    no_highways = await council(modules={"waste": {"enabled": True}})
    await give_boundary(operator, here, square(-1.60, 52.50))
    await give_boundary(operator, no_highways, square(-1.55, 52.50))
    for latitude, longitude in ((52.52, -1.53), (52.52, -1.40)):  # the neighbour without highways; nobody's
        refused = await pin(http, here, latitude, longitude)
        assert refused.status_code == 400
        assert f"This place is outside the area of Test Council {here}" in text_of(refused.text)
        assert 'href="#latitude"' in refused.text  # the error summary leads to the field


async def test_the_resident_api_refuses_a_pin_outside_the_councils_area_naming_the_council_responsible(
    http: httpx.AsyncClient, operator: httpx.AsyncClient, council: CouncilWithOrganization
) -> None:
    here, neighbour = await council(**HIGHWAYS), await council(**HIGHWAYS)
    await give_boundary(operator, here, square(-1.60, 52.70))
    await give_boundary(operator, neighbour, square(-1.55, 52.70))
    for longitude, status in ((-1.58, 201), (-1.53, 422)):
        answer = await http.post(
            "/api/v1/services/report-pothole/transactions",
            json={
                "answers": {"latitude": 52.72, "longitude": longitude, "size": "large", "on": "road"},
                "channel": "web",
                "contact_email": "api@example.org",
            },
            headers=host_for(here),
        )
        assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert f"it is for Test Council {neighbour} (council {neighbour})" in answer.text


@pytest.mark.parametrize(
    "latitude",
    ['"nan"', '"inf"', "1" + "0" * 400, '"52.72\\u0000"', '"  "'],
    ids=["nan", "inf", "huge", "NUL", "blank"],
)
async def test_a_pin_that_is_not_a_place_gets_the_forms_own_error_not_a_500(
    http: httpx.AsyncClient, operator: httpx.AsyncClient, council: CouncilWithOrganization, latitude: str
) -> None:
    here = await council(**HIGHWAYS)
    await give_boundary(operator, here, square(-1.60, 52.70))
    answer = await http.post(
        "/api/v1/services/report-pothole/transactions",
        content=(
            '{"answers": {"latitude": ' + latitude + ', "longitude": -1.58, "size": "large", "on": "road"},'
            ' "channel": "web", "contact_email": "api@example.org"}'
        ),
        headers={**host_for(here), "content-type": "application/json"},
    )
    assert answer.status_code in (400, 422), answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
