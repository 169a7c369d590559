"""A resident tracking a request by its reference and email: one statement, straight on the driver.

Tracking is, after the pages, what residents ask for most. Read with a routed connection it took a
transaction and three statements (the request, its history, the council's public updates), each
prepared and run in two round trips through the pooler. Here the request comes with its history and
updates gathered into arrays, in one statement run on its own (`civicshare.db.driver`), and shown
exactly as `tracked_view` shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, func, select, true
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncEngine

from civicshare.db.driver import CouncilStatement
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.references import normalise_reference
from civicshare.transactions.tables import public_updates, transaction_events, transactions


def _in_order(column: Any, by: Any) -> Any:
    return func.array_agg(aggregate_order_by(column, by))


_events = transaction_events.c
_history = (
    select(
        _in_order(_events.to_status, _events.id).label("statuses"),
        _in_order(_events.created_at, _events.id).label("times"),
        _in_order(_events.note, _events.id).label("notes"),
        _in_order(_events.note_public, _events.id).label("notes_public"),
    )
    .where(_events.transaction_id == transactions.c.id)
    .lateral("history")
)
_updates = (
    select(
        _in_order(public_updates.c.body, public_updates.c.id).label("bodies"),
        _in_order(public_updates.c.created_at, public_updates.c.id).label("times"),
    )
    .where(public_updates.c.transaction_id == transactions.c.id)
    .lateral("updates")
)
# What `tracked_view` reads of the request, with its history and updates.
TRACKED = (
    select(
        transactions.c.id,
        transactions.c.reference,
        transactions.c.service,
        transactions.c.status,
        transactions.c.channel,
        transactions.c.created_at,
        transactions.c.due_on,
        transactions.c.decided_by,
        transactions.c.decision_reason,
        transactions.c.decision_public,
        transactions.c.payment_status,
        transactions.c.fee_pence,
        transactions.c.derived,
        _history.c.statuses.label("history_statuses"),
        _history.c.times.label("history_times"),
        _history.c.notes.label("history_notes"),
        _history.c.notes_public.label("history_notes_public"),
        _updates.c.bodies.label("update_bodies"),
        _updates.c.times.label("update_times"),
    )
    .select_from(transactions.join(_history, true()).join(_updates, true()))
    .where(
        transactions.c.reference == bindparam("reference", type_=String),
        func.lower(transactions.c.contact_email) == bindparam("email", type_=String),
    )
)
_TRACKED_ON_DRIVER = CouncilStatement(TRACKED, kept_as_function=True)


@dataclass(frozen=True)
class TrackedRequest:
    row: dict[str, Any]  # the columns `tracked_view` reads
    history: list[dict[str, Any]]  # as `status_history` gives it, oldest first
    updates: list[tuple[str, datetime]]  # the council's public updates (text, when), oldest first


async def find_tracked(engine: AsyncEngine, tenant: TenantContext, reference: str, email: str) -> TrackedRequest | None:
    """The request with this reference AND the email given with it; None if none matches."""
    parameters = {"reference": normalise_reference(reference), "email": email.strip().lower()}
    row = await _TRACKED_ON_DRIVER.fetch_one(engine, tenant.schema, parameters)
    if row is None:
        return None
    history = [
        {"to_status": status, "created_at": at, "note": note, "note_public": public}
        for status, at, note, public in zip(
            row.pop("history_statuses") or (),
            row.pop("history_times") or (),
            row.pop("history_notes") or (),
            row.pop("history_notes_public") or (),
            strict=True,
        )
    ]
    updates = list(zip(row.pop("update_bodies") or (), row.pop("update_times") or (), strict=True))
    return TrackedRequest(row, history, updates)
