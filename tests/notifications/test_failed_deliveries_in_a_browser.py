"""A council administrator finds a failed delivery in Chromium, the page checked with axe-core, and
retries it."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from civicshare.db.engine import Database
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.notifications.dispatcher import DispatchSettings, dispatch_council
from civicshare.notifications.events import GiveUp, OutboxEvent
from civicshare.notifications.retries import RetryPolicy
from tests.auth.conftest import CouncilWithOrganization
from tests.notifications.test_outbox_delivery import STREETLIGHTS, submit
from tests.support import ServedPlatform, tenant_context_for
from tests.web.browsing import submit as press
from tests.web.browsing import visit


class RefusingSubscriber:
    name = "council-crm"

    async def handle(self, event: OutboxEvent) -> None:
        raise GiveUp("the CRM refused the address: 422 Unprocessable")


async def test_an_administrator_sees_why_a_delivery_failed_and_retries_it(
    page: Any,
    served: ServedPlatform,
    http: httpx.AsyncClient,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    database: Database,
) -> None:
    slug = await council(modules=STREETLIGHTS)
    reference = await submit(http, slug)
    tenant = await tenant_context_for(database, slug)
    settings = DispatchSettings(policy=RetryPolicy())
    await dispatch_council(database.engine, tenant, [RefusingSubscriber()], settings)
    name = f"ada{uuid.uuid4().hex[:6]}"
    await dev_identity.add_staff(slug, f"{name}@example.org", Role.COUNCIL_ADMIN)
    base = f"http://{slug}.localhost:{served.port}"
    await visit(page, f"{base}/dev-identity/sign-in?next=/")
    await press(page, f"Sign in as {name}")

    await visit(page, f"{base}/staff/deliveries")  # axe-core runs on every page visited
    row = page.locator("tbody tr")
    assert reference in await row.inner_text()
    assert "Given up" in await row.inner_text()
    assert "the CRM refused the address" in await row.inner_text()
    await press(page, "Retry now")
    assert "Delivery will be tried again now" in await page.locator(".govuk-notification-banner").inner_text()
    assert "Trying again" in await row.inner_text()  # due now, for the job worker to take up
