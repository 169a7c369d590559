"""Sends a council's events to its endpoints and records every attempt: the work behind the queue's
subscriber and an administrator's "send again".
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from civicshare.casework.service import Officer, record_action
from civicshare.db.engine import tenant_connection
from civicshare.notifications.webhooks.config import secret_box, target_policy
from civicshare.notifications.webhooks.deliveries import DisablingRule, OwedEndpoint, record_attempt, stored_delivery
from civicshare.notifications.webhooks.secrets import SecretBox
from civicshare.notifications.webhooks.sending import Attempt, Timeouts, guarded_client, send_signed
from civicshare.notifications.webhooks.targets import TargetPolicy
from civicshare.settings import Settings
from civicshare.tenancy.context import TenantContext

# POSTs in flight at once from one worker, and to one endpoint within a round: enough to hide a
# receiver's latency on one keep-alive connection pool, few enough that one slow endpoint cannot hold
# every slot.
SENDING_AT_ONCE = 64
TO_ONE_ENDPOINT_AT_ONCE = 16
MINIMUM_SECONDS = 0.2  # a POST with less time left than this is not started


@dataclass
class WebhookSender:
    engine: AsyncEngine
    box: SecretBox
    policy: TargetPolicy
    timeouts: Timeouts = field(default_factory=Timeouts)
    rule: DisablingRule = field(default_factory=DisablingRule)

    def __post_init__(self) -> None:
        self.client = guarded_client(self.policy, self.timeouts, max_connections=SENDING_AT_ONCE)
        self._at_once = asyncio.Semaphore(SENDING_AT_ONCE)

    @classmethod
    def for_settings(
        cls,
        settings: Settings,
        engine: AsyncEngine,
        *,
        timeouts: Timeouts | None = None,
        rule: DisablingRule | None = None,
    ) -> WebhookSender:
        return cls(
            engine, secret_box(settings), target_policy(settings), timeouts or Timeouts(), rule or DisablingRule()
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def send(self, endpoint: OwedEndpoint, event_id: str, body: bytes, *, within: float | None = None) -> Attempt:
        """Send once, within the sender's total timeout (or `within` seconds, if sooner)."""
        if endpoint.secret is None:
            return Attempt(
                None,
                0,
                None,
                "not sent: the endpoint's secret cannot be read with this platform's key; make a new secret",
            )
        async with self._at_once:
            total = self.timeouts.total if within is None else min(self.timeouts.total, within)
            return await send_signed(
                self.client, endpoint.url, secret=endpoint.secret, message_id=event_id, body=body, total_seconds=total
            )

    async def send_all(self, sends: Sequence[tuple[OwedEndpoint, str, bytes]], deadline: float) -> list[Attempt | None]:
        """Send each (endpoint, event id, body) side by side, at most TO_ONE_ENDPOINT_AT_ONCE to an endpoint,
        all ending by `deadline` (`time.monotonic()`); None for one there was no time left to start."""
        attempts: list[Attempt | None] = [None] * len(sends)
        by_endpoint: dict[int, deque[int]] = {}
        for index, (endpoint, _event_id, _body) in enumerate(sends):
            by_endpoint.setdefault(endpoint.id, deque()).append(index)

        # A few senders per endpoint taking its sends in turn, rather than a task per send queueing for a
        # place: with hundreds of sends in a round, the queueing was a good part of the worker's CPU.
        async def take_turns(waiting: deque[int]) -> None:
            while waiting:
                index = waiting.popleft()
                left = deadline - time.monotonic()
                if left < MINIMUM_SECONDS:
                    return  # this and the rest of the endpoint's sends stay None: not started
                endpoint, event_id, body = sends[index]
                attempts[index] = await self.send(endpoint, event_id, body, within=left)

        await asyncio.gather(
            *(
                take_turns(waiting)
                for waiting in by_endpoint.values()
                for _sender in range(min(TO_ONE_ENDPOINT_AT_ONCE, len(waiting)))
            )
        )
        return attempts

    async def redeliver(
        self, council: TenantContext, endpoint_id: int, event_id: str, officer: Officer
    ) -> Attempt | None:
        """Send an event the endpoint was owed once more, as it was first signed (same webhook-id), whether it
        arrived before or not; None when the endpoint never was owed that event."""
        async with tenant_connection(self.engine, council) as connection:
            stored = await stored_delivery(connection, self.box, endpoint_id, event_id)
        if stored is None:
            return None
        attempt = await self.send(stored.endpoint, event_id, stored.body)
        async with tenant_connection(self.engine, council) as connection:
            await record_attempt(
                connection, endpoint_id, event_id, stored.event_type, attempt, now=datetime.now(UTC), manual=True
            )
            await record_action(
                connection,
                officer,
                "webhook.redelivered",
                endpoint=endpoint_id,
                event=event_id,
                delivered=attempt.delivered,
            )
        return attempt
