"""What a system key lets a system do, and where it stops: a read-only key reads but never writes, a
revoked or expired key is refused at once, a key for highways never touches a bin, a key of one council
is worth nothing at another (and says nothing about it), and every refusal is in the council's audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, update

from civicshare.casework.tables import staff_actions
from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.systems.tables import system_keys
from tests.staff.test_staff_and_teams import report_missed_bin
from tests.support import host_for, tenant_context_for

from .conftest import council_with_admin, new_key, report_pothole, tracked, with_key


async def refusals(database: Database, slug: str) -> list[dict[str, object]]:
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        rows = await connection.execute(
            select(staff_actions).where(staff_actions.c.action == "system-key-refused").order_by(staff_actions.c.id)
        )
        return [{"by": row.actor_name, "reference": row.reference, **row.detail} for row in rows]


async def test_a_read_only_key_reads_requests_but_cannot_change_them(
    http: httpx.AsyncClient, council: object, dev_identity: DevIdentity, database: Database
) -> None:
    at = await council_with_admin(council, dev_identity)
    pothole = await report_pothole(http, at.slug)
    reader = with_key((await new_key(http, at, "Reporting warehouse", scope="read"))["key"], at.slug)

    assert (await http.get(f"/api/v1/system/requests/{pothole}", headers=reader)).status_code == 200
    moved = await http.post(f"/api/v1/system/requests/{pothole}/status", json={"status": "in_progress"}, headers=reader)
    assert moved.status_code == 403 and moved.headers["content-type"] == "application/problem+json"
    told = await http.post(f"/api/v1/system/requests/{pothole}/updates", json={"text": "Hello"}, headers=reader)
    assert told.status_code == 403
    kept = await http.put(
        f"/api/v1/system/requests/{pothole}/external-reference", json={"external_reference": "W-1"}, headers=reader
    )
    assert kept.status_code == 403
    assert (await tracked(http, at.slug, pothole))["status"] == "submitted"
    refused = await refusals(database, at.slug)
    # One entry a minute per key, however often it is refused
    assert refused == [{"by": "Reporting warehouse", "reference": None, "key": refused[0]["key"],
                        "reason": "this key may only read requests"}]  # fmt: skip


async def test_a_revoked_or_expired_key_is_refused_at_once(
    http: httpx.AsyncClient, council: object, dev_identity: DevIdentity, database: Database
) -> None:
    at = await council_with_admin(council, dev_identity)
    created = await new_key(http, at, "Old CRM")
    crm = with_key(created["key"], at.slug)
    assert (await http.get("/api/v1/system/requests", headers=crm)).status_code == 200

    revoked = await http.post(f"/api/v1/staff/system-keys/{created['system_key']['id']}/revoke", headers=at.admin)
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert created["key"] not in revoked.text
    refused = await http.get("/api/v1/system/requests", headers=crm)
    assert refused.status_code == 401 and refused.json()["detail"] == "This key was revoked by the council."
    assert refused.headers["www-authenticate"].startswith("Bearer")

    expiring = await new_key(http, at, "Contractor", expires_at=(datetime.now(UTC) + timedelta(days=1)).isoformat())
    contractor = with_key(expiring["key"], at.slug)
    assert (await http.get("/api/v1/system/requests", headers=contractor)).status_code == 200
    await pass_expiry(database, at.slug, expiring["system_key"]["id"])
    expired = await http.get("/api/v1/system/requests", headers=contractor)
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]

    listed = {
        key["name"]: key["state"] for key in (await http.get("/api/v1/staff/system-keys", headers=at.admin)).json()
    }
    assert listed == {"Old CRM": "revoked", "Contractor": "expired"}
    assert [(entry["by"], entry["reason"]) for entry in await refusals(database, at.slug)] == [
        ("Old CRM", "the key is revoked"),
        ("Contractor", "the key is expired"),
    ]
    # An expiry in the past, a name of nothing, a service the council does not offer: refused, not stored
    bad = await http.post(
        "/api/v1/staff/system-keys",
        json={"name": " ", "scope": "write", "works_on": ["report-unicorn"], "expires_at": "2020-01-01T00:00:00Z"},
        headers=at.admin,
    )
    assert bad.status_code == 422
    assert {error["field"] for error in bad.json()["errors"]} == {"name", "works_on", "expires_at"}


async def pass_expiry(database: Database, slug: str, key_row_id: int) -> None:
    """Time passes: the key's expiry is behind us."""
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        await connection.execute(
            update(system_keys)
            .where(system_keys.c.id == key_row_id)
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )


async def test_a_key_limited_to_highways_never_touches_a_missed_bin(
    http: httpx.AsyncClient, council: object, dev_identity: DevIdentity, database: Database
) -> None:
    at = await council_with_admin(council, dev_identity)
    pothole = await report_pothole(http, at.slug)
    bin_request = await report_missed_bin(http, at.slug)
    highways = with_key(
        (await new_key(http, at, "Roads contractor", works_on=["report-pothole", "report-streetlight"]))["key"],
        at.slug,
    )
    listed = await http.get("/api/v1/system/requests", headers=highways)
    assert [item["reference"] for item in listed.json()["items"]] == [pothole]
    assert (await http.get(f"/api/v1/system/requests/{bin_request}", headers=highways)).status_code == 403
    moved = await http.post(
        f"/api/v1/system/requests/{bin_request}/status", json={"status": "in_progress"}, headers=highways
    )
    assert moved.status_code == 403
    told = await http.post(f"/api/v1/system/requests/{bin_request}/updates", json={"text": "x"}, headers=highways)
    assert told.status_code == 403
    assert (await tracked(http, at.slug, bin_request, "ravi@example.org"))["status"] == "submitted"
    ok = await http.post(f"/api/v1/system/requests/{pothole}/status", json={"status": "in_progress"}, headers=highways)
    assert ok.status_code == 200
    assert (await refusals(database, at.slug))[0]["reference"] == bin_request


async def test_a_key_of_one_council_is_worth_nothing_at_another(
    http: httpx.AsyncClient, council: object, dev_identity: DevIdentity
) -> None:
    kingston = await council_with_admin(council, dev_identity)
    newham = await council_with_admin(council, dev_identity)
    newham_pothole = await report_pothole(http, newham.slug)
    kingston_key = (await new_key(http, kingston, "Kingston CRM"))["key"]
    made_up = "cs_sys_" + kingston_key[7:19] + "x" * 43

    answers = []
    for headers, path in (
        (with_key(kingston_key, newham.slug), "/api/v1/system/requests"),
        ({"Authorization": f"Bearer {kingston_key}", "X-Tenant": newham.slug}, "/api/v1/system/requests"),
        ({"Authorization": f"Bearer {kingston_key}"}, f"/t/{newham.slug}/api/v1/system/requests"),
        (with_key(kingston_key, newham.slug), f"/api/v1/system/requests/{newham_pothole}"),
        (with_key(made_up, newham.slug), "/api/v1/system/requests"),
        (with_key(made_up, kingston.slug), "/api/v1/system/requests"),
    ):
        answer = await http.get(path, headers=headers)
        assert answer.status_code == 401, (path, answer.text)
        answers.append({k: v for k, v in answer.json().items() if k != "instance"})
    # The same answer whether the key is another council's or made up: nothing about Kingston leaks
    assert all(answer == answers[0] for answer in answers)
    assert kingston.slug not in str(answers)
    moved = await http.post(
        f"/api/v1/system/requests/{newham_pothole}/status",
        json={"status": "resolved", "reason": "x"},
        headers=with_key(kingston_key, newham.slug),
    )
    assert moved.status_code == 401
    # At its own council, Newham's reference names nothing
    mine = await http.get(f"/api/v1/system/requests/{newham_pothole}", headers=with_key(kingston_key, kingston.slug))
    assert mine.status_code == 404
    # And with no council at all, nothing either
    assert (
        await http.get("/api/v1/system/requests", headers={"Authorization": f"Bearer {kingston_key}"})
    ).status_code == 404
    # Newham's administrators never see Kingston's key
    assert (await http.get("/api/v1/staff/system-keys", headers=newham.admin)).json() == []
    # Nor may Kingston's administrator manage Newham's keys, or a member of staff manage any
    assert (
        await http.get("/api/v1/staff/system-keys", headers={**kingston.admin, **host_for(newham.slug)})
    ).status_code == 403


async def test_a_request_with_no_key_or_a_malformed_one_is_refused(
    http: httpx.AsyncClient, council: object, dev_identity: DevIdentity
) -> None:
    at = await council_with_admin(council, dev_identity)
    for headers in (
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer cs_sys_"},
    ):
        answer = await http.get("/api/v1/system/requests", headers={**host_for(at.slug), **headers})
        assert answer.status_code == 401, headers
