"""Kingston's highways CRM is connected to the platform: an administrator makes it a key (shown once),
the CRM reads the requests that changed, moves a pothole on with its own case number and a reason the
resident reads, tells the resident about the repair, and cannot make a move the workflow forbids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from civicshare.casework.tables import staff_actions
from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.systems.tables import system_keys
from tests.auth.conftest import cookie_header
from tests.staff.test_back_office_pages import BROWSER, officer_of, text_of
from tests.support import host_for, tenant_context_for

from .conftest import changes_page, council_with_admin, new_key, report_pothole, tracked, tracking_page, with_key


async def test_a_crm_reads_what_changed_and_moves_a_pothole_on_for_the_resident(
    http: httpx.AsyncClient, council: object, dev_identity: DevIdentity, database: Database
) -> None:
    at = await council_with_admin(council, dev_identity)
    before = datetime.now(UTC) - timedelta(seconds=1)
    pothole = await report_pothole(http, at.slug)

    created = await new_key(http, at, "Highways CRM")
    secret = created["key"]
    assert secret.startswith("cs_sys_") and created["system_key"]["scope"] == "write"
    crm = with_key(secret, at.slug)

    # What changed since before the report: the pothole, with what the resident sent
    page = await changes_page(http, crm, {"since": before.isoformat()})
    assert [item["reference"] for item in page["items"]] == [pothole]
    assert page["items"][0]["status_label"] == "Received" and page["items"][0]["answers"]["size"] == "large"
    assert page["more"] is False

    # The CRM takes it on with its case number and a reason it chooses to show the resident
    moved = await http.post(
        f"/api/v1/system/requests/{pothole}/status",
        json={
            "status": "in_progress",
            "reason": "A repair crew is booked for Tuesday",
            "reason_public": True,
            "external_reference": "CRM-77",
        },
        headers={**crm, "Idempotency-Key": "move-1"},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["request"]["external_reference"] == "CRM-77"
    assert moved.json()["next_statuses"] == ["rejected", "resolved"]
    resident = await tracked(http, at.slug, pothole)
    assert resident["status_label"] == "In progress"
    assert resident["history"][-1]["note"] == "A repair crew is booked for Tuesday"

    # A case number can be recorded without moving the request (again: nothing changes)
    for _ in range(2):
        kept = await http.put(
            f"/api/v1/system/requests/{pothole}/external-reference", json={"external_reference": "CRM-77"}, headers=crm
        )
        assert kept.status_code == 200 and kept.json()["request"]["status"] == "in_progress"
    renamed = await http.put(
        f"/api/v1/system/requests/{pothole}/external-reference", json={"external_reference": "CRM-78"}, headers=crm
    )
    assert renamed.json()["request"]["external_reference"] == "CRM-78"
    await http.put(
        f"/api/v1/system/requests/{pothole}/external-reference", json={"external_reference": "CRM-77"}, headers=crm
    )

    # Officers see the CRM's case number on the request
    officer = {**host_for(at.slug), **BROWSER, **await officer_cookies(http, dev_identity, at.slug)}
    staff_page = text_of((await http.get(f"/staff/requests/{pothole}", headers=officer)).text)
    assert "Reference in Highways CRM CRM-77" in staff_page

    # The next page (from the cursor kept) has the pothole again, as it changed since
    again = await changes_page(http, crm, {"cursor": page["next_cursor"]})
    assert [item["reference"] for item in again["items"]] == [pothole]
    assert again["items"][0]["status"] == "in_progress"
    quiet = await http.get("/api/v1/system/requests", params={"cursor": again["next_cursor"]}, headers=crm)
    assert quiet.json()["items"] == []

    # A public update the resident reads on the tracking page
    update = await http.post(
        f"/api/v1/system/requests/{pothole}/updates",
        json={"text": "Our crew has made the hole safe; the full repair follows within 5 days."},
        headers={**crm, "Idempotency-Key": "update-1"},
    )
    assert update.status_code == 201, update.text
    assert [item["text"] for item in (await tracked(http, at.slug, pothole))["updates"]] == [
        "Our crew has made the hole safe; the full repair follows within 5 days."
    ]
    page_text = text_of(await tracking_page(http, at.slug, pothole))
    assert "Updates from the council" in page_text and "made the hole safe" in page_text
    assert "A repair crew is booked for Tuesday" in page_text

    # Fixed, with the reason as the decision; then a move the workflow forbids is refused
    fixed = await http.post(
        f"/api/v1/system/requests/{pothole}/status",
        json={"status": "resolved", "reason": "Repaired on 8 December", "reason_public": True},
        headers=crm,
    )
    assert fixed.status_code == 200, fixed.text
    resident = await tracked(http, at.slug, pothole)
    assert resident["status_label"] == "Fixed"
    assert resident["decision"] == {"by": "Highways CRM", "reason": "Repaired on 8 December", "public": True}
    backwards = await http.post(
        f"/api/v1/system/requests/{pothole}/status", json={"status": "in_progress"}, headers=crm
    )
    assert backwards.status_code == 409
    assert backwards.headers["content-type"] == "application/problem+json"
    assert backwards.json()["type"] == "urn:civicshare:problem:status-change-not-allowed"
    another = await report_pothole(http, at.slug)
    no_reason = await http.post(f"/api/v1/system/requests/{another}/status", json={"status": "rejected"}, headers=crm)
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "reason"
    unknown = await http.post(
        f"/api/v1/system/requests/{pothole[:-1]}9/status", json={"status": "resolved"}, headers=crm
    )
    assert unknown.status_code == 404

    # What the CRM did is in the council's audit log, under its name
    audit = text_of((await http.get("/staff/audit", headers=officer)).text)
    assert "Highways CRM" in audit
    entries = await audit_actions(database, at.slug)
    assert ("system-key-created", None) in entries
    assert ("moved", pothole) in entries and ("public-update", pothole) in entries
    assert entries.count(("external-reference", pothole)) == 2  # CRM-78, then CRM-77 again

    # The secret was shown once: never in a listing, never stored
    listing = await http.get("/api/v1/staff/system-keys", headers=at.admin)
    assert listing.status_code == 200 and secret not in listing.text and "secret" not in listing.text
    assert [key["name"] for key in listing.json()] == ["Highways CRM"]
    assert listing.json()[0]["last_used_at"] is not None
    stored = await stored_key_rows(database, at.slug)
    assert all(secret not in str(value) for row in stored for value in row)


async def officer_cookies(http: httpx.AsyncClient, dev_identity: DevIdentity, slug: str) -> dict[str, str]:
    return cookie_header(await officer_of(http, dev_identity, slug, Role.COUNCIL_ADMIN))


async def audit_actions(database: Database, slug: str) -> list[tuple[str, str | None]]:
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        rows = await connection.execute(select(staff_actions.c.action, staff_actions.c.reference))
        return [(row.action, row.reference) for row in rows]


async def stored_key_rows(database: Database, slug: str) -> list[tuple[object, ...]]:
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        return [tuple(row) for row in await connection.execute(select(system_keys))]
