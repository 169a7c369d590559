"""Every operator action is in the audit log, with who, what, which council, when, before and after;
the log can be read and filtered through the API but never changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from civicshare.db.engine import Database
from tests.admin.conftest import new_council, onboard


async def test_a_suspension_is_audited_with_before_and_after(admin: httpx.AsyncClient, full_key: str) -> None:
    slug = (await onboard(admin))["slug"]
    await admin.post(f"/admin/v1/councils/{slug}/suspend")
    page = (await admin.get("/admin/v1/audit-events", params={"council": slug})).json()
    actions = [event["action"] for event in page["items"]]
    assert actions == ["council.suspended", "council.onboarded"]
    suspended = page["items"][0]
    assert suspended["before"] == {"status": "active"} and suspended["after"] == {"status": "suspended"}
    assert suspended["actor"] == f"api-key:{full_key[8:20]}"
    assert suspended["via"] == "api-key"
    assert suspended["request_id"]


async def test_the_log_is_filtered_and_paged(admin: httpx.AsyncClient) -> None:
    slug = (await onboard(admin))["slug"]
    for _ in range(2):
        await admin.post(f"/admin/v1/councils/{slug}/suspend")
        await admin.post(f"/admin/v1/councils/{slug}/resume")
    resumed = (await admin.get("/admin/v1/audit-events", params={"council": slug, "action": "council.resumed"})).json()
    assert [event["action"] for event in resumed["items"]] == ["council.resumed"] * 2
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert (await admin.get("/admin/v1/audit-events", params={"council": slug, "since": future})).json()["items"] == []
    first = (await admin.get("/admin/v1/audit-events", params={"council": slug, "limit": 3})).json()
    rest = (await admin.get("/admin/v1/audit-events", params={"council": slug, "cursor": first["next_cursor"]})).json()
    ids = [event["id"] for event in first["items"] + rest["items"]]
    assert len(ids) == 5 and ids == sorted(ids, reverse=True)
    assert rest["next_cursor"] is None


async def test_a_refused_change_leaves_no_audit_entry(admin: httpx.AsyncClient) -> None:
    definition = new_council(gss_code="E09000999", modules={})
    bad = {**definition, "modules": {"nonexistent": {"enabled": True}}}
    assert (await admin.post("/admin/v1/councils", json=bad)).status_code == 422
    events = (await admin.get("/admin/v1/audit-events", params={"council": definition["slug"]})).json()
    assert events["items"] == []


async def test_the_log_cannot_be_edited_through_the_api(admin: httpx.AsyncClient) -> None:
    slug = (await onboard(admin))["slug"]
    event = (await admin.get("/admin/v1/audit-events", params={"council": slug})).json()["items"][0]
    for method in ("PUT", "PATCH", "DELETE"):
        for path in ("/admin/v1/audit-events", f"/admin/v1/audit-events/{event['id']}"):
            response = await admin.request(method, path, json={})
            assert response.status_code == 405, (method, path, response.text)
    assert (await admin.get(f"/admin/v1/audit-events/{event['id']}")).json() == event


async def test_nor_through_the_database(database: Database) -> None:
    async with database.engine.connect() as connection:
        with pytest.raises(DBAPIError, match="append-only"):
            await connection.execute(text("DELETE FROM platform.audit_events"))
