"""The "webhooks" subscriber the job queue calls with a council's events (see notifications.events).

Each event goes to every enabled endpoint of the council that wants its kind and has not yet received
it, each attempt logged. The queue hands over a round's events of a council together (`handle_all`):
they share one transaction to read what is owed and one statement to log every attempt, and the POSTs
go side by side. An event some endpoint did not take is failed, and the queue calls again later with
backoff: then only the endpoints still owed it are tried, under the same webhook-id. No database
connection is held while a receiver is called. An endpoint that keeps failing is disabled by the
`DisablingRule` and the council's administrators are told.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from civicshare.db.engine import tenant_connection
from civicshare.notifications.events import GiveUp, OutboxEvent
from civicshare.notifications.webhooks.alerts import CouncilAdminAlerts, LoggedAlerts, endpoint_disabled_message
from civicshare.notifications.webhooks.deliveries import Owed, Tried, owe, owed_endpoints, record_attempts
from civicshare.notifications.webhooks.payload import webhook_body
from civicshare.notifications.webhooks.sender import WebhookSender
from civicshare.notifications.webhooks.sending import Attempt
from civicshare.settings import Settings
from civicshare.tenancy.context import TenantContext

log = logging.getLogger("civicshare.webhooks")
NOT_TRIED = Attempt(None, 0, None, "not tried: no time left in this round")


class Councils(Protocol):
    async def by_slug(self, slug: str) -> TenantContext | None: ...


class DeliveriesFailed(Exception):
    """Some endpoints did not take the event; the queue tries again later (those endpoints only)."""


class WebhookSubscriber:
    name = "webhooks"

    def __init__(
        self,
        sender: WebhookSender,
        councils: Councils,
        alerts: CouncilAdminAlerts | None = None,
        *,
        staff_address: str = "/staff/webhooks",
    ) -> None:
        self.sender = sender
        self.councils = councils
        self.alerts: CouncilAdminAlerts = alerts or LoggedAlerts()
        self.staff_address = staff_address

    @classmethod
    def for_platform(
        cls, settings: Settings, engine: AsyncEngine, councils: Councils, alerts: CouncilAdminAlerts | None = None
    ) -> WebhookSubscriber:
        """As the worker builds it: `WebhookSubscriber.for_platform(services.settings, services.database.engine,
        services.directory, alerts=<the email work's "email a council's admins">)`; `aclose()` at shutdown."""
        return cls(WebhookSender.for_settings(settings, engine), councils, alerts)

    async def aclose(self) -> None:
        await self.sender.aclose()

    async def handle(self, event: OutboxEvent) -> None:
        failures = await self.handle_all([event], self.sender.timeouts.total)
        if event.id in failures:
            raise failures[event.id]

    async def handle_all(self, events: Sequence[OutboxEvent], within: float) -> dict[int, Exception]:
        """Send a round of one council's events (the queue hands them over together): one transaction
        to read and record what is owed, the POSTs side by side, one statement to log every attempt."""
        if not events:
            return {}
        council = await self.councils.by_slug(events[0].council)
        if council is None:
            raise GiveUp(f"council {events[0].council!r} is not on the platform")
        if any(event.council != council.slug for event in events):
            raise ValueError("one call sends the events of one council")
        unique = list({event.stable_id: event for event in events}.values())
        # The POSTs get three quarters of the time; recording them, the rest.
        deadline = time.monotonic() + within * 0.75
        failed = await self._deliver(council, unique, deadline)
        return {event.id: failed[event.stable_id] for event in events if event.stable_id in failed}

    async def _deliver(
        self, council: TenantContext, events: list[OutboxEvent], deadline: float
    ) -> dict[str, Exception]:
        """Send each event to every endpoint still owed it; the events some endpoint did not take."""
        bodies = {event.stable_id: webhook_body(event) for event in events}
        engine, box = self.sender.engine, self.sender.box
        async with tenant_connection(engine, council) as connection:
            owed = await owed_endpoints(connection, box, [(event.kind, event.stable_id) for event in events])
            await owe(
                connection,
                [
                    Owed(endpoint.id, event.stable_id, event.kind, bodies[event.stable_id])
                    for event in events
                    for endpoint in owed[event.stable_id]
                ],
            )
        sends = [(event, endpoint) for event in events for endpoint in owed[event.stable_id]]
        if not sends:
            return {}
        tried_or_not = await self.sender.send_all(
            [(endpoint, event.stable_id, bodies[event.stable_id]) for event, endpoint in sends], deadline
        )
        async with tenant_connection(engine, council) as connection:
            disabled = await record_attempts(
                connection,
                [
                    Tried(endpoint.id, event.stable_id, event.kind.value, attempt)
                    for (event, endpoint), attempt in zip(sends, tried_or_not, strict=True)
                    if attempt is not None
                ],
                now=datetime.now(UTC),
                rule=self.sender.rule,
            )
        attempts = [attempt or NOT_TRIED for attempt in tried_or_not]
        urls = {endpoint.id: endpoint.url for _event, endpoint in sends}
        for endpoint_id, reason in disabled.items():
            await self._tell_admins(council, urls[endpoint_id], reason)
        still_owed: dict[str, list[str]] = {}
        for (event, endpoint), attempt in zip(sends, attempts, strict=True):
            if not attempt.delivered and endpoint.id not in disabled:
                still_owed.setdefault(event.stable_id, []).append(f"{endpoint.url}: {attempt.error}")
        return {
            event_id: DeliveriesFailed(f"{event_id} not delivered to " + "; ".join(failures))
            for event_id, failures in still_owed.items()
        }

    async def _tell_admins(self, council: TenantContext, url: str, reason: str) -> None:
        subject, body = endpoint_disabled_message(council.name, url, reason, self.staff_address)
        try:
            await self.alerts(council.slug, subject, body)
        except Exception:
            # The endpoint stays disabled (and shows why on its page) even if the message could not go.
            log.exception("could not tell %s's administrators that %s was disabled", council.slug, url)
