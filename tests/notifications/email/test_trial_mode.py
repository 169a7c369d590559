"""A council on trial emails only its own staff, as GOV.UK Notify's trial mode does; the rest is
recorded as not sent, with why."""

from __future__ import annotations

import uuid

import httpx

from civicshare.db.engine import Database
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.notifications.email.residents import ResidentEmails
from civicshare.notifications.events import EventKind
from tests.auth.conftest import CouncilWithOrganization
from tests.auth.test_staff_work_queue import HIGHWAYS

from .conftest import Inbox, event_for
from .test_resident_emails import RESIDENT, message_rows, submit_pothole


async def test_a_trial_council_holds_back_a_residents_email_and_delivers_its_own_staffs(
    http: httpx.AsyncClient, council: CouncilWithOrganization, resident_emails: ResidentEmails, inbox: Inbox,
    dev_identity: DevIdentity, database: Database,
) -> None:  # fmt: skip
    slug = await council(**HIGHWAYS)  # councils start on trial
    officer = f"olive-{uuid.uuid4().hex[:6]}@example.org"
    await dev_identity.add_staff(slug, officer, Role.COUNCIL_STAFF)
    residents = await submit_pothole(http, slug)
    officers_own = await submit_pothole(http, slug, email=officer)

    await resident_emails.handle(event_for(slug, EventKind.SUBMITTED, residents, "report-pothole"))
    await resident_emails.handle(event_for(slug, EventKind.SUBMITTED, officers_own, "report-pothole"))

    assert inbox.to(RESIDENT) == []
    [delivered] = inbox.to(officer)
    assert officers_own in delivered["Subject"]
    rows = {row["reference"]: row for row in await message_rows(database, slug)}
    assert rows[residents]["status"] == "held"
    assert "trial mode" in str(rows[residents]["why"]) and rows[residents]["recipient"] == RESIDENT
    assert rows[officers_own]["status"] == "sent"
