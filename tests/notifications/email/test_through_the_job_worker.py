"""The whole way out, as a deployment runs it: a resident submits over HTTP, the change's event waits in
the council's outbox, a job worker with the platform's own subscribers picks it up, and the resident's
email arrives at a real SMTP server. Nothing here calls a subscriber by hand."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from email.message import EmailMessage

import httpx
import pytest

from civicshare.identity.dev_identity import DevIdentity
from civicshare.notifications.email.residents import ResidentEmails
from civicshare.notifications.events import EventKind
from civicshare.services import PlatformServices
from civicshare.settings import Settings
from tests.auth.conftest import CSRF_INPUT, CouncilWithOrganization, bearer, cookie_header, staff_token
from tests.auth.test_staff_work_queue import HIGHWAYS
from tests.notifications.conftest import platform_job_worker
from tests.staff.test_back_office_pages import BROWSER, officer_of
from tests.support import host_for

from .conftest import Inbox, event_for, html_of, text_of
from .test_resident_emails import RESIDENT, submit_pothole


@pytest.fixture
async def platform_worker(mail_settings: Settings, database_url: str) -> AsyncIterator[PlatformServices]:
    async with platform_job_worker(mail_settings, database_url) as services:
        assert "email" in [subscriber.name for subscriber in services.event_subscribers]
        yield services


async def arrived(inbox: Inbox, address: str, count: int, within: float = 20.0) -> list[EmailMessage]:
    for _ in range(int(within / 0.1)):
        if len(inbox.to(address)) >= count:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)  # long enough for a duplicate to show itself
    return inbox.to(address)


async def test_a_submission_and_a_staff_decision_each_reach_the_resident_once_through_the_worker(
    http: httpx.AsyncClient,
    live_council: CouncilWithOrganization,
    platform_worker: PlatformServices,
    inbox: Inbox,
    dev_identity: DevIdentity,
) -> None:
    slug = await live_council(**HIGHWAYS)
    # an address of this test's own: the worker also delivers what earlier tests left in their outboxes
    resident = f"amara-{uuid.uuid4().hex[:8]}@example.org"
    reference = await submit_pothole(http, slug, resident)

    [confirmation] = await arrived(inbox, resident, 1)
    assert reference in confirmation["Subject"]
    assert f"Your reference is {reference}" in text_of(confirmation)

    sam = await staff_token(dev_identity, f"sam-{uuid.uuid4().hex[:6]}@example.org", slug)
    reason = "Our crew filled the pothole this morning."
    moved = await http.post(
        f"/api/v1/staff/transactions/{reference}/status",
        json={"status": "resolved", "reason": reason, "reason_public": True},
        headers=bearer(sam, slug),
    )
    assert moved.status_code == 200, moved.text

    first, update = await arrived(inbox, resident, 2)
    assert first["Message-ID"] == confirmation["Message-ID"]
    assert reason in text_of(update)
    assert moved.json()["request"]["status_label"] in text_of(update)


async def test_a_paid_request_is_confirmed_when_its_payment_is_taken_not_before(
    http: httpx.AsyncClient,
    live_council: CouncilWithOrganization,
    resident_emails: ResidentEmails,
    inbox: Inbox,
) -> None:
    slug = await live_council(**HIGHWAYS)
    reference = await submit_pothole(http, slug)

    waiting = event_for(slug, EventKind.SUBMITTED, reference, "report-pothole", status="awaiting_payment")
    await resident_emails.handle(waiting)
    assert inbox.to(RESIDENT) == []

    await resident_emails.handle(event_for(slug, EventKind.PAYMENT_SUCCEEDED, reference, "report-pothole"))
    [confirmation] = inbox.to(RESIDENT)
    assert f"Your reference is {reference}" in text_of(confirmation)


async def test_a_public_update_staff_add_reaches_the_resident_once_through_the_worker(
    http: httpx.AsyncClient,
    live_council: CouncilWithOrganization,
    platform_worker: PlatformServices,
    inbox: Inbox,
    dev_identity: DevIdentity,
) -> None:
    slug = await live_council(**HIGHWAYS)
    resident = f"bola-{uuid.uuid4().hex[:8]}@example.org"
    reference = await submit_pothole(http, slug, resident)
    [_confirmation] = await arrived(inbox, resident, 1)

    officer = {**host_for(slug), **BROWSER, **cookie_header(await officer_of(http, dev_identity, slug))}
    page = await http.get(f"/staff/requests/{reference}", headers=officer)
    token = CSRF_INPUT.search(page.text)
    assert token is not None
    empty = await http.post(
        f"/staff/requests/{reference}/updates", data={"update": "  ", "csrf_token": token[1]}, headers=officer
    )
    assert empty.status_code == 400
    assert "Enter the update the resident will read" in empty.text
    words = "Our crew has looked at the pothole & will fill it on Tuesday."
    added = await http.post(
        f"/staff/requests/{reference}/updates", data={"update": words, "csrf_token": token[1]}, headers=officer
    )
    assert added.status_code == 303, added.text

    _first, update = await arrived(inbox, resident, 2)
    assert update["Subject"] == f"An update on your request {reference}"
    assert words in text_of(update)
    assert "will fill it on Tuesday" in html_of(update) and "&amp; will" in html_of(update)
    assert words in (await http.get(f"/staff/requests/{reference}", headers=officer)).text.replace("&amp;", "&")
