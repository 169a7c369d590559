"""FixMyStreet and 311 apps report problems to a council through Open311 GeoReport v2, and track them."""

from __future__ import annotations

from typing import Any

import httpx

from civicshare.db.engine import Database, tenant_connection
from civicshare.modules.working_days import uk_today
from civicshare.transactions.status import change_status
from tests.conftest import CouncilFactory
from tests.open311.conftest import client_key
from tests.support import ServedPlatform, host_for, tenant_context_for

HIGHWAYS_SERVICES = ["report-pothole", "report-streetlight", "report-fly-tipping"]


def _enabled(*codes: str) -> dict[str, dict[str, Any]]:
    return {code: {"enabled": True, "settings": {}} for code in codes}


def _fixmystreet_pothole(api_key: str = "", **overrides: str) -> dict[str, str]:
    form = {
        "service_code": "report-pothole",
        "lat": "51.4101",
        "long": "-0.3002",
        "email": "ada@example.org",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": "07700 900 123",
        "description": "Deep hole by the bus stop",
        "media_url": "https://fixmystreet.example/photo/1.jpeg",
        "attribute[size]": "large",
        "attribute[on]": "road",
        "api_key": api_key,
    }
    form.update(overrides)
    return form


async def test_the_service_list_shows_only_the_councils_enabled_services_with_open311_definitions(
    http: httpx.AsyncClient, make_council: CouncilFactory
) -> None:
    roads = await make_council(modules=_enabled("highways", "parking"))
    bins = await make_council(modules=_enabled("waste", "council_tax"))

    listed = await http.get("/open311/v2/services.json", headers=host_for(roads.slug))
    assert listed.status_code == 200, listed.text
    assert [service["service_code"] for service in listed.json()] == HIGHWAYS_SERVICES
    pothole = listed.json()[0]
    assert pothole == {
        "service_code": "report-pothole",
        "service_name": "Pothole",
        "description": "A pothole in a road, pavement or cycle lane",
        "metadata": True,
        "type": "realtime",
        "keywords": "pothole, road, pavement",
        "group": "Roads and streets",
    }
    by_prefix = await http.get(f"/t/{bins.slug}/open311/v2/services.json", params={"jurisdiction_id": bins.slug})
    assert [service["service_code"] for service in by_prefix.json()] == ["report-missed-bin"]

    definition = await http.get("/open311/v2/services/report-pothole.json", headers=host_for(roads.slug))
    assert definition.status_code == 200, definition.text
    size = definition.json()["attributes"][0]
    assert definition.json()["service_code"] == "report-pothole"
    assert (size["code"], size["datatype"], size["required"], size["variable"]) == (
        "size",
        "singlevaluelist",
        False,  # the pothole service's Open311 default answers it when a client sends none
        True,
    )
    assert {value["key"] for value in size["values"]} == {"small", "medium", "large"}
    missing = await http.get("/open311/v2/services/report-pothole.json", headers=host_for(bins.slug))
    assert missing.status_code == 404
    assert missing.json()[0]["code"] == 404

    discovered = await http.get("/open311/v2/discovery.json", headers=host_for(roads.slug))
    assert discovered.json()["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"


async def test_a_pothole_filed_like_fixmystreet_is_tracked_until_staff_close_it(
    http: httpx.AsyncClient, make_council: CouncilFactory, database: Database, served: ServedPlatform
) -> None:
    council = await make_council(modules=_enabled("highways"))
    headers = host_for(council.slug)
    key = await client_key(database, council.slug)

    filed = await http.post(
        "/open311/v2/requests.json", data=_fixmystreet_pothole(key, jurisdiction_id=council.slug), headers=headers
    )
    assert filed.status_code == 201, filed.text
    [receipt] = filed.json()
    reference = receipt["service_request_id"]
    assert reference.startswith(council.reference_prefix + "-")
    assert receipt["account_id"] is None
    assert "aim to deal with it by" in receipt["service_notice"]

    tracked = await http.get(f"/open311/v2/requests/{reference}.json", headers=headers)
    assert tracked.status_code == 200, tracked.text
    [request] = tracked.json()
    assert request["service_request_id"] == reference
    assert (request["status"], request["status_notes"]) == ("open", None)
    assert (request["service_code"], request["service_name"]) == ("report-pothole", "Pothole")
    assert (request["lat"], request["long"]) == (51.4101, -0.3002)
    assert request["expected_datetime"] is not None
    assert request["requested_datetime"] and request["updated_datetime"]
    personal = {"email", "first_name", "last_name", "phone", "answers", "contact_email"}
    assert not personal & set(request), "nothing personal is shown to whoever holds the id"
    assert (request["description"], request["media_url"]) == (None, None)
    for kept_for_staff in ("ada@example.org", "Lovelace", "07700", "photo/1.jpeg", "bus stop"):
        assert kept_for_staff not in tracked.text

    tenant = await tenant_context_for(database, council.slug)
    async with tenant_connection(database.engine, tenant) as connection:
        await change_status(
            connection,
            tenant,
            reference,
            "resolved",
            "staff:highways-officer",
            "Filled in on Tuesday",
            reason_public=True,  # staff chose to show it: Open311 shows only such text
            registry=served.services.registry,
        )

    listed = await http.get(
        "/open311/v2/requests.json", params={"service_request_id": f"{reference},NOPE-2026-000001"}, headers=headers
    )
    assert listed.status_code == 200, listed.text
    [closed] = listed.json()
    assert (closed["service_request_id"], closed["status"]) == (reference, "closed")
    assert closed["status_notes"] == "Filled in on Tuesday"


async def test_a_json_request_works_and_requests_stay_with_their_council(
    http: httpx.AsyncClient, make_council: CouncilFactory, database: Database
) -> None:
    mine = await make_council(modules=_enabled("highways"))
    theirs = await make_council(modules=_enabled("highways"))
    mine_key = await client_key(database, mine.slug)
    refused = await http.post(
        "/open311/v2/requests.json",
        json={"service_code": "report-streetlight", "api_key": mine_key, "attribute": {"fault": "out"}},
        headers=host_for(theirs.slug),
    )
    assert refused.status_code == 403, "another council's key is no key here"
    filed = await http.post(
        "/open311/v2/requests.json",
        json={
            "api_key": await client_key(database, theirs.slug),
            "service_code": "report-streetlight",
            "address_string": "Outside 4 Mill Lane",
            "email": "grace@example.org",
            "attribute": {"fault": "out"},
        },
        headers=host_for(theirs.slug),
    )
    assert filed.status_code == 201, filed.text
    reference = filed.json()[0]["service_request_id"]

    assert (await http.get(f"/open311/v2/requests/{reference}.json", headers=host_for(theirs.slug))).status_code == 200
    elsewhere = await http.get(f"/open311/v2/requests/{reference}.json", headers=host_for(mine.slug))
    assert elsewhere.status_code == 404
    assert elsewhere.json() == [{"code": 404, "description": elsewhere.json()[0]["description"]}]
    listed = await http.get(
        "/open311/v2/requests.json", params={"service_request_id": reference}, headers=host_for(mine.slug)
    )
    assert listed.json() == []


async def test_a_request_for_another_jurisdiction_is_refused_in_georeport_format(
    http: httpx.AsyncClient, make_council: CouncilFactory
) -> None:
    council = await make_council(modules=_enabled("highways"))
    headers = host_for(council.slug)
    for response in (
        await http.get("/open311/v2/services.json", params={"jurisdiction_id": "somewhere-else"}, headers=headers),
        await http.post(
            "/open311/v2/requests.json", data=_fixmystreet_pothole(jurisdiction_id="somewhere-else"), headers=headers
        ),
    ):
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/json")
        [error] = response.json()
        assert error["code"] == 400 and "jurisdiction_id" in error["description"]


async def test_a_request_missing_required_fields_lists_every_error(
    http: httpx.AsyncClient, make_council: CouncilFactory, database: Database
) -> None:
    council = await make_council(modules=_enabled("highways"))
    headers = host_for(council.slug)
    key = await client_key(database, council.slug)
    refused = await http.post(
        "/open311/v2/requests.json",
        data={"service_code": "report-fly-tipping", "email": "not an email", "api_key": key},
        headers=headers,
    )
    assert refused.status_code == 400, refused.text
    descriptions = [error["description"] for error in refused.json()]
    assert all(error["code"] == 400 for error in refused.json())
    assert "address_string: Choose a location on the map or describe where it is" in descriptions
    assert "attribute[waste_type]: Select what has been dumped" in descriptions
    assert any(description.startswith("email: ") for description in descriptions)

    no_code = await http.post("/open311/v2/requests.json", data={"lat": "51.4", "api_key": key}, headers=headers)
    assert no_code.status_code == 400
    assert no_code.json()[0]["description"].startswith("service_code")
    not_offered = await http.post(
        "/open311/v2/requests.json", data=_fixmystreet_pothole(key, service_code="report-missed-bin"), headers=headers
    )
    assert not_offered.status_code == 404
    csv = await http.get("/open311/v2/services/report-pothole.csv", headers=headers)
    assert csv.status_code == 400


async def test_a_missed_bin_is_tracked_without_the_residents_home_address(
    http: httpx.AsyncClient, make_council: CouncilFactory, database: Database
) -> None:
    council = await make_council(modules=_enabled("waste"))
    headers = host_for(council.slug)
    filed = await http.post(
        "/open311/v2/requests.json",
        json={
            "api_key": await client_key(database, council.slug),
            "service_code": "report-missed-bin",
            "email": "ada@example.org",
            "attribute": {
                "address_line": "12 Acacia Avenue",
                "postcode": "E15 1AB",
                "bin_type": "recycling",
                "collection_date": uk_today().isoformat(),
            },
        },
        headers=headers,
    )
    assert filed.status_code == 201, filed.text
    reference = filed.json()[0]["service_request_id"]
    tracked = await http.get(f"/open311/v2/requests/{reference}.json", headers=headers)
    [request] = tracked.json()
    assert (request["service_code"], request["status"]) == ("report-missed-bin", "open")
    assert (request["address"], request["lat"], request["long"]) == ("", None, None)
    assert "Acacia" not in tracked.text and "E15" not in tracked.text


async def test_an_app_that_fills_every_attribute_it_is_shown_can_file_each_highways_report(
    http: httpx.AsyncClient, make_council: CouncilFactory, database: Database
) -> None:
    council = await make_council(
        modules={
            "highways": {
                "enabled": True,
                "settings": {"streetlight_faults": [{"value": "buzzing", "label": "The light buzzes"}]},
            }
        }
    )
    key = await client_key(database, council.slug)
    for code in HIGHWAYS_SERVICES:
        definition = (await http.get(f"/open311/v2/services/{code}.json", headers=host_for(council.slug))).json()
        form = {"service_code": code, "lat": "51.41", "long": "-0.30", "email": "app@example.org", "api_key": key}
        for attribute in definition["attributes"]:
            if attribute["required"]:
                values = attribute.get("values")
                form[f"attribute[{attribute['code']}]"] = values[0]["key"] if values else "1"
        filed = await http.post("/open311/v2/requests.json", data=form, headers=host_for(council.slug))
        assert filed.status_code == 201, (code, definition, filed.text)
        if code == "report-streetlight":
            # The council's own choices, not the module's defaults.
            [fault] = [a for a in definition["attributes"] if a["code"] == "fault"]
            assert fault["values"] == [{"key": "buzzing", "name": "The light buzzes"}]


async def test_a_request_open311_cannot_read_is_refused_in_georeport_format(
    http: httpx.AsyncClient, make_council: CouncilFactory, database: Database
) -> None:
    council = await make_council(modules=_enabled("highways"))
    refused = await http.post(
        "/open311/v2/requests.json",
        data=_fixmystreet_pothole(await client_key(database, council.slug)),
        headers={**host_for(council.slug), "Idempotency-Key": "k" * 256},
    )
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/json"
    [error] = refused.json()
    assert error["code"] == 400
    assert error["description"].lower().startswith("idempotency")


def _georeport_error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    (error,) = response.json()
    assert error["code"] == status
    return str(error["description"])


async def test_what_an_app_sends_that_cannot_be_read_or_stored_is_an_error_in_georeport_format(
    http: httpx.AsyncClient, make_council: CouncilFactory, database: Database
) -> None:
    slug = (await make_council(modules=_enabled("highways"))).slug
    key = await client_key(database, slug)
    as_json = {**host_for(slug), "content-type": "application/json"}
    requests = "/open311/v2/requests.json"

    assert "not valid JSON" in _georeport_error(await http.post(requests, content=b"{nope", headers=as_json), 400)
    nested = b"[" * 100_000 + b"]" * 100_000
    assert "not valid JSON" in _georeport_error(await http.post(requests, content=nested, headers=as_json), 400)
    with_nul = _fixmystreet_pothole(key, description="Deep hole\x00")
    refused = await http.post(requests, data=with_nul, headers=host_for(slug))
    assert _georeport_error(refused, 422).startswith("description:")
    blank_key = await http.post(
        requests, data=_fixmystreet_pothole(key), headers={**host_for(slug), "Idempotency-Key": ""}
    )
    assert "Idempotency-Key" in _georeport_error(blank_key, 400)
    _georeport_error(await http.get("/open311/v2/requests/KNG%00.json", headers=host_for(slug)), 404)
    by_ids = await http.get(requests, params={"service_request_id": "A\x00B"}, headers=host_for(slug))
    assert _georeport_error(by_ids, 422).startswith("service_request_id:")

    filed = await http.post(requests, data=_fixmystreet_pothole(key), headers=host_for(slug))
    assert filed.status_code == 201 and filed.json()[0]["service_request_id"].endswith("-000001")
