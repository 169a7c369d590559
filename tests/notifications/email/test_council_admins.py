"""The platform tells a council's administrators about trouble (a webhook endpoint disabled) by email,
once per occasion, at the addresses the council chose, else to its staff."""

from __future__ import annotations

import uuid

from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.notifications.email import store
from civicshare.notifications.email.council_admins import email_council_admins
from civicshare.notifications.email.message import CouncilEmailSettings
from civicshare.services import PlatformServices
from tests.auth.conftest import CouncilWithOrganization
from tests.support import tenant_context_for

from .conftest import Inbox, text_of
from .test_resident_emails import message_rows

NOTICE = "# Your endpoint was disabled\n\nhttps://crm.example.org/hooks stopped answering for 24 hours."


async def test_a_councils_administrators_are_told_once_that_its_endpoint_was_disabled(
    live_council: CouncilWithOrganization, worker_services: PlatformServices, inbox: Inbox, database: Database
) -> None:
    slug = await live_council()
    async with tenant_connection(database.engine, await tenant_context_for(database, slug)) as connection:
        chosen = CouncilEmailSettings(admin_addresses=("it-team@council.example", "ada@council.example"))
        await store.save_settings(connection, chosen, "tests")
    key = f"webhook-disabled:{uuid.uuid4().hex}"

    sent = await email_council_admins(
        worker_services, slug, subject="Your endpoint was disabled", body=NOTICE, message_key=key
    )
    again = await email_council_admins(
        worker_services, slug, subject="Your endpoint was disabled", body=NOTICE, message_key=key
    )

    assert sorted(sent) == ["ada@council.example", "it-team@council.example"] and again == []
    [mail] = inbox.to("it-team@council.example")
    assert mail["Subject"] == "Your endpoint was disabled"
    assert "stopped answering for 24 hours" in text_of(mail)
    assert len(inbox.messages) == 2
    assert {row["status"] for row in await message_rows(database, slug)} == {"sent"}


async def test_without_chosen_addresses_a_trial_councils_staff_are_told(
    council: CouncilWithOrganization, worker_services: PlatformServices, inbox: Inbox, dev_identity: DevIdentity
) -> None:
    slug = await council()  # on trial: its own staff may still be emailed
    ada = f"ada-{uuid.uuid4().hex[:6]}@example.org"
    await dev_identity.add_staff(slug, ada, Role.COUNCIL_ADMIN)

    sent = await email_council_admins(
        worker_services, slug, subject="Your endpoint was disabled", body=NOTICE, message_key=uuid.uuid4().hex
    )

    assert sent == [ada]
    assert len(inbox.to(ada)) == 1
