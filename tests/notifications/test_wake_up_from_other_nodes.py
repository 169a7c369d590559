"""With councils on a Citus cluster, a council's outbox trigger sends its wake-up NOTIFY on the worker node
that holds the council, not on the database the job workers use. The workers also LISTEN on each node named
in `outbox_listen_urls`: an event whose wake-up is heard only there is delivered at once, not at the next
sweep. (Another database of the test server stands for the node: a NOTIFY is heard only in its database.)"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import suppress

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from civicshare.app import build_services
from civicshare.db.embedded import EmbeddedServer
from civicshare.db.engine import Database, make_engine, tenant_connection
from civicshare.notifications.tables import NOTIFY_CHANNEL, outbox_events
from civicshare.settings import Settings
from civicshare.worker import run_job_worker
from tests.conftest import CouncilFactory
from tests.notifications.conftest import FAST_RETRIES
from tests.notifications.receiver import EventReceiver, PostingSubscriber
from tests.notifications.test_outbox_delivery import eventually
from tests.support import tenant_context_for


@pytest.fixture
async def other_node(embedded_postgres: EmbeddedServer) -> AsyncIterator[str]:
    name = f"civicshare_node_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(embedded_postgres.url(), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield embedded_postgres.url(name)
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def test_a_wake_up_sent_on_another_node_gets_the_event_delivered_before_any_sweep(
    settings: Settings,
    database_url: str,
    database: Database,
    make_council: CouncilFactory,
    receiver: EventReceiver,
    other_node: str,
) -> None:
    slow_sweeps = {**FAST_RETRIES, "outbox_sweep_seconds": 600.0, "outbox_listen_urls": (other_node,)}
    services = build_services(
        settings.model_copy(update=slow_sweeps), Database(make_engine(database_url, pool_size=4), database_url)
    )
    subscriber = PostingSubscriber(receiver.url)
    services.event_subscribers[:] = [subscriber]
    council = await tenant_context_for(database, (await make_council()).slug)
    running = asyncio.create_task(run_job_worker(services, install_signal_handlers=False))
    try:
        await asyncio.sleep(1.0)  # listening everywhere, the first sweeps done
        reference = f"ZZ-2026-{uuid.uuid4().int % 10**6:06d}"
        async with tenant_connection(database.engine, council) as connection:
            # As on Citus: the trigger does not fire where the job workers listen...
            await connection.execute(text("SET LOCAL session_replication_role = replica"))
            await connection.execute(
                outbox_events.insert().values(kind="request.submitted", reference=reference, service="report-pothole")
            )
        # ...but on the node holding the council.
        node = create_async_engine(other_node, isolation_level="AUTOCOMMIT")
        async with node.connect() as connection:
            await connection.execute(
                text("SELECT pg_notify(:channel, :schema)"), {"channel": NOTIFY_CHANNEL, "schema": council.schema}
            )
        await node.dispose()
        await eventually(lambda: len(receiver.of(reference)) == 1, seconds=20)
    finally:
        running.cancel()
        with suppress(asyncio.CancelledError):
            await running
        await subscriber.client.aclose()
        await services.database.dispose()
