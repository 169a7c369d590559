"""A resident hears back by email: a confirmation when they submit, an update when staff move their
request on, each once however often the queue hands the event over."""

from __future__ import annotations

import uuid

import httpx
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select

from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.notifications.email.providers import SmtpProvider
from civicshare.notifications.email.residents import ResidentEmails
from civicshare.notifications.email.tables import email_messages
from civicshare.notifications.events import EventKind
from civicshare.services import PlatformServices
from civicshare.transactions.service import NewTransaction, create_transaction
from tests.auth.conftest import CouncilWithOrganization, bearer, staff_token
from tests.auth.test_staff_work_queue import HIGHWAYS, POTHOLE
from tests.support import host_for, tenant_context_for

from .conftest import Inbox, event_for, free_port, html_of, text_of

RESIDENT = "grace@example.org"


async def submit_pothole(http: httpx.AsyncClient, slug: str, email: str | None = RESIDENT) -> str:
    body = {"answers": POTHOLE, "channel": "web"} | ({"contact_email": email} if email else {})
    answer = await http.post("/api/v1/services/report-pothole/transactions", json=body, headers=host_for(slug))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["reference"])


async def message_rows(database: Database, slug: str) -> list[dict[str, object]]:
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        rows = await connection.execute(select(email_messages).order_by(email_messages.c.id))
        return [dict(row) for row in rows.mappings()]


async def test_a_resident_who_reports_a_pothole_gets_one_confirmation_with_reference_and_tracking_link(
    http: httpx.AsyncClient,
    live_council: CouncilWithOrganization,
    resident_emails: ResidentEmails,
    inbox: Inbox,
    database: Database,
) -> None:
    slug = await live_council(**HIGHWAYS)
    reference = await submit_pothole(http, slug)

    await resident_emails.handle(event_for(slug, EventKind.SUBMITTED, reference, "report-pothole"))

    [mail] = inbox.to(RESIDENT)
    assert reference in mail["Subject"]
    text = text_of(mail)
    assert f"Your reference is {reference}" in text
    link = text.split("Track your request")[1].split()[0]
    assert link == f"http://{slug}.localhost:8000/track?reference={reference}"  # the council's own site
    assert "What happens next" in text
    assert f"Test Council {slug}" in mail["From"]
    html = html_of(mail)
    assert reference in html and "/track?reference=" in html and f"Test Council {slug}" in html
    [row] = await message_rows(database, slug)
    assert (row["status"], row["reference"], row["recipient"]) == ("sent", reference, RESIDENT)
    assert row["provider"] == "smtp" and row["provider_message_id"] == mail["Message-ID"]

    page = await http.get(link.replace(f"http://{slug}.localhost:8000", ""), headers=host_for(slug))
    assert page.status_code == 200 and f'value="{reference}"' in page.text


async def test_handling_the_same_event_twice_sends_one_email(
    http: httpx.AsyncClient,
    live_council: CouncilWithOrganization,
    resident_emails: ResidentEmails,
    inbox: Inbox,
    database: Database,
) -> None:
    slug = await live_council(**HIGHWAYS)
    reference = await submit_pothole(http, slug)
    event = event_for(slug, EventKind.SUBMITTED, reference, "report-pothole")

    await resident_emails.handle(event)
    await resident_emails.handle(event)

    assert len(inbox.to(RESIDENT)) == 1
    assert [row["attempts"] for row in await message_rows(database, slug)] == [1]


async def test_a_staff_decision_reaches_the_resident_with_the_status_in_the_councils_words_and_the_reason(
    http: httpx.AsyncClient,
    live_council: CouncilWithOrganization,
    resident_emails: ResidentEmails,
    inbox: Inbox,
    dev_identity: DevIdentity,
) -> None:
    slug = await live_council(
        modules={"highways": {"enabled": True, "settings": {"state_labels": {"resolved": "Repaired"}}}}
    )
    reference = await submit_pothole(http, slug)
    sam = await staff_token(dev_identity, f"sam-{uuid.uuid4().hex[:6]}@example.org", slug)
    reason = "Our crew filled the pothole this morning."
    moved = await http.post(
        f"/api/v1/staff/transactions/{reference}/status",
        json={"status": "resolved", "reason": reason, "reason_public": True},
        headers=bearer(sam, slug),
    )
    assert moved.status_code == 200, moved.text
    label = moved.json()["request"]["status_label"]
    assert label == "Repaired"

    update = event_for(
        slug,
        EventKind.STATUS_CHANGED,
        reference,
        "report-pothole",
        from_status="received",
        to_status="resolved",
        status_label=label,
        reason=reason,
        public_reason=reason,  # the officer chose to show it (tests/.../test_public_decision_text.py)
    )
    await resident_emails.handle(update)

    [mail] = inbox.to(RESIDENT)
    assert mail["Subject"] == f"Your request {reference}: Repaired"
    assert "Your request is now: Repaired" in text_of(mail) and reason in text_of(mail)
    assert reason in html_of(mail)


async def test_no_email_for_a_request_without_an_address_or_a_status_the_workflow_does_not_have(
    http: httpx.AsyncClient,
    live_council: CouncilWithOrganization,
    resident_emails: ResidentEmails,
    inbox: Inbox,
    database: Database,
) -> None:
    slug = await live_council(**HIGHWAYS)
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:  # a caller who left no address
        phoned_in = await create_transaction(
            connection,
            tenant,
            NewTransaction(
                module="highways",
                service="report-pothole",
                channel="phone",
                status="received",
                answers=POTHOLE,
                contact_email=None,
                submitter_kind="staff",
                staff_subject="sam",
            ),
        )
    await resident_emails.handle(event_for(slug, EventKind.SUBMITTED, phoned_in["reference"], "report-pothole"))
    reference = await submit_pothole(http, slug)
    await resident_emails.handle(
        event_for(
            slug,
            EventKind.STATUS_CHANGED,
            reference,
            "report-pothole",
            from_status="received",
            to_status="internal_triage",
            status_label="Triage",
            reason="",
        )
    )

    assert inbox.messages == []
    assert await message_rows(database, slug) == []


async def test_no_database_connection_is_held_while_the_mail_server_is_talked_to(
    http: httpx.AsyncClient, live_council: CouncilWithOrganization, worker_services: PlatformServices,
) -> None:  # fmt: skip
    engines = (worker_services.database.engine, worker_services.database.lookups)

    class Watching(Inbox):
        held: list[int] = []

        async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
            self.held.append(sum(engine.sync_engine.pool.checkedout() for engine in engines))  # type: ignore[attr-defined]
            return await super().handle_DATA(server, session, envelope)

    inbox, port = Watching(), free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        provider = SmtpProvider(host="127.0.0.1", port=port, from_address="noreply@civicshare.localhost")
        slug = await live_council(**HIGHWAYS)
        reference = await submit_pothole(http, slug)
        await ResidentEmails.from_services(worker_services, provider).handle(
            event_for(slug, EventKind.SUBMITTED, reference, "report-pothole")
        )
    finally:
        server.stop()
    assert len(inbox.to(RESIDENT)) == 1
    assert Watching.held == [0]
