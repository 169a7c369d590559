"""A system that retries (a timeout, a restart) never moves a request or tells the resident twice: the
same Idempotency-Key answers the same, and the same key sent with something else is refused."""

from __future__ import annotations

import asyncio

import httpx

from civicshare.identity.dev_identity import DevIdentity

from .conftest import council_with_admin, new_key, report_pothole, tracked, with_key


async def test_a_retried_move_and_update_happen_once(
    http: httpx.AsyncClient, council: object, dev_identity: DevIdentity
) -> None:
    at = await council_with_admin(council, dev_identity)
    pothole = await report_pothole(http, at.slug)
    crm = with_key((await new_key(http, at))["key"], at.slug)
    move = {"status": "in_progress", "reason": "Crew booked", "external_reference": "CRM-1"}

    first = await http.post(
        f"/api/v1/system/requests/{pothole}/status", json=move, headers={**crm, "Idempotency-Key": "m-1"}
    )
    assert first.status_code == 200 and "idempotent-replayed" not in first.headers
    replay = await http.post(
        f"/api/v1/system/requests/{pothole}/status", json=move, headers={**crm, "Idempotency-Key": "m-1"}
    )
    assert replay.status_code == 200 and replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()
    assert [entry["status"] for entry in (await tracked(http, at.slug, pothole))["history"]] == [
        "submitted",
        "in_progress",
    ]

    # The same key with another body, or for another request, names a different request: refused
    other = await http.post(
        f"/api/v1/system/requests/{pothole}/status",
        json={**move, "status": "resolved"},
        headers={**crm, "Idempotency-Key": "m-1"},
    )
    assert other.status_code == 422 and other.json()["type"] == "urn:civicshare:problem:idempotency-key-reused"
    elsewhere = await http.post(
        f"/api/v1/system/requests/{pothole}/updates", json={"text": "Hi"}, headers={**crm, "Idempotency-Key": "m-1"}
    )
    assert elsewhere.status_code == 422

    # Two copies of an update sent at once (the retry overtaking the original): one update
    sends = [
        http.post(
            f"/api/v1/system/requests/{pothole}/updates",
            json={"text": "The crew is on site"},
            headers={**crm, "Idempotency-Key": "u-1"},
        )
        for _ in range(2)
    ]
    answers = await asyncio.gather(*sends)
    assert [answer.status_code for answer in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert [update["text"] for update in (await tracked(http, at.slug, pothole))["updates"]] == ["The crew is on site"]

    # An empty key names nothing: refused before anything is written
    blank = await http.post(
        f"/api/v1/system/requests/{pothole}/status", json=move, headers={**crm, "Idempotency-Key": ""}
    )
    assert blank.status_code == 400 and blank.json()["type"] == "urn:civicshare:problem:idempotency-key-empty"


async def test_keys_are_per_system(http: httpx.AsyncClient, council: object, dev_identity: DevIdentity) -> None:
    """Two systems may happen to send the same Idempotency-Key: each is its own."""
    at = await council_with_admin(council, dev_identity)
    pothole = await report_pothole(http, at.slug)
    crm = with_key((await new_key(http, at, "CRM"))["key"], at.slug)
    contractor = with_key((await new_key(http, at, "Contractor"))["key"], at.slug)
    for system, text in ((crm, "From the CRM"), (contractor, "From the contractor")):
        answer = await http.post(
            f"/api/v1/system/requests/{pothole}/updates",
            json={"text": text},
            headers={**system, "Idempotency-Key": "1"},
        )
        assert answer.status_code == 201 and answer.json()["update"]["text"] == text
    assert len((await tracked(http, at.slug, pothole))["updates"]) == 2
