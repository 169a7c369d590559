"""Staff choose what a resident reads: a status change's reason is an internal note unless the officer
says to show it. Tracking, Open311 and the resident's email carry only the text chosen to be public."""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any

import httpx
from sqlalchemy import select

from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.notifications.email.residents import ResidentEmails
from civicshare.notifications.events import EventKind, OutboxEvent
from civicshare.notifications.tables import outbox_events
from tests.auth.conftest import CSRF_INPUT, CouncilWithOrganization, bearer, staff_token
from tests.auth.test_staff_work_queue import HIGHWAYS
from tests.support import host_for, tenant_context_for

from .conftest import Inbox, text_of
from .test_resident_emails import RESIDENT, submit_pothole

INTERNAL = "Caller was abusive on the phone; closing without a visit."
PUBLIC = "Our crew filled the pothole this morning."


async def recorded_status_change(database: Database, slug: str, reference: str) -> OutboxEvent:
    """The status-changed event the move wrote to the council's outbox, as the job worker hands it over."""
    tenant = await tenant_context_for(database, slug)
    async with tenant_connection(database.engine, tenant) as connection:
        row = (
            await connection.execute(
                select(outbox_events)
                .where(outbox_events.c.reference == reference, outbox_events.c.kind == EventKind.STATUS_CHANGED.value)
                .order_by(outbox_events.c.id.desc())
                .limit(1)
            )
        ).one()
    return OutboxEvent(
        id=row.id + uuid.uuid4().int % 10**9,
        council=slug,
        kind=EventKind.STATUS_CHANGED,
        reference=row.reference,
        service=row.service,
        occurred_at=row.occurred_at.astimezone(UTC),
        data=dict(row.data),
    )


async def what_the_resident_sees(http: httpx.AsyncClient, slug: str, reference: str) -> tuple[Any, str, Any]:
    """The tracking API, the tracking page and Open311's view of the request."""
    tracked = await http.get(f"/api/v1/transactions/{reference}", params={"email": RESIDENT}, headers=host_for(slug))
    assert tracked.status_code == 200, tracked.text
    form = await http.get("/track", params={"reference": reference}, headers=host_for(slug))
    token = CSRF_INPUT.search(form.text)
    assert token is not None
    page = await http.post(
        "/track",
        data={"reference": reference, "email": RESIDENT, "csrf_token": token[1]},
        headers=host_for(slug),  # the client sends back the CSRF cookie the form set
    )
    assert page.status_code == 200, page.text
    open311 = await http.get(f"/open311/v2/requests/{reference}.json", headers=host_for(slug))
    assert open311.status_code == 200, open311.text
    return tracked.json(), page.text, open311.json()[0]


async def test_a_reason_is_internal_unless_the_officer_chooses_to_show_it(
    http: httpx.AsyncClient,
    live_council: CouncilWithOrganization,
    resident_emails: ResidentEmails,
    inbox: Inbox,
    database: Database,
    dev_identity: DevIdentity,
) -> None:
    slug = await live_council(**HIGHWAYS)
    officer = await staff_token(dev_identity, f"sam-{uuid.uuid4().hex[:6]}@example.org", slug)
    kept_in, shown = await submit_pothole(http, slug), await submit_pothole(http, slug)

    moved = await http.post(
        f"/api/v1/staff/transactions/{kept_in}/status",
        json={"status": "resolved", "reason": INTERNAL},
        headers=bearer(officer, slug),
    )
    assert moved.status_code == 200, moved.text
    tracked, page, open311 = await what_the_resident_sees(http, slug, kept_in)
    assert tracked["status"] == "resolved"
    assert INTERNAL not in str(tracked) and INTERNAL not in page
    assert open311["status"] == "closed" and open311["status_notes"] is None
    await resident_emails.handle(await recorded_status_change(database, slug, kept_in))
    [mail] = inbox.to(RESIDENT)
    assert INTERNAL not in text_of(mail) and "Your request is now" in text_of(mail)
    # Staff still read the note, and that it is not shown.
    assert INTERNAL in moved.text and moved.json()["request"]["decision"]["public"] is False

    published = await http.post(
        f"/api/v1/staff/transactions/{shown}/status",
        json={"status": "resolved", "reason": PUBLIC, "reason_public": True},
        headers=bearer(officer, slug),
    )
    assert published.status_code == 200, published.text
    assert published.json()["request"]["decision"]["public"] is True
    tracked, page, open311 = await what_the_resident_sees(http, slug, shown)
    assert tracked["decision"]["reason"] == PUBLIC and PUBLIC in page
    assert open311["status_notes"] == PUBLIC
    await resident_emails.handle(await recorded_status_change(database, slug, shown))
    assert PUBLIC in text_of(inbox.to(RESIDENT)[-1])
