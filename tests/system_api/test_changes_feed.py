"""A system following the feed of changed requests never misses one: a change still being written when
a page is read (a slow officer's move, say) appears on a later page, before anything changed after it,
rather than behind a cursor that has already moved on."""

from __future__ import annotations

import asyncio

import httpx

from civicshare.app import discover_modules
from civicshare.db.engine import Database
from civicshare.db.metadata import TENANT_SCHEMA_PLACEHOLDER
from civicshare.identity.dev_identity import DevIdentity
from civicshare.transactions.status import change_status
from tests.support import tenant_context_for

from .conftest import changes_page, council_with_admin, new_key, report_pothole, with_key


async def test_a_change_committed_late_is_not_skipped(
    http: httpx.AsyncClient, council: object, dev_identity: DevIdentity, database: Database
) -> None:
    at = await council_with_admin(council, dev_identity)
    slow, quick = await report_pothole(http, at.slug), await report_pothole(http, at.slug)
    crm = with_key((await new_key(http, at))["key"], at.slug)
    first = (await http.get("/api/v1/system/requests", headers=crm)).json()
    assert [item["reference"] for item in first["items"]] == [slow, quick]

    tenant = await tenant_context_for(database, at.slug)
    async with database.engine.connect() as officer:
        await officer.execution_options(schema_translate_map={TENANT_SCHEMA_PLACEHOLDER: tenant.schema})
        writing = await officer.begin()
        # An officer's move starts, and is slow to commit...
        await change_status(officer, tenant, slow, "in_progress", "Olive", registry=discover_modules())
        # ...while the CRM moves the other request, which commits at once
        moved = await http.post(f"/api/v1/system/requests/{quick}/status", json={"status": "in_progress"}, headers=crm)
        assert moved.status_code == 200
        meanwhile = (
            await http.get("/api/v1/system/requests", params={"cursor": first["next_cursor"]}, headers=crm)
        ).json()
        # Nothing changed after the slow move is listed before it is committed
        assert meanwhile["items"] == []
        await writing.commit()

    # Once committed, both are listed; other councils' transactions still running on the shared database
    # may hold the horizon back a moment, so the system asks again as a poller would.
    listed: list[tuple[str, str]] = []
    for _ in range(50):
        after = (
            await http.get("/api/v1/system/requests", params={"cursor": meanwhile["next_cursor"]}, headers=crm)
        ).json()
        listed = [(item["reference"], item["status"]) for item in after["items"]]
        if len(listed) == 2:
            break
        await asyncio.sleep(0.1)
    assert listed == [
        (slow, "in_progress"),
        (quick, "in_progress"),
    ]


async def test_pages_follow_one_another_without_gaps_or_repeats(
    http: httpx.AsyncClient, council: object, dev_identity: DevIdentity
) -> None:
    at = await council_with_admin(council, dev_identity)
    references = [await report_pothole(http, at.slug) for _ in range(7)]
    crm = with_key((await new_key(http, at))["key"], at.slug)
    seen: list[str] = []
    params: dict[str, str | int] = {"limit": 3}
    pages = 0
    while True:
        page = (
            await changes_page(http, crm, params, wanting=3)
            if pages == 0
            else ((await http.get("/api/v1/system/requests", params=params, headers=crm)).json())
        )
        pages += 1
        seen += [item["reference"] for item in page["items"]]
        params = {"limit": 3, "cursor": page["next_cursor"]}
        if not page["more"]:
            break
    assert seen == references and pages == 3
