"""Operators onboard, read, list, change, suspend and resume councils through the admin API."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select, text

from civicshare.db.engine import Database
from civicshare.db.migrations import tenant_head
from civicshare.tenancy.tables import tenants
from tests.admin.conftest import new_council, onboard
from tests.support import host_for


async def schema_exists(database: Database, schema: str) -> bool:
    async with database.engine.connect() as connection:
        found = await connection.scalar(
            text("SELECT count(*) FROM information_schema.schemata WHERE schema_name = :s"), {"s": schema}
        )
    return bool(found)


async def test_an_operator_onboards_a_council_that_serves_at_once(
    admin: httpx.AsyncClient, http: httpx.AsyncClient
) -> None:
    definition = new_council(domains=["online.example.gov.uk"])
    response = await admin.post("/admin/v1/councils", json=definition)
    assert response.status_code == 201, response.text
    council = response.json()
    assert council["slug"] == definition["slug"]
    assert council["status"] == "active"
    assert council["mode"] == "trial"
    assert council["is_trial"] is True
    assert council["schema_revision"] == tenant_head()
    assert council["domains"] == ["online.example.gov.uk"]

    served = await http.get("/api/v1/council", headers=host_for(definition["slug"]))
    assert served.status_code == 200, served.text
    assert served.json()["name"] == definition["name"]
    by_domain = await http.get("/api/v1/council", headers={"Host": "online.example.gov.uk"})
    assert by_domain.json()["slug"] == definition["slug"]


async def test_a_duplicate_slug_gss_code_or_prefix_is_a_conflict(admin: httpx.AsyncClient) -> None:
    first = await onboard(admin)
    for clash in (
        {"slug": first["slug"]},
        {"gss_code": first["gss_code"]},
        {"reference_prefix": first["reference_prefix"]},
    ):
        response = await admin.post("/admin/v1/councils", json={**new_council(), **clash})
        assert response.status_code == 409, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "urn:civicshare:problem:council-conflict"


async def test_invalid_definitions_are_422_with_field_errors_and_leave_nothing(
    admin: httpx.AsyncClient, database: Database
) -> None:
    cases: dict[str, dict[str, Any]] = {
        "gss_code": {"gss_code": "X123"},
        "reference_prefix": {"reference_prefix": "kg"},
        "branding.primary_colour": {"branding": {"primary_colour": "blue"}},
        "modules.potholes": {"modules": {"potholes": {"enabled": True}}},
        "modules.highways.settings.repair_days": {"modules": {"highways": {"settings": {"repair_days": 0}}}},
        "group": {"group": "no-such-group"},
    }
    for field, change in cases.items():
        definition = {**new_council(), **change}
        response = await admin.post("/admin/v1/councils", json=definition)
        assert response.status_code == 422, (field, response.text)
        body = response.json()
        assert body["type"] == "urn:civicshare:problem:validation-failed"
        assert any(error["field"].startswith(field) for error in body["errors"]), (field, body)
        assert (await admin.get(f"/admin/v1/councils/{definition['slug']}")).status_code == 404
        assert not await schema_exists(database, "tenant_" + definition["slug"].replace("-", "_"))


async def test_councils_are_listed_a_page_at_a_time_with_filters(admin: httpx.AsyncClient) -> None:
    made = {(await onboard(admin))["slug"] for _ in range(3)}
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await admin.get("/admin/v1/councils", params=params)).json()
        assert len(page["items"]) <= 2
        seen += [item["slug"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert made <= set(seen)
    assert seen == sorted(seen) and len(seen) == len(set(seen))

    live = (await admin.get("/admin/v1/councils", params={"mode": "live", "limit": 200})).json()
    assert all(item["mode"] == "live" for item in live["items"])
    for bad in ({"limit": 0}, {"limit": 201}, {"cursor": "not-a-cursor"}, {"status": "sleeping"}):
        response = await admin.get("/admin/v1/councils", params=bad)
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["errors"]


async def test_an_operator_changes_a_councils_details(admin: httpx.AsyncClient, database: Database) -> None:
    council = await onboard(admin)
    slug = council["slug"]
    response = await admin.patch(f"/admin/v1/councils/{slug}", json={"name": "Royal Borough of Testing"})
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Royal Borough of Testing"
    assert response.json()["definition"]["name"] == "Royal Borough of Testing"

    bad = await admin.patch(f"/admin/v1/councils/{slug}", json={"gss_code": "E99000001"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "gss_code"
    async with database.engine.connect() as connection:
        assert await connection.scalar(select(tenants.c.gss_code).where(tenants.c.slug == slug)) == council["gss_code"]
    assert (await admin.patch("/admin/v1/councils/nowhere", json={"name": "Nowhere Council"})).status_code == 404


async def test_suspending_and_resuming_a_council(admin: httpx.AsyncClient, http: httpx.AsyncClient) -> None:
    slug = (await onboard(admin))["slug"]
    suspended = await admin.post(f"/admin/v1/councils/{slug}/suspend")
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["status"] == "suspended"
    assert (await http.get("/api/v1/council", headers=host_for(slug))).status_code == 503

    again = await admin.post(f"/admin/v1/councils/{slug}/suspend")
    assert again.status_code == 409
    assert again.json()["type"] == "urn:civicshare:problem:wrong-council-state"

    resumed = await admin.post(f"/admin/v1/councils/{slug}/resume")
    assert resumed.json()["status"] == "active"
    assert (await http.get("/api/v1/council", headers=host_for(slug))).status_code == 200
    assert (await admin.post("/admin/v1/councils/nowhere/suspend")).status_code == 404
