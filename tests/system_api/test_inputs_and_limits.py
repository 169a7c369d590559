"""What a system sends is bounded and checked like everything else the platform takes: a page is at most
200 requests, texts have limits, text PostgreSQL cannot store is refused naming the field, a cursor
that was not given out is refused, and none of it is ever a server error."""

from __future__ import annotations

import httpx

from civicshare.identity.dev_identity import DevIdentity

from .conftest import council_with_admin, new_key, report_pothole, tracked, with_key


async def test_what_a_system_sends_is_bounded_and_checked(
    http: httpx.AsyncClient, council: object, dev_identity: DevIdentity
) -> None:
    at = await council_with_admin(council, dev_identity)
    pothole = await report_pothole(http, at.slug)
    crm = with_key((await new_key(http, at))["key"], at.slug)
    requests = "/api/v1/system/requests"

    assert (await http.get(requests, params={"limit": 201}, headers=crm)).status_code == 400
    assert (await http.get(requests, params={"limit": 0}, headers=crm)).status_code == 400
    assert (await http.get(requests, params={"limit": 200}, headers=crm)).status_code == 200
    bad_cursor = await http.get(requests, params={"cursor": "not-ours"}, headers=crm)
    assert bad_cursor.status_code == 422 and bad_cursor.json()["errors"][0]["field"] == "cursor"
    both = await http.get(requests, params={"cursor": "x", "since": "2026-01-01T00:00:00Z"}, headers=crm)
    assert both.status_code == 422
    assert (await http.get(requests, params={"since": "yesterday"}, headers=crm)).status_code == 400

    status = f"{requests}/{pothole}/status"
    too_long = await http.post(status, json={"status": "in_progress", "reason": "x" * 2001}, headers=crm)
    assert too_long.status_code == 400
    long_reference = await http.post(
        status, json={"status": "in_progress", "external_reference": "x" * 101}, headers=crm
    )
    assert long_reference.status_code == 400
    nul = await http.post(status, json={"status": "in_progress", "reason": "bad\u0000"}, headers=crm)
    assert nul.status_code == 422 and nul.json()["errors"][0]["field"] == "reason"
    unknown_field = await http.post(status, json={"status": "in_progress", "priority": "high"}, headers=crm)
    assert unknown_field.status_code == 400
    not_a_status = await http.post(status, json={"status": "teleported"}, headers=crm)
    assert not_a_status.status_code == 422 and not_a_status.json()["errors"][0]["field"] == "status"

    updates = f"{requests}/{pothole}/updates"
    assert (await http.post(updates, json={"text": "x" * 2001}, headers=crm)).status_code == 400
    assert (await http.post(updates, json={"text": "   "}, headers=crm)).status_code == 422
    lone_surrogate = await http.post(
        updates, content=b'{"text": "half \\ud800 a pair"}', headers={**crm, "Content-Type": "application/json"}
    )
    # Refused as the rest of the API refuses it (the JSON decoder or the input check, never the database)
    assert lone_surrogate.status_code in (400, 422)
    assert lone_surrogate.headers["content-type"] == "application/problem+json"
    huge = await http.post(
        updates, content=b'{"text": "' + b"x" * 20_000 + b'"}', headers={**crm, "Content-Type": "application/json"}
    )
    assert huge.status_code == 413
    assert (
        await http.post(updates, content=b"{not json", headers={**crm, "Content-Type": "application/json"})
    ).status_code == 400
    assert (await tracked(http, at.slug, pothole))["updates"] == []
    assert (await tracked(http, at.slug, pothole))["status"] == "submitted"
