"""A job for one council reads and writes only that council's outbox, whatever it is handed."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import func, select

from civicshare.db.engine import Database, tenant_connection
from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.principal import Role
from civicshare.notifications.dispatcher import DispatchSettings, dispatch_council
from civicshare.notifications.events import OutboxEvent
from civicshare.notifications.retries import RetryPolicy
from civicshare.notifications.tables import event_deliveries, outbox_events
from tests.auth.conftest import CouncilWithOrganization, bearer, staff_token
from tests.notifications.test_outbox_delivery import STREETLIGHTS, submit
from tests.support import tenant_context_for

SETTINGS = DispatchSettings(policy=RetryPolicy(base_seconds=0.1, cap_seconds=0.2, max_attempts=2), lease_seconds=5)


class RecordingSubscriber:
    name = "recorder"

    def __init__(self) -> None:
        self.events: list[OutboxEvent] = []

    async def handle(self, event: OutboxEvent) -> None:
        self.events.append(event)


async def test_a_dispatch_for_one_council_delivers_only_its_events_and_leaves_the_others_alone(
    http: httpx.AsyncClient, council: CouncilWithOrganization, database: Database, dev_identity: DevIdentity
) -> None:
    mine, theirs = await council(modules=STREETLIGHTS), await council(modules=STREETLIGHTS)
    my_references = {await submit(http, mine) for _ in range(3)}
    their_references = {await submit(http, theirs) for _ in range(3)}
    me, them = await tenant_context_for(database, mine), await tenant_context_for(database, theirs)

    recorder = RecordingSubscriber()
    done = await dispatch_council(database.engine, me, [recorder], SETTINGS)

    assert done.delivered == 3
    assert {event.reference for event in recorder.events} == my_references
    assert {event.council for event in recorder.events} == {mine}
    async with tenant_connection(database.engine, them) as connection:
        untouched = await connection.scalar(
            select(func.count()).select_from(outbox_events).where(outbox_events.c.fanned_out_at.is_(None))
        )
        deliveries = await connection.scalar(select(func.count()).select_from(event_deliveries))
    assert untouched == 3 and deliveries == 0  # their events wait for a job of their own

    # Their events carry the same ids as ours (each council counts from 1): retrying "ours" by their id
    # from our side touches nothing of theirs, and their administrator cannot reach ours.
    their_admin = await staff_token(
        dev_identity, f"admin-{uuid.uuid4().hex[:6]}@example.org", theirs, role=Role.COUNCIL_ADMIN
    )
    event_id = recorder.events[0].id
    refused = await http.post(
        f"/api/v1/staff/failed-deliveries/{event_id}/recorder/retry", headers=bearer(their_admin, mine)
    )
    assert refused.status_code == 403
    nothing = await http.post(
        f"/api/v1/staff/failed-deliveries/{event_id}/recorder/retry", headers=bearer(their_admin, theirs)
    )
    assert nothing.status_code == 404

    theirs_delivered = await dispatch_council(database.engine, them, [recorder], SETTINGS)
    assert theirs_delivered.delivered == 3
    assert {event.reference for event in recorder.events[3:]} == their_references
    assert {event.council for event in recorder.events[3:]} == {theirs}
