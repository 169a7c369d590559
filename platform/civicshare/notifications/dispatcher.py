"""Handing one council's events to every subscriber: each (event, subscriber) delivered, retried and
given up on independently of the others.

A round takes due deliveries in hand in a short transaction, calls the subscribers with no database
connection held (a slow webhook receiver never holds a pooled connection), then records every
outcome in one statement. A `BatchSubscriber` (the webhooks) gets all of a round's events in one call,
so it can share its own database work between them. A delivery taken in hand carries a lease: if
the worker dies before it records the outcome, the delivery falls due again when the lease runs out.
Delivery is therefore at least once, and every try names the same event id (`OutboxEvent.stable_id`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from civicshare.db.engine import tenant_connection
from civicshare.notifications.deliveries import Delivery, Outcome, fan_out, next_due, record_outcomes, take_due
from civicshare.notifications.events import BatchSubscriber, EventSubscriber, GiveUp
from civicshare.notifications.retries import RetryPolicy
from civicshare.observability.logs import tenant_slug_var
from civicshare.tenancy.context import TenantContext

logger = logging.getLogger(__name__)
ERROR_TEXT_LIMIT = 2000


@dataclass(frozen=True)
class DispatchSettings:
    """`batch` deliveries taken in hand at most, `at_once` of them called at the same time, each given
    `timeout_seconds`; all of them within `lease_seconds` (a round takes no more than fit in it)."""

    policy: RetryPolicy
    batch: int = 200
    at_once: int = 16
    lease_seconds: float = 300
    timeout_seconds: float = 30

    @property
    def per_round(self) -> int:
        waves = max(1, int(self.lease_seconds * 0.8 // self.timeout_seconds))
        return max(1, min(self.batch, self.at_once * waves))

    @property
    def timeout(self) -> float:
        return min(self.timeout_seconds, self.lease_seconds * 0.8)


@dataclass(frozen=True)
class Dispatched:
    delivered: int
    failed: int
    next_due: datetime | None


class CallLimits:
    """At most `at_once` calls to each subscriber at the same time across every job of a worker (HTTP
    clients slow down sharply with hundreds of requests in flight, as with many councils at once)."""

    def __init__(self, at_once: int) -> None:
        self.at_once = at_once
        self._limits: dict[str, asyncio.Semaphore] = {}

    def of(self, subscriber: str) -> asyncio.Semaphore:
        found = self._limits.get(subscriber)
        if found is None:
            found = self._limits[subscriber] = asyncio.Semaphore(self.at_once)
        return found


async def dispatch_council(
    engine: AsyncEngine,
    tenant: TenantContext,
    subscribers: Sequence[EventSubscriber],
    settings: DispatchSettings,
    limits: CallLimits | None = None,
    on_backlog: Callable[[], Awaitable[None]] | None = None,
) -> Dispatched:
    """Deliver everything of this council that is due now; when the next delivery falls due.

    `on_backlog` is called once, after the first round that found a full round's worth due (more is
    probably waiting): the job queue then asks another job to work beside this one."""
    limits = limits or CallLimits(settings.at_once)
    by_name = {subscriber.name: subscriber for subscriber in subscribers}
    names = list(by_name)
    if not names:  # nothing to deliver to: the events wait (handed out, they would be lost to later ones)
        return Dispatched(0, 0, None)
    delivered = failed = 0
    token = tenant_slug_var.set(tenant.slug)
    try:
        while True:
            async with tenant_connection(engine, tenant) as connection:
                await fan_out(connection, names, settings.batch)
                due = await take_due(
                    connection, tenant, names, lease_seconds=settings.lease_seconds, limit=settings.per_round
                )
                if not due:  # the round that finds nothing left also says when the next falls due
                    return Dispatched(delivered, failed, await next_due(connection, names))
            if on_backlog is not None and len(due) >= settings.per_round:
                await on_backlog()
                on_backlog = None
            outcomes = await _deliver_all(due, by_name, settings, limits)
            async with tenant_connection(engine, tenant) as connection:
                await record_outcomes(connection, outcomes)
            delivered += sum(outcome.state == "delivered" for outcome in outcomes)
            failed += sum(outcome.state in ("retrying", "dead") for outcome in outcomes)
    finally:
        tenant_slug_var.reset(token)


async def _deliver_all(
    due: list[Delivery], by_name: dict[str, EventSubscriber], settings: DispatchSettings, limits: CallLimits
) -> list[Outcome]:
    # Every call must end within the lease, or another worker would take the delivery up again: one not
    # started in time is handed back untried.
    timeout = settings.timeout
    start_by = time.monotonic() + settings.lease_seconds * 0.9 - timeout

    async def deliver(delivery: Delivery) -> list[Outcome]:
        async with limits.of(delivery.subscriber):
            if time.monotonic() > start_by:
                return [Outcome(delivery.event.id, delivery.subscriber, delivery.attempts, "pending")]
            subscriber = by_name[delivery.subscriber]
            return [await _deliver(delivery, subscriber, settings.policy, timeout)]

    by_subscriber: dict[str, list[Delivery]] = {}
    for delivery in due:
        by_subscriber.setdefault(delivery.subscriber, []).append(delivery)
    calls = []
    for name, deliveries in by_subscriber.items():
        subscriber = by_name[name]
        if isinstance(subscriber, BatchSubscriber):
            calls.append(_deliver_together(deliveries, subscriber, settings))
        else:
            calls.extend(deliver(delivery) for delivery in deliveries)
    return [outcome for outcomes in await asyncio.gather(*calls) for outcome in outcomes]


async def _deliver_together(
    deliveries: list[Delivery], subscriber: BatchSubscriber, settings: DispatchSettings
) -> list[Outcome]:
    """One call for all of a round's deliveries to a batch subscriber, given the time the same number of
    single calls would have had (`at_once` at a time), within the lease."""
    waves = -(-len(deliveries) // settings.at_once)
    seconds = min(settings.timeout * waves, settings.lease_seconds * 0.8)
    try:
        # The subscriber ends its calls within `seconds` itself and records what it did; this bound is
        # only the safety net for one that does not (its work is then lost and tried again).
        async with asyncio.timeout(settings.lease_seconds * 0.85):
            failures: Mapping[int, Exception] = await subscriber.handle_all(
                [delivery.event for delivery in deliveries], seconds
            )
    except Exception as error:  # the whole call failed: every event is tried again (or given up on)
        failures = {delivery.event.id: error for delivery in deliveries}
    return [_outcome(delivery, failures.get(delivery.event.id), settings.policy) for delivery in deliveries]


async def _deliver(delivery: Delivery, subscriber: EventSubscriber, policy: RetryPolicy, seconds: float) -> Outcome:
    try:
        async with asyncio.timeout(seconds):
            await subscriber.handle(delivery.event)
    except Exception as error:  # any failure: try again later, as the subscriber contract says
        return _outcome(delivery, error, policy)
    return _outcome(delivery, None, policy)


def _outcome(delivery: Delivery, error: Exception | None, policy: RetryPolicy) -> Outcome:
    event = delivery.event
    if error is None:
        return Outcome(event.id, delivery.subscriber, delivery.attempts, "delivered")
    if isinstance(error, GiveUp):
        logger.warning(
            "event not deliverable",
            extra={"event": event.stable_id, "subscriber": delivery.subscriber, "problem": str(error)},
        )
        return _failed(delivery, "dead", 0.0, f"Given up: {_describe(error)}")
    wait = policy.delay_after(delivery.attempts)
    logger.info(
        "event delivery failed",
        extra={"event": event.stable_id, "subscriber": delivery.subscriber, "attempts": delivery.attempts},
    )
    if wait is None:
        return _failed(delivery, "dead", 0.0, f"Failed {delivery.attempts} times; last: {_describe(error)}")
    return _failed(delivery, "retrying", wait, _describe(error))


def _failed(delivery: Delivery, state: str, retry_in: float, error: str) -> Outcome:
    return Outcome(delivery.event.id, delivery.subscriber, delivery.attempts, state, retry_in, error[:ERROR_TEXT_LIMIT])


def _describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "no answer in time"
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
