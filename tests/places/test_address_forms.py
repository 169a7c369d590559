"""A resident reports a missed bin: they find their address by postcode (GOV.UK's "find an address"),
choose it from the council's addresses there, and the request keeps the address and its UPRN. A postcode
in the neighbouring council's area is offered to the neighbour, as a pin across the boundary is; the
resident API refuses it with a 422 problem naming the neighbour."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select

from civicshare.db.engine import Database, tenant_connection
from civicshare.modules.working_days import uk_today
from civicshare.transactions.tables import transactions
from tests.auth.conftest import CouncilWithOrganization
from tests.staff.test_back_office_pages import BROWSER, text_of
from tests.support import host_for, tenant_context_for

from .conftest import give_boundary, square

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
WASTE = {"modules": {"waste": {"enabled": True}}}
SERVICE = "/services/report-missed-bin"
KINGSTON_SQUARE, NEWHAM_SQUARE = square(-0.33, 51.38), square(0.00, 51.48)  # hold the demo's KT1 1EU, E16 2QU


async def test_a_resident_finds_their_address_by_postcode_and_the_request_keeps_it_with_its_uprn(
    http: httpx.AsyncClient, operator: httpx.AsyncClient, council: CouncilWithOrganization, database: Database
) -> None:
    here = await council(**WASTE)
    await give_boundary(operator, here, KINGSTON_SQUARE)
    headers = {**host_for(here), **BROWSER}
    page = await http.get(f"{SERVICE}/address", headers=headers)
    assert page.status_code == 200
    assert "Find address" in page.text and f'href="{SERVICE}/address?manual=1"' in page.text
    token = TOKEN.search(page.text)
    assert token is not None

    async def post(step: str, **fields: str) -> httpx.Response:
        return await http.post(f"{SERVICE}/{step}", data={**fields, "csrf_token": token[1]}, headers=headers)

    for typed, message in (
        ("12345", "Enter a real postcode, like KT1 1EU"),
        ("ZE1 0AA", "We could not find any addresses at ZE1 0AA"),
    ):
        refused = await post("address", find_postcode=typed)
        assert refused.status_code == 400 and message in text_of(refused.text)
        assert 'href="#find_postcode"' in refused.text

    listed = await post("address", find_postcode="kt11eu")
    assert listed.status_code == 200, listed.text
    words = text_of(listed.text)
    assert "2 addresses found" in words and "GUILDHALL, HIGH STREET, KINGSTON UPON THAMES, KT1 1EU" in words
    assert "I cannot find the address in the list" in words
    unchosen = await post("address", find_postcode="KT1 1EU", chosen_uprn="")
    assert unchosen.status_code == 400 and "Select an address" in text_of(unchosen.text)

    chosen = await post("address", find_postcode="KT1 1EU", chosen_uprn="900000000101")
    assert chosen.status_code == 303 and chosen.headers["location"] == f"{SERVICE}/bin"
    today = uk_today()
    day = {"collection_date-day": str(today.day), "collection_date-month": str(today.month)}
    answered = await post("bin", bin_type="rubbish", **day, **{"collection_date-year": str(today.year)})
    assert answered.status_code == 303, answered.text
    assert (await post("contact", email="asha@example.org")).status_code == 303
    check = text_of((await http.get(f"{SERVICE}/check", headers=headers)).text)
    assert "GUILDHALL, HIGH STREET, KINGSTON UPON THAMES" in check and "UPRN" not in check
    sent = await post("check")
    assert sent.status_code == 303 and sent.headers["location"] == f"{SERVICE}/confirmation"

    async with tenant_connection(database.engine, await tenant_context_for(database, here)) as connection:
        [answers] = (await connection.execute(select(transactions.c.answers))).scalars().all()
    assert answers["address_line"] == "GUILDHALL, HIGH STREET, KINGSTON UPON THAMES"
    assert answers["postcode"] == "KT1 1EU" and answers["uprn"] == "900000000101"


async def test_a_postcode_in_the_neighbours_area_is_offered_to_the_neighbour_typed_or_found(
    http: httpx.AsyncClient, operator: httpx.AsyncClient, council: CouncilWithOrganization
) -> None:
    here, neighbour = await council(**WASTE), await council(**WASTE)
    await give_boundary(operator, here, KINGSTON_SQUARE)
    await give_boundary(operator, neighbour, NEWHAM_SQUARE)
    headers = {**host_for(here), **BROWSER}
    manual = await http.get(f"{SERVICE}/address?manual=1", headers=headers)
    assert "Building and street" in manual.text
    token = TOKEN.search(manual.text)
    assert token is not None

    found = await http.post(
        f"{SERVICE}/address", data={"find_postcode": "E16 2QU", "csrf_token": token[1]}, headers=headers
    )
    assert found.status_code == 409, found.text
    # Newham and other tests' councils may cover the same place: the neighbour is among those offered.
    assert "This place is in another council's area" in text_of(found.text)
    assert f"Send it to Test Council {neighbour}" in text_of(found.text)
    link = re.search(rf'href="([^"]+)"[^>]*id="send-to-{neighbour}"', found.text)
    assert link is not None
    target = urlsplit(link[1].replace("&amp;", "&"))
    arrived = await http.get(f"{target.path}?{target.query}", headers={**host_for(neighbour), **BROWSER})
    assert arrived.status_code == 303 and arrived.headers["location"] == f"{SERVICE}/address"
    there = await http.get(f"{SERVICE}/address", headers={**host_for(neighbour), **BROWSER})
    assert 'value="E16 2QU"' in there.text  # the postcode came over

    typed = await http.post(
        f"{SERVICE}/address",
        data={"address_line": "1000 Dockside Road", "postcode": "E16 2QU", "csrf_token": token[1]},
        headers=headers,
    )
    assert typed.status_code == 409 and f"send-to-{neighbour}" in typed.text


async def test_an_address_no_council_here_serves_is_refused_plainly_and_the_api_names_the_neighbour(
    http: httpx.AsyncClient, operator: httpx.AsyncClient, council: CouncilWithOrganization
) -> None:
    here, neighbour = await council(**WASTE), await council(**WASTE)
    await give_boundary(operator, here, KINGSTON_SQUARE)
    await give_boundary(operator, neighbour, NEWHAM_SQUARE)
    headers = {**host_for(here), **BROWSER}
    page = await http.get(f"{SERVICE}/address", headers=headers)
    token = TOKEN.search(page.text)
    assert token is not None
    # Westminster's demo postcode: no council on the platform here has an area holding it.
    plain = await http.post(
        f"{SERVICE}/address", data={"find_postcode": "SW1E 6QP", "csrf_token": token[1]}, headers=headers
    )
    if plain.status_code == 409:  # the demo's Westminster is on the platform too (other tests onboard tenants/)
        assert "send-to-westminster" in plain.text
    else:
        assert plain.status_code == 400
        assert f"SW1E 6QP is outside the area of Test Council {here}" in text_of(plain.text)

    today = uk_today().isoformat()
    for postcode, status in (("KT1 1EU", 201), ("E16 2QU", 422)):
        answer = await http.post(
            f"/api/v1{SERVICE}/transactions",
            json={
                "answers": {
                    "address_line": "1 High Street",
                    "postcode": postcode,
                    "bin_type": "rubbish",
                    "collection_date": today,
                },
                "channel": "app",
                "contact_email": "api@example.org",
            },
            headers=host_for(here),
        )
        assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    [error] = answer.json()["errors"]
    assert error["field"] == "postcode" and f"outside the area of Test Council {here}" in error["message"]
    assert f"Test Council {neighbour}" in error["message"]
