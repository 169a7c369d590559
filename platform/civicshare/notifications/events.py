"""The events a resident or a council system must hear about, as they are read back from a council's outbox.

An event is written in the council's own schema in the same database transaction as the change it
tells of, so it exists exactly when the change does. Its id is stable: every delivery of it (each email,
each webhook attempt) names the same event, and receivers de-duplicate on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable


class EventKind(StrEnum):
    SUBMITTED = "request.submitted"
    STATUS_CHANGED = "request.status_changed"
    PUBLIC_UPDATE = "request.updated"
    TRANSFERRED = "request.transferred"
    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_FAILED = "payment.failed"


@dataclass(frozen=True)
class OutboxEvent:
    """One event of one council. `data` holds what a receiver needs without reading the request again:
    for a status change `from_status`, `to_status`, `status_label` (in the council's words) and `reason`;
    for a public update its `text`; for a transfer the receiving council's slug."""

    id: int
    council: str  # the council's slug: every job that handles the event enters that council's scope
    kind: EventKind
    reference: str
    service: str
    occurred_at: datetime
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def stable_id(self) -> str:
        """The id every delivery carries (the webhook-id header, the email's reference to it)."""
        return f"evt_{self.council}_{self.id}"


class EventSubscriber(Protocol):
    """Something that acts on a council's events (email to the resident, webhooks to council systems).

    The job queue calls `handle` once per event and subscriber, inside that event's council scope, and
    outside any database transaction. Raising any exception means "try again later" (with backoff);
    `GiveUp` means the event can never be delivered by this subscriber (it is recorded, not retried).
    """

    name: str

    async def handle(self, event: OutboxEvent) -> None: ...


@runtime_checkable
class BatchSubscriber(Protocol):
    """A subscriber that does better with many events at once (one database round trip for all of them,
    its calls made side by side): the job queue hands it each round's events of one council together.

    `handle_all` must end within `within` seconds (what it could not try in time, it answers as failed),
    and answers, for each event that was not delivered, its exception keyed by the event's `id`
    (`GiveUp` or any other, as for `handle`); the events it leaves out were delivered. Raising fails
    every event of the call."""

    name: str

    async def handle(self, event: OutboxEvent) -> None: ...

    async def handle_all(self, events: Sequence[OutboxEvent], within: float) -> Mapping[int, Exception]: ...


class GiveUp(Exception):
    """A delivery that no retry can make succeed (an address refused for good, a template missing)."""
