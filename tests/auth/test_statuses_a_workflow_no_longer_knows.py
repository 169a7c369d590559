"""A request keeps the status it was stored with even after its module's workflow changes (or demo data
wrote one the workflow never had): staff, the resident, Open311 clients and the website still see it."""

from __future__ import annotations

import re
import uuid

import httpx
from sqlalchemy import update

from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.transactions.tables import transactions
from tests.auth.test_staff_work_queue import HIGHWAYS, report_pothole
from tests.support import host_for, tenant_context_for

from .conftest import CouncilWithOrganization, bearer, staff_token


async def test_a_status_the_workflow_no_longer_has_is_still_shown_everywhere(
    http: httpx.AsyncClient, council: CouncilWithOrganization, dev_identity: DevIdentity, database: Database
) -> None:
    slug = await council(**HIGHWAYS)
    reference = await report_pothole(http, slug)
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:  # as an older workflow left it
        await connection.execute(
            update(transactions).where(transactions.c.reference == reference).values(status="awaiting_inspection")
        )
    sam = await staff_token(dev_identity, f"sam-{uuid.uuid4().hex[:6]}@example.org", slug)

    in_full = await http.get(f"/api/v1/staff/transactions/{reference}", headers=bearer(sam, slug))
    assert in_full.status_code == 200, in_full.text
    assert (in_full.json()["request"]["status_label"], in_full.json()["next_statuses"]) == ("Awaiting inspection", [])
    queue = await http.get("/api/v1/staff/transactions", headers=bearer(sam, slug))
    assert [item["status_label"] for item in queue.json()] == ["Awaiting inspection"]
    moved = await http.post(
        f"/api/v1/staff/transactions/{reference}/status", json={"status": "resolved"}, headers=bearer(sam, slug)
    )
    assert moved.status_code in (409, 422), moved.text

    tracked = await http.get(
        f"/api/v1/transactions/{reference}", params={"email": "grace@example.org"}, headers=host_for(slug)
    )
    assert tracked.status_code == 200 and tracked.json()["status_label"] == "Awaiting inspection"
    open311 = await http.get(f"/open311/v2/requests/{reference}.json", headers=host_for(slug))
    assert open311.status_code == 200 and open311.json()[0]["status"] == "open"

    browser = {**host_for(slug), "Accept": "text/html"}
    form = await http.get("/track", headers=browser)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    page = await http.post(
        "/track",
        data={"reference": reference, "email": "grace@example.org", "csrf_token": token[1]},
        headers=browser,
    )
    assert page.status_code == 200 and "Awaiting inspection" in page.text
