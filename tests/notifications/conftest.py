"""A job worker of the test's own, delivering to a real HTTP receiver on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, suppress

import pytest

from civicshare.app import build_services
from civicshare.db.engine import Database, make_engine
from civicshare.services import PlatformServices
from civicshare.settings import Settings
from civicshare.worker import register_platform_subscribers, run_job_worker
from tests.auth.conftest import council, dev_identity
from tests.modules_e2e.conftest import councils
from tests.notifications.receiver import EventReceiver, PostingSubscriber

__all__ = ["council", "councils", "dev_identity"]

FAST_RETRIES = {
    "outbox_retry_base_seconds": 0.3,
    "outbox_retry_cap_seconds": 1.0,
    "outbox_max_attempts": 4,
    "outbox_sweep_seconds": 2.0,
    "outbox_lease_seconds": 5.0,
    "outbox_delivery_timeout_seconds": 2.0,
}


@pytest.fixture
def receiver() -> Iterator[EventReceiver]:
    receiver = EventReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
async def job_worker(settings: Settings, database_url: str, receiver: EventReceiver) -> AsyncIterator[PlatformServices]:
    """A job worker running in the test's event loop, its one subscriber posting to `receiver`."""
    worker_settings = settings.model_copy(update=FAST_RETRIES)
    services = build_services(worker_settings, Database(make_engine(database_url, pool_size=4), database_url))
    subscriber = PostingSubscriber(receiver.url)
    services.event_subscribers[:] = [
        subscriber
    ]  # only this one: the platform's own (email, webhooks) are not under test here
    running = asyncio.create_task(run_job_worker(services, install_signal_handlers=False))
    await asyncio.sleep(0.5)
    yield services
    running.cancel()
    with suppress(asyncio.CancelledError):
        await running
    await subscriber.client.aclose()
    await services.database.dispose()


@asynccontextmanager
async def platform_job_worker(settings: Settings, database_url: str) -> AsyncIterator[PlatformServices]:
    """A job worker exactly as a deployment runs one: the subscribers the platform registers for itself
    (email to residents, webhooks), quick retries."""
    services = build_services(
        settings.model_copy(update=FAST_RETRIES), Database(make_engine(database_url, pool_size=4), database_url)
    )
    register_platform_subscribers(services)
    running = asyncio.create_task(run_job_worker(services, install_signal_handlers=False))
    await asyncio.sleep(0.5)
    try:
        yield services
    finally:
        running.cancel()
        with suppress(asyncio.CancelledError):
            await running
        await services.database.dispose()
