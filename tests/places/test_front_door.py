"""Two tiers, one front door: a county does the roads and a district inside it the bins. The area's
front door lists each service once, asks where, and sends the resident on to the council responsible
there with the place carried over; a resident's "My requests" there shows their requests at every
council of the area, and nobody else's."""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select

from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.tenancy.service import TenantConflict
from civicshare.transactions.service import status_history
from civicshare.transactions.tables import transactions
from tests.auth.conftest import CouncilWithOrganization, cookie_header, sign_in_in_browser
from tests.conftest import CouncilFactory
from tests.staff.test_assisted_digital import date_typed
from tests.staff.test_back_office_pages import BROWSER, text_of
from tests.support import host_for, record_transaction, tenant_context_for

from .conftest import give_boundary, square

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
BOTH = {"modules": {"highways": {"enabled": True}, "waste": {"enabled": True}}}
# Each test's county (with its district in the north-west corner) has a place of its own: overlapping claims
# to a service are refused across front doors too. Well away from the other places tests' squares.
_areas = itertools.count()


@dataclass(frozen=True)
class TwoTiers:
    county: str
    district: str
    door: str
    west: float

    @property
    def in_district(self) -> tuple[float, float]:
        return (53.15, self.west + 0.05)

    @property
    def in_county_only(self) -> tuple[float, float]:
        return (53.05, self.west + 0.15)


OUTSIDE = (54.50, -2.00)


async def two_tiers(operator: httpx.AsyncClient, council: CouncilWithOrganization) -> TwoTiers:
    """A county (roads) and its district (bins) behind a new front door."""
    west = -2.60 + 0.25 * next(_areas)
    county, district = await council(**BOTH), await council(**BOTH)
    await give_boundary(operator, county, square(west, 53.00, 0.20))
    await give_boundary(operator, district, square(west + 0.02, 53.12, 0.06))
    door = f"area-{uuid.uuid4().hex[:8]}"
    answer = await operator.put(
        f"/admin/v1/front-doors/{door}",
        json={
            "name": f"Councils of {door}",
            "responsibilities": {county: ["report-pothole"], district: ["report-missed-bin", "order-bin"]},
        },
    )
    assert answer.status_code == 200, answer.text
    return TwoTiers(county, district, door, west)


async def start(http: httpx.AsyncClient, door: str, service: str, **place: str) -> httpx.Response:
    headers = {**host_for(door), **BROWSER}
    page = await http.get(f"/start/{service}", headers=headers)
    assert page.status_code == 200, page.text
    token = TOKEN.search(page.text)
    assert token is not None
    return await http.post(f"/start/{service}", data={**place, "csrf_token": token[1]}, headers=headers)


def pin(latitude: float, longitude: float) -> dict[str, str]:
    return {"latitude": str(latitude), "longitude": str(longitude)}


async def carry_on(http: httpx.AsyncClient, sent: httpx.Response, council: str) -> dict[str, str]:
    """Follow the front door's button to the council's own site; the headers that browse it."""
    assert sent.status_code == 200, sent.text
    link = re.search(rf'href="([^"]+)"[^>]*id="continue-to-{council}"', sent.text)
    assert link is not None, sent.text
    target = urlsplit(link[1].replace("&amp;", "&"))
    assert target.netloc == f"{council}.localhost"
    headers = {**host_for(council), **BROWSER}
    arrived = await http.get(f"{target.path}?{target.query}", headers=headers)
    assert arrived.status_code == 303, arrived.text
    return {**headers, "x-next": arrived.headers["location"]}


async def answer(
    http: httpx.AsyncClient, headers: dict[str, str], service: str, steps: list[tuple[str, dict[str, str]]]
) -> str:
    browse = {k: v for k, v in headers.items() if k != "x-next"}
    token = TOKEN.search((await http.get(headers["x-next"], headers=browse)).text)
    assert token is not None
    for step, fields in steps:
        answered = await http.post(
            f"/services/{service}/{step}", data={**fields, "csrf_token": token[1]}, headers=browse
        )
        assert answered.status_code == 303, answered.text
    sent = await http.post(f"/services/{service}/check", data={"csrf_token": token[1]}, headers=browse)
    assert sent.status_code == 303 and sent.headers["location"] == f"/services/{service}/confirmation", sent.text
    return str(sent.headers["location"])


async def test_the_front_door_sends_a_pothole_to_the_county_and_a_missed_bin_to_the_district_by_place(
    http: httpx.AsyncClient, operator: httpx.AsyncClient, council: CouncilWithOrganization, database: Database
) -> None:
    area = await two_tiers(operator, council)
    county, district, door = area.county, area.district, area.door
    home = await http.get("/", headers={**host_for(door), **BROWSER})
    assert home.status_code == 200
    listed = re.findall(r'href="/start/([a-z-]+)"', home.text)
    assert sorted(listed) == ["order-bin", "report-missed-bin", "report-pothole"]  # each once, though both offer them

    sent = await start(http, door, "report-pothole", **pin(*area.in_district))
    assert f"Test Council {county} deals with this at this place" in text_of(sent.text)
    assert f"Online services of Councils of {door} run on civicshare" in text_of(sent.text)  # still the front door
    there = await carry_on(http, sent, county)
    assert there["x-next"] == "/services/report-pothole/details"  # the place is answered already
    await answer(
        http, there, "report-pothole",
        [("details", {"size": "large", "on": "road"}), ("contact", {"email": "sam@example.org"})],
    )  # fmt: skip
    async with tenant_connection(database.engine, await tenant_context_for(database, county)) as connection:
        row = (await connection.execute(select(transactions.c.id, transactions.c.latitude))).one()
        history = await status_history(connection, row.id)
    assert float(row.latitude) == area.in_district[0]
    assert history[0]["note"] == f"Sent through Councils of {door}" and history[0]["note_public"]

    sent = await start(http, door, "report-missed-bin", **pin(*area.in_district))
    assert f"Test Council {district} deals with this at this place" in text_of(sent.text)
    there = await carry_on(http, sent, district)
    assert there["x-next"] == "/services/report-missed-bin/address"  # a pin is no address: asked there
    await answer(
        http, there, "report-missed-bin",
        [
            ("address", {"address_line": "1 Mill Lane", "postcode": "ST5 1AA"}),
            ("bin", {"bin_type": "recycling", **date_typed("collection_date")}),
            ("contact", {"email": "sam@example.org"}),
        ],
    )  # fmt: skip
    for slug, services in ((county, ["report-pothole"]), (district, ["report-missed-bin"])):
        async with tenant_connection(database.engine, await tenant_context_for(database, slug)) as connection:
            assert (await connection.scalars(select(transactions.c.service))).all() == services


async def test_outside_the_area_or_where_no_council_here_does_it_the_resident_is_told_plainly(
    http: httpx.AsyncClient, operator: httpx.AsyncClient, council: CouncilWithOrganization
) -> None:
    area = await two_tiers(operator, council)
    door = area.door
    outside = await start(http, door, "report-pothole", **pin(*OUTSIDE))
    assert outside.status_code == 400
    assert f"This place is outside the area of Councils of {door}" in text_of(outside.text)
    assert 'href="#postcode"' in outside.text  # the error summary leads to the field

    # In the county but outside the district: the district there is not on the platform.
    nobody = await start(http, door, "report-missed-bin", **pin(*area.in_county_only))
    assert nobody.status_code == 200
    assert "The council that deals with this at this place is not on this platform" in text_of(nobody.text)

    unknown = await http.get("/start/report-parking", headers={**host_for(door), **BROWSER})
    assert unknown.status_code == 404
    bad = await start(http, door, "report-pothole", postcode="not a postcode")
    assert bad.status_code == 400 and "Enter a real postcode" in text_of(bad.text)


async def test_a_service_claimed_by_two_councils_for_the_same_place_is_refused(
    operator: httpx.AsyncClient, council: CouncilWithOrganization
) -> None:
    area = await two_tiers(operator, council)
    county, district, door = area.county, area.district, area.door
    before = (await operator.get(f"/admin/v1/front-doors/{door}")).json()
    claimed_twice = {county: ["report-pothole", "report-missed-bin"], district: ["report-missed-bin"]}
    refused = await operator.put(
        f"/admin/v1/front-doors/{door}", json={"name": "Twice", "responsibilities": claimed_twice}
    )
    assert refused.status_code == 422
    messages = [error["message"] for error in refused.json()["errors"]]
    assert any("'report-missed-bin' is also claimed by" in message and "overlap" in message for message in messages)
    assert (await operator.get(f"/admin/v1/front-doors/{door}")).json() == before  # nothing kept

    # The same claim behind another front door is refused too: a place has one council for each service.
    elsewhere = await operator.put(
        f"/admin/v1/front-doors/other-{door}",
        json={"name": "Another door", "responsibilities": {county: ["report-missed-bin"]}},
    )
    assert elsewhere.status_code == 422 and f"behind the front door '{door}'" in elsewhere.text

    # Neighbours that only touch may both do bins, each in its own area.
    neighbour = await council(**BOTH)
    await give_boundary(operator, neighbour, square(area.west + 0.08, 53.12, 0.06))
    side_by_side = {county: ["report-pothole"], district: ["report-missed-bin"], neighbour: ["report-missed-bin"]}
    accepted = await operator.put(
        f"/admin/v1/front-doors/{door}", json={"name": "Both", "responsibilities": side_by_side}
    )
    assert accepted.status_code == 200, accepted.text

    unknown = await operator.put(
        f"/admin/v1/front-doors/{door}",
        json={"name": "Unknown", "responsibilities": {"no-such-council": ["report-pothole"]}},
    )
    assert unknown.status_code == 422 and "there is no council 'no-such-council'" in unknown.text
    not_offered = await operator.put(
        f"/admin/v1/front-doors/{door}", json={"name": "Parking", "responsibilities": {county: ["report-parking"]}}
    )
    assert not_offered.status_code == 422 and "does not offer 'report-parking'" in not_offered.text


async def test_my_requests_on_the_front_door_lists_the_areas_councils_and_never_another_residents(
    http: httpx.AsyncClient,
    operator: httpx.AsyncClient,
    council: CouncilWithOrganization,
    database: Database,
    dev_identity: DevIdentity,
) -> None:
    area = await two_tiers(operator, council)
    county, district, door = area.county, area.district, area.door
    elsewhere = await council(**BOTH)  # a council on the platform but not behind this front door
    email = f"lee-{uuid.uuid4().hex[:8]}@example.org"
    subject = await dev_identity.add_resident(email, "Lee Resident")
    mine = {
        slug: await record_transaction(database, slug, email, resident_subject=subject) for slug in (county, district)
    }
    not_in_area = await record_transaction(database, elsewhere, email, resident_subject=subject)
    someone_elses = await record_transaction(database, county, "other@example.org", resident_subject="someone-else")

    cookies = await sign_in_in_browser(http, door, email)
    listing = await http.get("/my-requests", headers={**host_for(door), **cookie_header(cookies)})
    assert listing.status_code == 200, listing.text
    for slug, reference in mine.items():
        assert f"/my-requests/{slug}/{reference}" in listing.text
    assert not_in_area not in listing.text and someone_elses not in listing.text
    assert f"works at every council of Councils of {door}" in text_of(listing.text)

    opened = await http.get(
        f"/my-requests/{district}/{mine[district]}", headers={**host_for(door), **cookie_header(cookies)}
    )
    assert opened.status_code == 200 and mine[district] in opened.text
    for refused in (f"/my-requests/{elsewhere}/{not_in_area}", f"/my-requests/{county}/{someone_elses}"):
        answer = await http.get(refused, headers={**host_for(door), **cookie_header(cookies)})
        assert answer.status_code == 404, refused


async def test_a_front_door_is_no_council(
    http: httpx.AsyncClient, operator: httpx.AsyncClient, council: CouncilWithOrganization, make_council: CouncilFactory
) -> None:
    area = await two_tiers(operator, council)
    county, door = area.county, area.door
    with pytest.raises(TenantConflict, match="front door"):  # its host would hide the front door
        await make_council(door)
    taken = await operator.put(
        f"/admin/v1/front-doors/{county}", json={"name": "Taken", "responsibilities": {county: ["report-pothole"]}}
    )
    assert taken.status_code == 422 and "is a council's name" in taken.text
    domain = f"{door}.example.gov.uk"
    for slug, status in ((f"own-{door}", 200), (f"copy-{door}", 422)):  # one site per host name
        answer = await operator.put(
            f"/admin/v1/front-doors/{slug}",
            json={"name": "Own domain", "domains": [domain], "responsibilities": {county: ["report-pothole"]}},
        )
        assert answer.status_code == status, answer.text
    assert f"{domain} is already used by another site" in answer.text
    with pytest.raises(TenantConflict, match=f"domain {domain} already belongs to the front door 'own-{door}'"):
        await make_council(domains=[domain])  # nor may a council take the front door's own domain
    by_domain = await http.get("/", headers={"Host": domain, **BROWSER})
    assert by_domain.status_code == 200 and "Own domain: online services" in text_of(by_domain.text)
    conflicting = await http.get("/api/v1/council", headers={**host_for(door), "X-Tenant": county})
    assert conflicting.status_code == 400 and "conflicting-council" in conflicting.text
    council_page = await http.get("/services/report-pothole", headers={**host_for(door), **BROWSER})
    assert council_page.status_code == 404
    api = await http.get("/api/v1/council", headers=host_for(door))
    assert api.status_code in (400, 404)
    platform_home = await http.get("/", headers=BROWSER)
    assert re.search(rf'href="//{door}\.localhost:\d+/">Councils of {door}</a>', platform_home.text)


async def test_each_site_draws_its_own_area_on_the_map(
    http: httpx.AsyncClient, operator: httpx.AsyncClient, council: CouncilWithOrganization
) -> None:
    """The outline is cached for a while, but per site: one council's area is never drawn on another's map."""
    area = await two_tiers(operator, council)
    door = (await http.get("/boundary.geojson", headers=host_for(area.door))).json()
    assert door["type"] == "FeatureCollection"
    assert sorted(feature["properties"]["council"] for feature in door["features"]) == sorted(
        [area.county, area.district]
    )
    for slug in (area.county, area.district):
        outline = (await http.get("/boundary.geojson", headers=host_for(slug))).json()
        assert outline["properties"]["council"] == f"Test Council {slug}"
