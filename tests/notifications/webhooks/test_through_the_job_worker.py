"""A council system hears of its council's requests as a deployment delivers them: the change writes its
event in the outbox, a job worker with the platform's own subscribers signs and sends it, and a system
that was down when the request came in gets it, signed the same, once it is back."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from standardwebhooks import Webhook

from civicshare.identity.dev_identity import DevIdentity
from civicshare.services import PlatformServices
from civicshare.settings import Settings
from tests.auth.conftest import CouncilWithOrganization, bearer, staff_token
from tests.auth.test_staff_work_queue import HIGHWAYS
from tests.notifications.conftest import platform_job_worker
from tests.notifications.email.test_resident_emails import submit_pothole

from .conftest import admin_of
from .receiver import Arrival, Receiver
from .test_delivery import register


@pytest.fixture
async def platform_worker(settings: Settings, database_url: str) -> AsyncIterator[PlatformServices]:
    async with platform_job_worker(settings, database_url) as services:
        assert "webhooks" in [subscriber.name for subscriber in services.event_subscribers]
        yield services


async def arrivals(receiver: Receiver, count: int, within: float = 20.0) -> list[Arrival]:
    for _ in range(int(within / 0.1)):
        if len(receiver.arrivals) >= count:
            break
        await asyncio.sleep(0.1)
    return list(receiver.arrivals)


async def test_a_council_system_hears_of_a_submission_and_a_decision_signed_through_the_worker(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    receiver: Receiver,
    platform_worker: PlatformServices,
) -> None:
    slug = await council(**HIGHWAYS)
    admin = await admin_of(dev_identity, slug)
    secret = str((await register(http, admin, receiver.url, description="Highways CRM"))["secret"])
    reference = await submit_pothole(http, slug, f"ravi-{uuid.uuid4().hex[:6]}@example.org")

    [submitted] = await arrivals(receiver, 1)
    told = Webhook(secret).verify(submitted.body, submitted.headers)
    assert told["type"] == "request.submitted" and told["data"]["reference"] == reference

    sam = await staff_token(dev_identity, f"sam-{uuid.uuid4().hex[:6]}@example.org", slug)
    moved = await http.post(
        f"/api/v1/staff/transactions/{reference}/status",
        json={"status": "resolved", "reason": "Filled this morning"},
        headers=bearer(sam, slug),
    )
    assert moved.status_code == 200, moved.text
    _, decided = await arrivals(receiver, 2)
    change = Webhook(secret).verify(decided.body, decided.headers)
    assert change["type"] == "request.status_changed" and change["data"]["changes"]["reason"] == "Filled this morning"
    assert decided.headers["webhook-id"] != submitted.headers["webhook-id"]


async def test_a_system_that_was_down_gets_the_event_once_it_is_back_with_the_same_id(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    receiver: Receiver,
    platform_worker: PlatformServices,
) -> None:
    slug = await council(**HIGHWAYS)
    admin = await admin_of(dev_identity, slug)
    secret = str((await register(http, admin, receiver.url))["secret"])
    receiver.status = 503
    reference = await submit_pothole(http, slug, f"ravi-{uuid.uuid4().hex[:6]}@example.org")

    [refused] = await arrivals(receiver, 1)
    receiver.status = 200
    _, delivered = await arrivals(receiver, 2)  # the next try, after the backoff
    assert delivered.headers["webhook-id"] == refused.headers["webhook-id"]
    assert Webhook(secret).verify(delivered.body, delivered.headers)["data"]["reference"] == reference
    await asyncio.sleep(2.0)  # delivered once: no further tries once it has gone through
    assert len(receiver.arrivals) == 2
