"""The "webhooks" subscriber the job queue calls once per event of a council (see notifications.events).

`handle` sends the event to every enabled endpoint of the council that wants its kind and has not yet
received it, each attempt logged; calls that arrive together for one council share their database
work. If any endpoint failed it raises, and the queue calls again later with backoff: then only the
endpoints still owed the event are tried, under the same webhook-id. No database connection is held
while a receiver is called. An endpoint that keeps failing is disabled by the `DisablingRule` and the
council's administrators are told.
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
from civicshare.notifications.webhooks.deliveries import Owed, owe, owed_endpoints, record_attempt
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
        self._waiting: dict[str, list[tuple[OutboxEvent, asyncio.Future[None]]]] = {}
        self._rounds: set[asyncio.Future[None]] = set()

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
        # Calls for the same council that arrive together (the queue makes several at once) share one
        # round: one transaction to read and record what is owed, one to log the attempts.
        loop = asyncio.get_running_loop()
        waiting = self._waiting.get(council.schema)
        if waiting is None:
            waiting = self._waiting[council.schema] = []
            loop.call_soon(self._start_round, council)
        answer: asyncio.Future[None] = loop.create_future()
        waiting.append((event, answer))
        await answer

    def _start_round(self, council: TenantContext) -> None:
        calls = self._waiting.pop(council.schema, [])
        round_ = asyncio.ensure_future(self._answer(council, calls))
        self._rounds.add(round_)
        round_.add_done_callback(self._rounds.discard)

    async def _answer(self, council: TenantContext, calls: list[tuple[OutboxEvent, asyncio.Future[None]]]) -> None:
        try:
            failures = await self._deliver(council, list({event.stable_id: event for event, _ in calls}.values()))
        except Exception as error:
            failures = {event.stable_id: error for event, _ in calls}
        for event, answer in calls:
            if answer.done():  # the queue stopped waiting for it (its time ran out)
                continue
            failure = failures.get(event.stable_id)
            if failure is None:
                answer.set_result(None)
            else:
                answer.set_exception(failure)

    async def _deliver(self, council: TenantContext, events: list[OutboxEvent]) -> dict[str, Exception]:
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
        attempts = await asyncio.gather(
            *(self.sender.send(endpoint, event.stable_id, bodies[event.stable_id]) for event, endpoint in sends)
        )
        disabled: dict[int, tuple[str, str]] = {}
        async with tenant_connection(engine, council) as connection:
            now = datetime.now(UTC)
            for (event, endpoint), attempt in zip(sends, attempts, strict=True):
                reason = await record_attempt(
                    connection, endpoint.id, event.stable_id, event.kind.value, attempt, now=now, rule=self.sender.rule
                )
                if reason is not None:
                    disabled[endpoint.id] = (endpoint.url, reason)
        for url, reason in disabled.values():
            await self._tell_admins(council, url, reason)
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
