"""Casework changes: assigning a request, adding an internal note, and the audit entry each one writes.

Every function takes a routed tenant connection inside the caller's transaction, so a change and its
audit entry commit or roll back together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.casework.tables import staff_actions
from civicshare.transactions.tables import transaction_notes, transactions

NOTE_MAX_LENGTH = 4000


@dataclass(frozen=True)
class Officer:
    """A member of staff as casework records them."""

    subject: str
    name: str


@dataclass(frozen=True)
class AuditEntry:
    actor_name: str
    action: str
    reference: str | None
    detail: dict[str, Any]
    at: datetime


async def record_action(
    connection: AsyncConnection,
    officer: Officer,
    action: str,
    reference: str | None = None,
    **detail: Any,
) -> None:
    await connection.execute(
        insert(staff_actions).values(
            actor_subject=officer.subject, actor_name=officer.name, action=action, reference=reference, detail=detail
        )
    )


async def assign(
    connection: AsyncConnection, transaction_id: int, reference: str, officer: Officer, assignee: Officer | None
) -> None:
    """Give the request to `assignee`, or to nobody."""
    await connection.execute(
        update(transactions)
        .where(transactions.c.id == transaction_id)
        .values(
            assignee_subject=assignee.subject if assignee else None,
            assignee_name=assignee.name if assignee else None,
        )
    )
    await record_action(connection, officer, "assigned", reference, to=assignee.name if assignee else None)


async def add_note(
    connection: AsyncConnection, transaction_id: int, reference: str, officer: Officer, body: str
) -> None:
    """An internal note: staff read it in the request's history; the resident never sees it."""
    await connection.execute(
        insert(transaction_notes).values(
            transaction_id=transaction_id, author_subject=officer.subject, author_name=officer.name, body=body
        )
    )
    await record_action(connection, officer, "noted", reference)


async def notes_of(connection: AsyncConnection, transaction_id: int) -> list[dict[str, Any]]:
    rows = await connection.execute(
        select(transaction_notes)
        .where(transaction_notes.c.transaction_id == transaction_id)
        .order_by(transaction_notes.c.id)
    )
    return [dict(row) for row in rows.mappings()]


async def recent_actions(
    connection: AsyncConnection, *, reference: str | None = None, limit: int = 100
) -> list[AuditEntry]:
    query = select(staff_actions).order_by(staff_actions.c.id.desc()).limit(limit)
    if reference is not None:
        query = query.where(staff_actions.c.reference == reference)
    rows = await connection.execute(query)
    return [AuditEntry(row.actor_name, row.action, row.reference, dict(row.detail or {}), row.at) for row in rows]
