"""Taking a payment for a transaction through the payment port, and confirming it when it is taken.

A paid transaction is only confirmed when its payment succeeds: it waits in `awaiting_payment` (its
workflow's first status) until `finish_payment` hears "success" from the provider, then moves on to
`submitted` (applications) or `paid` (payments). A declined or abandoned payment leaves the transaction
waiting, with `payment_status` and a history entry that say what happened; the resident may try again.
Either outcome writes a `payment.succeeded` or `payment.failed` outbox event in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from civicshare.db.engine import tenant_connection
from civicshare.modules import Workflow
from civicshare.notifications.events import EventKind
from civicshare.notifications.outbox import record_event
from civicshare.payments import PaymentProvider, PaymentStatus
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.service import find_by_reference
from civicshare.transactions.tables import transaction_events, transactions

PAYMENTS_ACTOR = "payments"
_CONFIRMED_STATUSES = ("paid", "submitted", "received")
_FAILED_STATUS = "payment_failed"
_PAYMENT_NOTES = {
    PaymentStatus.SUCCESS: "Payment received",
    PaymentStatus.DECLINED: "Payment declined: no money was taken",
    PaymentStatus.ABANDONED: "Payment not finished: no money was taken",
    PaymentStatus.ERROR: "Payment could not be taken: no money was taken",
}


class NoPaymentDue(Exception):
    """The transaction has nothing to pay, or it has been paid already."""


class TransactionNotFound(LookupError):
    pass


@dataclass(frozen=True)
class PaymentStart:
    reference: str
    payment_id: str
    next_url: str
    amount_pence: int


@dataclass(frozen=True)
class PaymentOutcome:
    reference: str
    payment_status: str
    status: str
    confirmed: bool


def confirmed_status(workflow: Workflow) -> str:
    """Where a paid transaction goes once the money is taken: `paid`, else `submitted`."""
    allowed = workflow.allowed_from(workflow.initial) if workflow.initial in workflow.states else frozenset()
    for status in _CONFIRMED_STATUSES:
        if status in allowed:
            return status
    return workflow.initial


async def _move(
    connection: AsyncConnection,
    row: dict[str, Any],
    to_status: str,
    note: str,
    values: dict[str, Any],
    event: EventKind | None = None,
) -> None:
    await connection.execute(
        update(transactions)
        .where(transactions.c.id == row["id"])
        .values(status=to_status, updated_at=func.now(), **values)
    )
    await connection.execute(
        insert(transaction_events).values(
            transaction_id=row["id"],
            from_status=row["status"],
            to_status=to_status,
            actor=PAYMENTS_ACTOR,
            note=note,
            note_public=True,
        )
    )
    if event is not None:
        data = {
            "from_status": row["status"],
            "to_status": to_status,
            "amount_pence": row["fee_pence"],
            "payment_id": row["payment_id"],
            "payment_status": values.get("payment_status"),
            "reason": note,
        }
        await record_event(
            connection,
            kind=event,
            transaction_id=row["id"],
            reference=row["reference"],
            service=row["service"],
            data=data,
        )


def _started(row: dict[str, Any]) -> PaymentStart | None:
    """The payment already started and not finished, if any; NoPaymentDue if nothing is owed."""
    if not row["fee_pence"] or row["payment_status"] == PaymentStatus.SUCCESS.value:
        raise NoPaymentDue(row["reference"])
    if row["payment_status"] == PaymentStatus.CREATED.value and row["payment_id"] and row["payment_next_url"]:
        return PaymentStart(row["reference"], row["payment_id"], row["payment_next_url"], row["fee_pence"])
    return None


async def _read(engine: AsyncEngine, tenant: TenantContext, reference: str) -> dict[str, Any]:
    async with tenant_connection(engine, tenant) as connection:
        row = await find_by_reference(connection, reference)
    if row is None:
        raise TransactionNotFound(reference)
    return row


async def _locked(connection: AsyncConnection, reference: str) -> dict[str, Any]:
    row = await find_by_reference(connection, reference, for_update=True)
    if row is None:
        raise TransactionNotFound(reference)
    return row


async def start_payment(
    engine: AsyncEngine,
    tenant: TenantContext,
    reference: str,
    provider: PaymentProvider,
    return_url: str,
    *,
    description: str,
    workflow: Workflow | None = None,
) -> PaymentStart:
    """Create a payment with the provider for what the transaction owes; send the resident to `next_url`.

    A payment already started and not finished is returned again rather than made twice. No database
    connection is held while the provider is asked: if a retry racing this one recorded its payment
    first, that payment is the one returned (ours is never used, and the provider lets it expire).
    """
    row = await _read(engine, tenant, reference)
    started = _started(row)
    if started is not None:
        return started
    session = await provider.create_payment(row["fee_pence"], row["reference"], description, return_url)
    async with tenant_connection(engine, tenant) as connection:
        row = await _locked(connection, reference)
        started = _started(row)
        if started is not None:
            return started
        values = {
            "payment_status": PaymentStatus.CREATED.value,
            "payment_id": session.id,
            "payment_next_url": session.next_url,
        }
        if (
            workflow is not None
            and row["status"] == _FAILED_STATUS
            and workflow.initial in workflow.allowed_from(_FAILED_STATUS)
        ):
            await _move(connection, row, workflow.initial, "Trying the payment again", values)
        else:
            await connection.execute(
                update(transactions).where(transactions.c.id == row["id"]).values(updated_at=func.now(), **values)
            )
    return PaymentStart(row["reference"], session.id, session.next_url, row["fee_pence"])


def _waiting_for(row: dict[str, Any]) -> str | None:
    """The provider's id of the payment this transaction waits to hear about, if it waits for one."""
    if row["payment_id"] is None or row["payment_status"] != PaymentStatus.CREATED.value:
        return None
    return str(row["payment_id"])


def _as_it_is(row: dict[str, Any]) -> PaymentOutcome:
    paid = row["payment_status"] == PaymentStatus.SUCCESS.value
    return PaymentOutcome(row["reference"], row["payment_status"] or "none", row["status"], paid)


async def finish_payment(
    engine: AsyncEngine,
    tenant: TenantContext,
    reference: str,
    provider: PaymentProvider,
    workflow: Workflow,
) -> PaymentOutcome:
    """Ask the provider how the payment went and record it; safe to call again (the return URL is reloaded,
    and `reconcile_payments` asks about payments nobody came back from).

    The provider is asked with no database connection held; the answer is recorded only if the
    transaction still waits for that same payment (a concurrent return may have recorded it first).
    """
    row = await _read(engine, tenant, reference)
    payment_id = _waiting_for(row)
    if payment_id is None:
        return _as_it_is(row)
    status = await provider.get_status(payment_id)
    if status is PaymentStatus.CREATED:
        return PaymentOutcome(row["reference"], status.value, row["status"], False)
    async with tenant_connection(engine, tenant) as connection:
        row = await _locked(connection, reference)
        if _waiting_for(row) != payment_id:
            return _as_it_is(row)
        return await _record(connection, row, status, workflow)


async def _record(
    connection: AsyncConnection, row: dict[str, Any], status: PaymentStatus, workflow: Workflow
) -> PaymentOutcome:
    values: dict[str, Any] = {"payment_status": status.value, "payment_next_url": None}
    note = _PAYMENT_NOTES[status]
    if status is PaymentStatus.SUCCESS:
        target = confirmed_status(workflow) if row["status"] == workflow.initial else row["status"]
        if target != row["status"]:
            change = workflow.transition(row["status"], target, actor=PAYMENTS_ACTOR, reason=note)
            if change.closes:
                values |= {
                    "decided_by": PAYMENTS_ACTOR,
                    "decision_reason": note,
                    "decision_public": True,
                    "closed_at": func.now(),
                }
    elif row["status"] in workflow.states and _FAILED_STATUS in workflow.allowed_from(row["status"]):
        target = _FAILED_STATUS
    else:
        target = row["status"]  # still waiting for payment; the history says why
    event = EventKind.PAYMENT_SUCCEEDED if status is PaymentStatus.SUCCESS else EventKind.PAYMENT_FAILED
    await _move(connection, row, target, note, values, event)
    return PaymentOutcome(row["reference"], status.value, target, status is PaymentStatus.SUCCESS)
