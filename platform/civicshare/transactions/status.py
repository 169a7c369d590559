"""Staff move a transaction through its service's workflow; closing or rejecting records who and why.

`change_status` is the one way a status changes after submission (besides payments): it checks the
move with the module's Workflow, writes the history event, and for a closing or rejecting status stores
`decided_by` and `decision_reason`. The reason is an internal note unless the officer chooses to show it
(`reason_public`): only then does the resident read it when tracking, in Open311 and in their email. It
also writes the `request.status_changed` outbox event in the same transaction (`reason` for the council's
own systems, `public_reason` for the resident).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.catalogue.service import CouncilOfferings
from civicshare.modules import ModuleRegistry, StatusChange, Workflow
from civicshare.modules.working_days import UK_TIME, add_working_days, uk_today, working_days_between
from civicshare.notifications.events import EventKind
from civicshare.notifications.outbox import record_event
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.payments import TransactionNotFound
from civicshare.transactions.service import find_by_reference
from civicshare.transactions.tables import transaction_events, transactions


@dataclass(frozen=True)
class StatusChanged:
    reference: str
    service: str
    change: StatusChange


async def change_status(
    connection: AsyncConnection,
    tenant: TenantContext,
    reference: str,
    to: str,
    actor: str,
    reason: str | None = None,
    *,
    reason_public: bool = False,
    registry: ModuleRegistry,
    offerings: CouncilOfferings | None = None,
    event_data: Mapping[str, Any] | None = None,
) -> StatusChanged:
    """Move a transaction to `to`. Raises TransactionNotFound, UnknownService (its module is not
    installed) or a WorkflowError whose message is fit to show to staff.

    `offerings` (the council's) gives the status's label in the council's words for the event; without
    it the module's own label is used. `event_data` is added to the event's data (why it happened)."""
    row = await find_by_reference(connection, reference, for_update=True)
    if row is None:
        raise TransactionNotFound(reference)
    _, service = registry.service(row["service"])
    change = service.workflow.transition(row["status"], to, actor=actor, reason=reason)
    values: dict[str, object] = {"status": change.to_status, "updated_at": func.now()}
    if change.closes:
        values |= {
            "decided_by": change.actor,
            "decision_reason": change.reason,
            "decision_public": reason_public,
            "closed_at": func.now(),
        }
    values |= sla_clock_values(service.workflow, row, change)
    await connection.execute(update(transactions).where(transactions.c.id == row["id"]).values(**values))
    await connection.execute(
        insert(transaction_events).values(
            transaction_id=row["id"],
            from_status=change.from_status,
            to_status=change.to_status,
            actor=change.actor,
            note=change.reason,
            note_public=reason_public,
        )
    )
    offering = offerings.offering(row["service"]) if offerings is not None else None
    label = offering.status_label(change.to_status) if offering else service.workflow.label(change.to_status)
    await record_event(
        connection,
        kind=EventKind.STATUS_CHANGED,
        transaction_id=row["id"],
        reference=row["reference"],
        service=row["service"],
        data={
            "from_status": change.from_status,
            "to_status": change.to_status,
            "status_label": label,
            "reason": change.reason,
            "public_reason": change.reason if reason_public else None,
            **(event_data or {}),
        },
    )
    return StatusChanged(row["reference"], row["service"], change)


def sla_clock_values(workflow: Workflow, row: dict[str, Any], change: StatusChange) -> dict[str, Any]:
    """Stop the service level clock on entering a status the workflow pauses in; on leaving it, start
    the clock again with the deadline moved on by the working days the request waited."""
    paused_since: datetime | None = row["sla_paused_at"]
    if change.to_status in workflow.paused:
        return {} if paused_since is not None else {"sla_paused_at": func.now()}
    if paused_since is None:
        return {}
    values: dict[str, Any] = {"sla_paused_at": None}
    if row["due_on"] is not None and not change.closes:
        waited = working_days_between(paused_since.astimezone(UK_TIME).date(), uk_today())
        values["due_on"] = add_working_days(row["due_on"], max(0, waited))
    return values
