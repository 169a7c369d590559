"""Every one of 10,000 submissions' events reaches the councils' systems as a signed webhook though the
worker is killed mid-delivery and PostgreSQL is restarted under it; an event delivered twice carries the
same webhook-id both times.

About a minute on an idle two-core machine; the waits allow for a machine shared with other work."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from civicshare.casework.service import Officer
from civicshare.db.embedded import EmbeddedServer, start_embedded_postgres
from civicshare.db.engine import Database, make_engine, tenant_connection
from civicshare.db.migrations import upgrade_platform
from civicshare.notifications.webhooks.config import secret_box
from civicshare.notifications.webhooks.endpoints import register
from civicshare.settings import PROJECT_ROOT, load_settings
from civicshare.tenancy.service import onboard_tenant
from civicshare.transactions.service import NewTransaction, create_transactions_committed
from tests.notifications.receiver import EventReceiver
from tests.support import council_definition, tenant_context_for

SYSTEMS_ADMIN = Officer(subject="crash-test", name="Crash test")
SUBMISSIONS = 10_000
GROUP = 32
WORKER_ENVIRONMENT = {
    "CIVICSHARE_OUTBOX_LEASE_SECONDS": "4",
    "CIVICSHARE_OUTBOX_DELIVERY_TIMEOUT_SECONDS": "1",
    "CIVICSHARE_OUTBOX_SWEEP_SECONDS": "2",
    "CIVICSHARE_OUTBOX_RETRY_BASE_SECONDS": "0.5",
    "CIVICSHARE_OUTBOX_RETRY_CAP_SECONDS": "2",
    "CIVICSHARE_LOG_LEVEL": "WARNING",
    "CIVICSHARE_OUTBOX_DELIVERIES_AT_ONCE": "8",
}


@pytest.fixture
async def own_postgres() -> AsyncIterator[tuple[EmbeddedServer, Database]]:
    """A PostgreSQL of this test's own, which it may restart without troubling the other tests."""
    # Under var/ like the session's server: the embedded server's own user must reach its data directory.
    place = PROJECT_ROOT / "var" / f"crash-test-{uuid.uuid4().hex[:8]}"
    server = start_embedded_postgres(place)
    admin = create_async_engine(server.url(), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text('CREATE DATABASE "crash"'))
    await admin.dispose()
    url = server.url("crash")
    database = Database(engine=make_engine(url, pool_size=4), url=url)
    await upgrade_platform(database.engine)
    yield server, database
    await database.dispose()
    server.stop()
    shutil.rmtree(place, ignore_errors=True)


def start_worker(database_url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.notifications.worker_process", database_url],
        cwd=PROJECT_ROOT,
        env={**os.environ, **WORKER_ENVIRONMENT},
    )


def streetlight(number: int) -> NewTransaction:
    return NewTransaction(
        module="highways",
        service="report-streetlight",
        channel="web",
        status="submitted",
        answers={"location_description": f"Lamp {number}", "fault": "out"},
        idempotency_key=uuid.uuid4().hex,
    )


async def wait_for(check: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.1)


@pytest.mark.timeout(400)
async def test_every_event_is_delivered_through_a_worker_crash_and_a_database_restart(
    own_postgres: tuple[EmbeddedServer, Database], receiver: EventReceiver
) -> None:
    server, database = own_postgres
    definitions = [council_definition(), council_definition()]
    async with database.engine.begin() as connection:
        for definition in definitions:
            await onboard_tenant(connection, definition)
    councils = [await tenant_context_for(database, definition.slug) for definition in definitions]
    box = secret_box(load_settings())  # the worker's: its settings come from the same environment
    for tenant in councils:
        async with tenant_connection(database.engine, tenant) as connection:
            await register(
                connection, box, SYSTEMS_ADMIN, url=receiver.url, description="Council CRM", event_types=None
            )

    async def submit(first: int, last: int) -> None:
        for start in range(first, last, GROUP):
            tenant = councils[(start // GROUP) % 2]
            news = [streetlight(number) for number in range(start, min(start + GROUP, last))]
            await create_transactions_committed(database.engine, tenant, news)

    began = time.monotonic()
    await submit(0, SUBMISSIONS // 2)
    print(f"half submitted at {time.monotonic() - began:.1f} s")
    worker = start_worker(database.url)
    try:
        await wait_for(lambda: len(receiver.ids()) >= 500, 60)
        worker.send_signal(signal.SIGKILL)  # mid-delivery: some deliveries in hand, never recorded
        worker.wait()
        print(f"worker killed at {time.monotonic() - began:.1f} s with {len(receiver.ids())} delivered")
        await submit(SUBMISSIONS // 2, SUBMISSIONS)  # while no worker runs

        worker = start_worker(database.url)
        await wait_for(lambda: len(receiver.ids()) >= SUBMISSIONS * 0.5, 120)
        print(f"restarting PostgreSQL at {time.monotonic() - began:.1f} s with {len(receiver.ids())} delivered")
        server.handle._stop()  # PostgreSQL goes away under the running worker, and comes back
        await asyncio.sleep(1)
        server.restart()
        await database.engine.dispose()

        await wait_for(lambda: len(receiver.ids()) >= SUBMISSIONS, 120)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()

    print(f"all delivered at {time.monotonic() - began:.1f} s")
    ids = receiver.ids()
    assert len(ids) == SUBMISSIONS
    assert {identity.rsplit("_", 1)[0] for identity in ids} == {f"evt_{tenant.slug}" for tenant in councils}
    references_of: dict[str, set[str]] = {}
    for event in receiver.received:
        references_of.setdefault(event["id"], set()).add(event["reference"])
    assert all(len(references) == 1 for references in references_of.values())  # a duplicate is the same event
    assert all(event.get("signed") for event in receiver.received)
    print(f"delivered {SUBMISSIONS} events; {sum(ids.values()) - len(ids)} delivered twice")
