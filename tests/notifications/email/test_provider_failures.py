"""When the mail server is down the event is tried again later (the queue retries on any exception) and
the resident still gets exactly one email once it is back; an address the server refuses for good is
recorded as not sent, with why, and not retried."""

from __future__ import annotations

import httpx
import pytest
from aiosmtpd.controller import Controller

from civicshare.db.engine import Database
from civicshare.notifications.email.providers import SmtpProvider
from civicshare.notifications.email.residents import ResidentEmails
from civicshare.notifications.events import EventKind, GiveUp
from civicshare.services import PlatformServices
from tests.auth.conftest import CouncilWithOrganization
from tests.auth.test_staff_work_queue import HIGHWAYS

from .conftest import Inbox, event_for, free_port
from .test_resident_emails import RESIDENT, message_rows, submit_pothole


class RefusesGrace(Inbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address == RESIDENT:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


async def test_a_mail_server_that_is_down_is_tried_again_and_the_resident_gets_one_email(
    http: httpx.AsyncClient, live_council: CouncilWithOrganization, worker_services: PlatformServices,
    database: Database,
) -> None:  # fmt: skip
    slug = await live_council(**HIGHWAYS)
    port = free_port()  # nothing listens there yet
    emails = ResidentEmails.from_services(
        worker_services, SmtpProvider(host="127.0.0.1", port=port, from_address="noreply@civicshare.localhost")
    )
    reference = await submit_pothole(http, slug)
    event = event_for(slug, EventKind.SUBMITTED, reference, "report-pothole")

    with pytest.raises(ConnectionRefusedError):
        await emails.handle(event)
    [row] = await message_rows(database, slug)
    assert row["status"] == "retrying" and "ConnectionRefusedError" in str(row["why"])

    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        await emails.handle(event)
        await emails.handle(event)
    finally:
        server.stop()
    assert len(inbox.to(RESIDENT)) == 1
    [row] = await message_rows(database, slug)
    assert (row["status"], row["attempts"], row["why"]) == ("sent", 2, None)


async def test_an_address_the_server_refuses_is_recorded_as_not_sent_and_given_up(
    http: httpx.AsyncClient, live_council: CouncilWithOrganization, worker_services: PlatformServices,
    database: Database,
) -> None:  # fmt: skip
    slug = await live_council(**HIGHWAYS)
    port = free_port()
    server = Controller(RefusesGrace(), hostname="127.0.0.1", port=port)
    server.start()
    try:
        emails = ResidentEmails.from_services(
            worker_services, SmtpProvider(host="127.0.0.1", port=port, from_address="noreply@civicshare.localhost")
        )
        reference = await submit_pothole(http, slug)
        event = event_for(slug, EventKind.SUBMITTED, reference, "report-pothole")
        with pytest.raises(GiveUp, match="refused the address"):
            await emails.handle(event)
        await emails.handle(event)  # handed over again: nothing more is tried
    finally:
        server.stop()
    [row] = await message_rows(database, slug)
    assert row["status"] == "failed" and "refused the address" in str(row["why"]) and row["attempts"] == 1
