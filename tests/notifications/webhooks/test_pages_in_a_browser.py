"""The webhook pages in a real browser (Chromium), each checked with axe-core: register an endpoint with
the keyboard-reachable form, read the secret, read the log, and get a mistake explained."""

from __future__ import annotations

import uuid
from typing import Any

from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.notifications.webhooks.subscriber import WebhookSubscriber
from tests.auth.conftest import CouncilWithOrganization
from tests.staff.test_officers_day_in_a_browser import sign_in
from tests.support import ServedPlatform
from tests.web.browsing import submit, visit

from .receiver import Receiver
from .test_delivery import status_changed


async def test_every_webhook_page_passes_axe(
    page: Any,
    served: ServedPlatform,
    council: CouncilWithOrganization,
    dev_identity: DevIdentity,
    receiver: Receiver,
    subscriber: WebhookSubscriber,
) -> None:
    slug = await council()
    name = f"ada{uuid.uuid4().hex[:6]}"
    await dev_identity.add_staff(slug, f"{name}@example.org", Role.COUNCIL_ADMIN)
    base = f"http://{slug}.localhost:{served.port}"
    await sign_in(page, base, name)

    await visit(page, base + "/staff/webhooks")
    await page.get_by_role("link", name="Register an endpoint").click()
    await page.wait_for_url("**/staff/webhooks/new")
    await submit(page, "Register endpoint", status=400)
    assert "Enter the address" in await page.locator(".govuk-error-summary").inner_text()

    await page.get_by_label("Address").fill(receiver.url)
    await page.get_by_label("Description (optional)").fill("Highways contractor")
    await page.get_by_label("A request's status changes").check()
    await submit(page, "Register endpoint")
    secret = await page.locator("#signing-secret").inner_text()
    assert secret.startswith("whsec_")

    await subscriber.handle(status_changed(slug))
    await page.get_by_role("link", name="Go to the endpoint").click()
    await page.wait_for_load_state()
    assert "Delivered" in await page.locator("table").inner_text()
    await visit(page, page.url)
    await submit(page, "Disable", status=400)
    await submit(page, "Send again event " + receiver.arrivals[0].headers["webhook-id"])
    await visit(page, page.url.split("?")[0] + "/edit")
