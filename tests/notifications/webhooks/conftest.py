"""Fixtures of the webhook stories: a receiver on loopback, council administrators, the queue's subscriber,
and the platform served with production's rule on addresses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import pytest

from civicshare.db.engine import Database
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.notifications.webhooks.deliveries import DisablingRule
from civicshare.notifications.webhooks.sender import WebhookSender
from civicshare.notifications.webhooks.sending import Timeouts
from civicshare.notifications.webhooks.subscriber import WebhookSubscriber
from civicshare.settings import Settings
from civicshare.tenancy.directory import TenantDirectory
from tests.auth.conftest import bearer, council, dev_identity, staff_token
from tests.support import ServedPlatform

from .receiver import Receiver

__all__ = ["council", "dev_identity"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    running.start()
    yield running
    running.stop()


class RecordedAlerts:
    """The council admins' mailbox as the email work will fill it: what the platform told them."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    async def __call__(self, council: str, subject: str, body: str) -> None:
        self.sent.append((council, subject, body))


@pytest.fixture
def alerts() -> RecordedAlerts:
    return RecordedAlerts()


QUICK = Timeouts(connect=1.0, read=1.0, total=2.0)


@pytest.fixture
async def subscriber(
    settings: Settings, database: Database, alerts: RecordedAlerts
) -> AsyncIterator[WebhookSubscriber]:
    """The queue's "webhooks" subscriber, built as the platform builds it; it disables an endpoint after
    three failures in a row (no waiting for a day in a test)."""
    sender = WebhookSender.for_settings(
        settings, database.engine, timeouts=QUICK, rule=DisablingRule(failing_for=timedelta(0), failures=3)
    )
    yield WebhookSubscriber(sender, TenantDirectory(database.engine, max_age_seconds=0), alerts)
    await sender.aclose()


async def admin_of(dev_identity: DevIdentity, slug: str, email: str | None = None) -> dict[str, str]:
    """Request headers of an administrator of the council, on the council's own address."""
    email = email or f"admin-{slug}@example.gov.uk"
    return bearer(await staff_token(dev_identity, email, slug, role=Role.COUNCIL_ADMIN), slug)


@pytest.fixture(scope="session")
def strict_served(settings: Settings, database: Database, database_url: str) -> Iterator[ServedPlatform]:
    """The platform refusing private addresses as production does (production mode itself would need
    Keycloak and an external database)."""
    platform = ServedPlatform(settings.model_copy(update={"webhook_allow_private_targets": False}), database_url)
    platform.start()
    yield platform
    platform.stop()


@pytest.fixture
async def strict_http(strict_served: ServedPlatform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=strict_served.url, timeout=30) as client:
        yield client
