"""Casework changes: assigning a request, adding an internal note, and the audit entry each one writes.

Every function takes a routed tenant connection inside the caller's transaction, so a change and its
audit entry commit or roll back together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.casework.tables import staff_actions
from civicshare.modules import Workflow
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


async def assign_team(
    connection: AsyncConnection,
    transaction_id: int,
    reference: str,
    officer: Officer,
    team_id: int | None,
    team_name: str | None,
) -> None:
    """Give the request to one of the council's teams, or to none."""
    await connection.execute(
        update(transactions).where(transactions.c.id == transaction_id).values(assigned_team_id=team_id)
    )
    await record_action(connection, officer, "assigned", reference, team=team_name)


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


NEARBY_DEGREES_LATITUDE = 0.0005  # about 55 m
NEARBY_DEGREES_LONGITUDE = 0.0008  # about 55 m at British latitudes


async def related_requests(
    connection: AsyncConnection, row: dict[str, Any], *, limit: int = 10
) -> list[dict[str, Any]]:
    """Other requests from the same email address, on the same street (USRN) or within about 50 metres,
    newest first: what an officer checks before fixing the same pothole twice."""
    alike = []
    if row.get("contact_email"):
        alike.append(func.lower(transactions.c.contact_email) == str(row["contact_email"]).lower())
    if row.get("usrn"):
        alike.append(transactions.c.usrn == row["usrn"])
    if row.get("latitude") is not None and row.get("longitude") is not None:
        latitude, longitude = row["latitude"], row["longitude"]
        alike.append(
            and_(
                transactions.c.latitude.between(
                    latitude - Decimal(str(NEARBY_DEGREES_LATITUDE)), latitude + Decimal(str(NEARBY_DEGREES_LATITUDE))
                ),
                transactions.c.longitude.between(
                    longitude - Decimal(str(NEARBY_DEGREES_LONGITUDE)),
                    longitude + Decimal(str(NEARBY_DEGREES_LONGITUDE)),
                ),
            )
        )
    if not alike:
        return []
    rows = await connection.execute(
        select(transactions)
        .where(or_(*alike), transactions.c.id != row["id"])
        .order_by(transactions.c.created_at.desc())
        .limit(limit)
    )
    return [dict(found) for found in rows.mappings()]


def duplicate_closing_status(workflow: Workflow, current: str) -> str | None:
    """The status a duplicate closes with: its workflow's turning-down status where it has one (a pothole
    "closed without action"), else the first closing status it may move to; None if it cannot close now."""
    if current not in workflow.states:
        return None
    closing = [
        status for status in workflow.states if status in workflow.closing and status in workflow.allowed_from(current)
    ]
    rejecting = [status for status in closing if status in workflow.rejecting]
    found = rejecting or closing
    return found[0] if found else None


def duplicate_reason(original: str) -> str:
    return f"This is the same as request {original}, which we are dealing with. Track that request for updates."


async def mark_duplicate(
    connection: AsyncConnection, officer: Officer, transaction_id: int, reference: str, original: str
) -> None:
    """Record which request this one repeats (its status was closed by the caller, in the same transaction)."""
    await connection.execute(
        update(transactions).where(transactions.c.id == transaction_id).values(duplicate_of=original)
    )
    await record_action(connection, officer, "duplicate", reference, of=original)
