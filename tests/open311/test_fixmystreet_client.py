"""FixMyStreet reports to a council through Open311 as its client does (`perllib/Open311.pm`): XML
resources, form-encoded POSTs with its API key, its updates pulled by date; a JSON app does the same in
JSON. Every XML answer is checked against a schema written from the GeoReport v2 specification."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
import xmlschema
from click.testing import CliRunner

from civicshare.casework.service import notes_of
from civicshare.cli import main
from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.settings import Settings
from civicshare.transactions.service import find_by_reference
from civicshare.transactions.status import change_status
from civicshare.transactions.updates import add_public_update
from tests.auth.conftest import council, dev_identity
from tests.conftest import CouncilFactory
from tests.open311.conftest import client_key
from tests.support import ServedPlatform, host_for, tenant_context_for
from tests.system_api.conftest import council_with_admin

__all__ = ["council", "dev_identity"]

SCHEMA = xmlschema.XMLSchema(Path(__file__).with_name("georeport_v2.xsd"))
ENDPOINT = "/open311/v2/"


def georeport_xml(response: httpx.Response, status: int = 200) -> ElementTree.Element:
    """The answer as FixMyStreet reads it, after checking it is GeoReport v2's XML."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/xml")
    SCHEMA.validate(response.text)
    return ElementTree.fromstring(response.content)  # noqa: S314 (our own answer, already validated)


def w3c(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


async def staff_decide(
    database: Database, served: ServedPlatform, slug: str, reference: str, to: str, why: str
) -> None:
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        await change_status(
            connection,
            tenant,
            reference,
            to,
            "staff:officer",
            why,
            registry=served.services.registry,
            reason_public=True,  # staff chose to show their decision to the public
        )


async def staff_notes(database: Database, slug: str, reference: str) -> str:
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        row = await find_by_reference(connection, reference)
        assert row is not None
        return "\n".join(note["body"] + " / " + note["author_name"] for note in await notes_of(connection, row["id"]))


async def test_fixmystreet_lists_defines_posts_reads_and_pulls_a_staff_decision_in_xml(
    http: httpx.AsyncClient, council: Any, dev_identity: DevIdentity, database: Database, served: ServedPlatform
) -> None:
    kingston = await council_with_admin(council, dev_identity)
    issued = await http.post("/api/v1/staff/open311-clients", json={"name": "FixMyStreet"}, headers=kingston.admin)
    assert issued.status_code == 201, issued.text
    api_key = issued.json()["api_key"]
    assert "api_key" not in (await http.get("/api/v1/staff/open311-clients", headers=kingston.admin)).text
    headers = host_for(kingston.slug)
    jurisdiction = {"jurisdiction_id": kingston.slug}

    discovery = georeport_xml(await http.get(f"{ENDPOINT}discovery.xml", headers=headers))
    assert [f.text for f in discovery.iter("format")] == ["text/xml", "application/json"]
    services = georeport_xml(await http.get(f"{ENDPOINT}services.xml", params=jurisdiction, headers=headers))
    codes = {s.findtext("service_code"): s.findtext("metadata") for s in services.iter("service")}
    assert codes["report-pothole"] == "true" and "report-missed-bin" in codes
    definition = georeport_xml(
        await http.get(f"{ENDPOINT}services/report-pothole.xml", params=jurisdiction, headers=headers)
    )
    assert [a.findtext("code") for a in definition.iter("attribute")][:2] == ["size", "on"]

    # FixMyStreet's extended description, no attributes (a category set up before they were added).
    description = "title: Pothole\n\ndetail: A large hole by the bus stop\n\nurl: https://fms.example/report/1\n\n"
    form = {
        **jurisdiction,
        "api_key": api_key,
        "service_code": "report-pothole",
        "description": description + "Submitted via FixMyStreet\n" + "x" * 1500,
        "lat": "51.410100",
        "long": "-0.300200",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": "07700 900123",
        "email": "ada@example.org",
        "media_url": "https://fms.example/photo/1.full.jpeg",
        "address_id": "#NOTPINPOINTED#",
    }
    wrong = await http.post(f"{ENDPOINT}requests.xml", data={**form, "api_key": "cs_o311_nope"}, headers=headers)
    assert georeport_xml(wrong, 403).findtext("error/code") == "403"
    posted = georeport_xml(await http.post(f"{ENDPOINT}requests.xml", data=form, headers=headers), 201)
    reference = posted.findtext("request/service_request_id")
    assert reference and "aim to deal with it" in (posted.findtext("request/service_notice") or "")

    by_id = await http.get(f"{ENDPOINT}requests/{reference}.xml", params=jurisdiction, headers=headers)
    read = georeport_xml(by_id)
    assert (read.findtext("request/status"), read.findtext("request/lat")) == ("open", "51.4101")
    listed = await http.get(f"{ENDPOINT}requests.xml", params={"service_request_id": reference}, headers=headers)
    assert georeport_xml(listed).findtext("request/service_request_id") == reference
    for private in ("Ada", "Lovelace", "07700", "photo/1", "bus stop", "ada@example.org"):
        assert private not in by_id.text and private not in listed.text
    kept = await staff_notes(database, kingston.slug, reference)
    for for_staff in ("Ada Lovelace", "07700 900123", "photo/1.full.jpeg", "#NOTPINPOINTED#", "x" * 1500):
        assert for_staff in kept
    assert "size = large (from the description)" in kept and "on = road" in kept

    before = datetime.now(UTC) - timedelta(minutes=5)
    # A form feed pasted into the reason: XML cannot carry it, so it is left out rather than break the answer.
    await staff_decide(database, served, kingston.slug, reference, "resolved", "Filled in\x0c on Tuesday")
    window = {
        **jurisdiction,
        "api_key": api_key,
        "start_date": w3c(before),
        "end_date": w3c(datetime.now(UTC) + timedelta(minutes=1)),
    }
    pulled = georeport_xml(await http.get(f"{ENDPOINT}servicerequestupdates.xml", params=window, headers=headers))
    [update] = [u for u in pulled.iter("request_update") if u.findtext("service_request_id") == reference]
    assert (update.findtext("status"), update.findtext("description")) == ("fixed", "Filled in on Tuesday")
    closed = georeport_xml(await http.get(f"{ENDPOINT}requests/{reference}.xml", headers=headers))
    assert (closed.findtext("request/status"), closed.findtext("request/status_notes")) == (
        "closed",
        "Filled in on Tuesday",
    )

    comment = {
        **jurisdiction,
        "api_key": api_key,
        "service_request_id": reference,
        "update_id": "4242",
        "status": "CLOSED",
        "description": "Thank you, it is much better",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "updated_datetime": w3c(datetime.now(UTC)),
    }
    answered = georeport_xml(await http.post(f"{ENDPOINT}servicerequestupdates.xml", data=comment, headers=headers))
    update_id = answered.findtext("request_update/update_id")
    again = georeport_xml(await http.post(f"{ENDPOINT}servicerequestupdates.xml", data=comment, headers=headers))
    assert update_id and again.findtext("request_update/update_id") == update_id
    assert (await staff_notes(database, kingston.slug, reference)).count("Thank you, it is much better") == 1

    client_id = issued.json()["client"]["id"]
    revoked = await http.post(f"/api/v1/staff/open311-clients/{client_id}/revoke", headers=kingston.admin)
    assert revoked.json()["state"] == "revoked"
    refused = await http.post(f"{ENDPOINT}requests.xml", data=form, headers=headers)
    assert georeport_xml(refused, 403) is not None


async def test_a_json_app_lists_by_dates_and_status_and_closes_a_request(
    http: httpx.AsyncClient, make_council: CouncilFactory, database: Database
) -> None:
    slug = (await make_council(modules={"highways": {"enabled": True, "settings": {}}})).slug
    key = await client_key(database, slug, "Street app")
    headers = host_for(slug)
    references = []
    for fault in ("out", "flickering"):
        filed = await http.post(
            f"{ENDPOINT}requests.json",
            json={"api_key": key, "service_code": "report-streetlight", "address_string": "4 Mill Lane",
                  "attribute": {"fault": fault}},
            headers=headers,
        )  # fmt: skip
        assert filed.status_code == 201, filed.text
        references.append(filed.json()[0]["service_request_id"])

    listed = await http.get(f"{ENDPOINT}requests.json", headers=headers)
    assert {r["service_request_id"] for r in listed.json()} == set(references)
    closing = await http.post(
        f"{ENDPOINT}servicerequestupdates.json",
        data={"api_key": key, "service_request_id": references[0], "status": "CLOSED", "description": "Fixed now"},
        headers=headers,
    )
    assert closing.status_code == 200, closing.text
    update_id = closing.json()[0]["update_id"]

    by_status = {
        status: [r["service_request_id"] for r in (
            await http.get(f"{ENDPOINT}requests.json", params={"status": status}, headers=headers)
        ).json()]
        for status in ("open", "closed")
    }  # fmt: skip
    assert by_status == {"open": [references[1]], "closed": [references[0]]}
    only_ids = await http.get(
        f"{ENDPOINT}requests.json", params={"service_request_id": references[1], "status": "closed"}, headers=headers
    )
    assert [r["service_request_id"] for r in only_ids.json()] == [references[1]], "ids override the other filters"
    tomorrow = w3c(datetime.now(UTC) + timedelta(days=1))
    assert (await http.get(f"{ENDPOINT}requests.json", params={"start_date": tomorrow}, headers=headers)).json() == []
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        told = await add_public_update(connection, references[1], "An engineer visits on Monday", "staff:officer")
    updates = (await http.get(f"{ENDPOINT}servicerequestupdates.json", headers=headers)).json()
    assert [(u["update_id"], u["status"], u["description"]) for u in updates] == [
        (update_id, "fixed", "Fixed now"),
        (f"public-{told.id}", "open", "An engineer visits on Monday"),
    ]
    elsewhere = (await make_council(modules={"highways": {"enabled": True, "settings": {}}})).slug
    assert (await http.get(f"{ENDPOINT}servicerequestupdates.json", headers=host_for(elsewhere))).json() == []
    assert (await http.get(f"{ENDPOINT}requests.json", headers=host_for(elsewhere))).json() == []
    too_much = await http.post(
        f"{ENDPOINT}requests.json",
        json={"api_key": key, "service_code": "report-streetlight", "address_string": "4 Mill Lane",
              "attribute": {"fault": "out"}, "description": "x" * 4001},
        headers=headers,
    )  # fmt: skip
    assert too_much.status_code == 400 and too_much.json()[0]["description"].startswith("description:")

    too_long = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-05-01T00:00:00+01:00"}
    for params, status, words in (
        (too_long, 400, "90 days"),
        ({"start_date": "yesterday"}, 400, "W3C"),
        ({"status": "pending"}, 400, "status"),
        ({"service_code": "report-nothing"}, 404, "service_code"),
    ):
        refused = await http.get(f"{ENDPOINT}requests.json", params=params, headers=headers)
        assert refused.status_code == status and words in refused.json()[0]["description"], refused.text
    no_key = await http.post(
        f"{ENDPOINT}servicerequestupdates.json",
        data={"service_request_id": references[1], "status": "OPEN", "description": "Hello"},
        headers=headers,
    )
    assert no_key.status_code == 403 and no_key.json()[0]["code"] == 403
    unknown = await http.post(
        f"{ENDPOINT}servicerequestupdates.json",
        data={"api_key": key, "service_request_id": "NOPE-2026-000001", "status": "OPEN", "description": "Hello"},
        headers=headers,
    )
    assert unknown.status_code == 404


async def test_every_path_under_open311_answers_in_georeport_format(
    http: httpx.AsyncClient, make_council: CouncilFactory
) -> None:
    slug = (await make_council(modules={"highways": {"enabled": True, "settings": {}}})).slug
    headers = host_for(slug)
    for method, path, status in (
        ("GET", "/open311/v2/nothing.xml", 404),
        ("GET", "/open311/", 404),
        ("GET", "/open311/v3/services.xml", 404),
        ("GET", "/open311/v2/tokens/abc.xml", 404),
        ("GET", "/open311/v2/services/report-nothing.xml", 404),
        ("GET", "/open311/v2/requests/NOPE-2026-000001.xml", 404),
        ("POST", "/open311/v2/requests.xml", 403),
        ("DELETE", "/open311/v2/services.xml", 405),
    ):
        answer = await http.request(method, path, headers=headers)
        assert georeport_xml(answer, status).findtext("error/code") == str(status), (method, path)
    assert "GET" in answer.headers["allow"], "the 405 still says which methods the path takes"
    unknown_council = await http.get("/t/no-such-council/open311/v2/services.xml")
    assert georeport_xml(unknown_council, 404) is not None
    as_json = await http.get("/t/no-such-council/open311/v2/services.json")
    assert as_json.status_code == 404 and as_json.json()[0]["code"] == 404


async def test_an_operator_issues_and_revokes_a_key_from_the_command_line(
    http: httpx.AsyncClient, make_council: CouncilFactory, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    slug = (await make_council(modules={"highways": {"enabled": True, "settings": {}}})).slug
    assert settings.database_url is not None
    monkeypatch.setenv("CIVICSHARE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CIVICSHARE_LOG_LEVEL", "WARNING")
    runner = CliRunner()
    issued = await asyncio.to_thread(runner.invoke, main, ["tenants", "open311-key", slug, "FixMyStreet"])
    assert issued.exit_code == 0, issued.output
    key = issued.stdout.strip()
    form = {"api_key": key, "service_code": "report-pothole", "address_string": "Mill Lane", "description": "Small"}
    filed = await http.post(f"{ENDPOINT}requests.xml", data=form, headers=host_for(slug))
    assert georeport_xml(filed, 201) is not None
    client_id = issued.stderr.split("Open311 client ")[1].split(" ")[0]
    revoked = await asyncio.to_thread(runner.invoke, main, ["tenants", "open311-revoke", slug, client_id])
    assert revoked.exit_code == 0, revoked.output
    assert georeport_xml(await http.post(f"{ENDPOINT}requests.xml", data=form, headers=host_for(slug)), 403)
