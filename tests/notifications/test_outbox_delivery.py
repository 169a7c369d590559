"""A resident's submission and an officer's status change reach a council system once each, through
the outbox and the job worker, to a real HTTP receiver on loopback."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable

import httpx

from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.services import PlatformServices
from tests.auth.conftest import CouncilWithOrganization, bearer, staff_token
from tests.notifications.receiver import EventReceiver
from tests.support import host_for
from tests.system_api.conftest import council_with_admin, new_key, report_pothole, with_key

SUBMIT = "/api/v1/services/report-streetlight/transactions"
STREETLIGHT = {
    "answers": {"location_description": "Outside 4 Mill Lane", "fault": "out"},
    "channel": "web",
    "contact_email": "resident@example.org",
}
STREETLIGHTS = {"highways": {"enabled": True}}


async def eventually(check: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.05)


async def submit(http: httpx.AsyncClient, slug: str) -> str:
    answer = await http.post(SUBMIT, json=STREETLIGHT, headers={**host_for(slug), "Idempotency-Key": uuid.uuid4().hex})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["reference"])


async def test_a_submission_reaches_the_council_system_once(
    http: httpx.AsyncClient, council: CouncilWithOrganization, receiver: EventReceiver, job_worker: PlatformServices
) -> None:
    slug = await council(modules=STREETLIGHTS)
    reference = await submit(http, slug)

    await eventually(lambda: len(receiver.of(reference)) == 1)
    await asyncio.sleep(1)  # nothing more arrives
    [event] = receiver.of(reference)
    assert event["kind"] == "request.submitted"
    assert event["council"] == slug
    assert event["id"].startswith(f"evt_{slug}_")
    assert event["data"]["status"] == "submitted"
    assert event["data"]["channel"] == "web"


async def test_an_officers_status_change_reaches_the_council_system_with_its_reason(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    receiver: EventReceiver,
    job_worker: PlatformServices,
) -> None:
    slug = await council(modules=STREETLIGHTS)
    reference = await submit(http, slug)
    token = await staff_token(
        dev_identity, f"officer-{uuid.uuid4().hex[:6]}@example.org", slug, role=Role.COUNCIL_STAFF
    )
    moved = await http.post(
        f"/api/v1/staff/transactions/{reference}/status",
        json={"status": "rejected", "reason": "This light belongs to the rail company"},
        headers=bearer(token, slug),
    )
    assert moved.status_code == 200, moved.text

    await eventually(lambda: len(receiver.of(reference)) == 2)
    await asyncio.sleep(1)
    changes = [event for event in receiver.of(reference) if event["kind"] == "request.status_changed"]
    assert len(changes) == 1
    assert changes[0]["data"] == {
        "from_status": "submitted",
        "to_status": "rejected",
        "status_label": changes[0]["data"]["status_label"],
        "reason": "This light belongs to the rail company",
        "public_reason": None,  # the council's own systems read its staff's note; residents are shown nothing
    }
    assert changes[0]["data"]["status_label"]


async def test_a_council_systems_public_update_and_move_reach_the_receiver(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    receiver: EventReceiver,
    job_worker: PlatformServices,
) -> None:
    at = await council_with_admin(council, dev_identity)
    crm = with_key((await new_key(http, at))["key"], at.slug)
    pothole = await report_pothole(http, at.slug)
    update = await http.post(
        f"/api/v1/system/requests/{pothole}/updates", json={"text": "Our crew has made the hole safe."}, headers=crm
    )
    assert update.status_code == 201, update.text
    moved = await http.post(
        f"/api/v1/system/requests/{pothole}/status", json={"status": "resolved", "reason": "Repaired"}, headers=crm
    )
    assert moved.status_code == 200, moved.text

    await eventually(lambda: len(receiver.of(pothole)) == 3)
    kinds = [event["kind"] for event in receiver.of(pothole)]
    assert sorted(kinds) == ["request.status_changed", "request.submitted", "request.updated"]
    [updated] = [event for event in receiver.of(pothole) if event["kind"] == "request.updated"]
    assert updated["data"] == {"text": "Our crew has made the hole safe."}
    [changed] = [event for event in receiver.of(pothole) if event["kind"] == "request.status_changed"]
    assert changed["data"]["to_status"] == "resolved" and changed["data"]["reason"] == "Repaired"
