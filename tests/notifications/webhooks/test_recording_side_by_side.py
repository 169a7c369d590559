"""Two delivery jobs of one council record attempts at the same endpoints side by side (the worker's extra
processes do) without PostgreSQL having to break a deadlock, which would lose one job's record."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime

import httpx

from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.notifications.webhooks.deliveries import Tried, record_attempts
from civicshare.notifications.webhooks.sending import Attempt
from tests.auth.conftest import CouncilWithOrganization
from tests.support import tenant_context_for

from .conftest import admin_of
from .receiver import Receiver
from .test_delivery import register

ROUNDS = 150
ENDPOINTS = 6


async def test_jobs_recording_at_the_same_endpoints_at_once_never_deadlock(
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    receiver: Receiver,
    database: Database,
) -> None:
    slug = await council()
    admin = await admin_of(dev_identity, slug)
    endpoints = [int(str((await register(http, admin, f"{receiver.url}?n={n}"))["id"])) for n in range(ENDPOINTS)]
    tenant = await tenant_context_for(database, slug)
    failed = Attempt(status_code=503, duration_ms=3, response_excerpt="busy", error="HTTP 503")
    numbers = itertools.count()

    async def job(order: list[int]) -> None:
        for _ in range(ROUNDS):
            tries = [Tried(endpoint, f"msg_{next(numbers)}", "request.status_changed", failed) for endpoint in order]
            async with tenant_connection(database.engine, tenant) as connection:
                await record_attempts(connection, tries, now=datetime.now(UTC))

    # Before the endpoints were taken in id order, PostgreSQL broke a deadlock here within a few rounds
    # (DeadlockDetectedError): one job's attempts were lost and its events sent again.
    await asyncio.gather(job(endpoints), job(endpoints[::-1]), job(endpoints[1::2] + endpoints[::2]))
