"""The "webhooks" subscriber the job queue calls once per event of a council (see notifications.events).

`handle` sends the event to every enabled endpoint of the council that wants its kind and has not yet
received it, each attempt logged. If any of them failed it raises, and the queue calls again later with
backoff: then only the endpoints still owed the event are tried, under the same webhook-id. No database
connection is held while a receiver is called. An endpoint that keeps failing is disabled by the
`DisablingRule` and the council's administrators are told.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from civicshare.db.engine import tenant_connection
from civicshare.notifications.events import GiveUp, OutboxEvent
from civicshare.notifications.webhooks.alerts import CouncilAdminAlerts, LoggedAlerts, endpoint_disabled_message
from civicshare.notifications.webhooks.deliveries import owe, owed_endpoints, record_attempt
from civicshare.notifications.webhooks.payload import webhook_body
from civicshare.notifications.webhooks.sender import WebhookSender
from civicshare.settings import Settings
from civicshare.tenancy.context import TenantContext

log = logging.getLogger("civicshare.webhooks")


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
        council = await self.councils.by_slug(event.council)
        if council is None:
            raise GiveUp(f"council {event.council!r} is not on the platform")
        body = webhook_body(event)
        engine, box = self.sender.engine, self.sender.box
        async with tenant_connection(engine, council) as connection:
            owed = await owed_endpoints(connection, box, event.kind, event.stable_id)
            await owe(connection, [endpoint.id for endpoint in owed], event.stable_id, event.kind, body)
        if not owed:
            return
        attempts = await asyncio.gather(*(self.sender.send(endpoint, event.stable_id, body) for endpoint in owed))
        disabled: dict[int, tuple[str, str]] = {}
        async with tenant_connection(engine, council) as connection:
            now = datetime.now(UTC)
            for endpoint, attempt in zip(owed, attempts, strict=True):
                reason = await record_attempt(
                    connection, endpoint.id, event.stable_id, event.kind.value, attempt, now=now, rule=self.sender.rule
                )
                if reason is not None:
                    disabled[endpoint.id] = (endpoint.url, reason)
        for url, reason in disabled.values():
            await self._tell_admins(council, url, reason)
        still_owed = [
            f"{endpoint.url}: {attempt.error}"
            for endpoint, attempt in zip(owed, attempts, strict=True)
            if not attempt.delivered and endpoint.id not in disabled
        ]
        if still_owed:
            raise DeliveriesFailed(f"{event.stable_id} not delivered to " + "; ".join(still_owed))

    async def _tell_admins(self, council: TenantContext, url: str, reason: str) -> None:
        subject, body = endpoint_disabled_message(council.name, url, reason, self.staff_address)
        try:
            await self.alerts(council.slug, subject, body)
        except Exception:
            # The endpoint stays disabled (and shows why on its page) even if the message could not go.
            log.exception("could not tell %s's administrators that %s was disabled", council.slug, url)
