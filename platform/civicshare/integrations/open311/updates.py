"""Service request updates as FixMyStreet and mySociety's Open311 servers exchange them
(`servicerequestupdates`), mapped onto a request's history and workflow.

- GET: each staff move of a request's status is one update (`update_id` = its history event's id), with
  mySociety's statuses (open, in_progress, fixed, no_further_action, closed), the platform's own status
  as `external_status_code`, and the move's reason, read through `public_reason`, as `description`; each
  public update staff wrote to the resident is one too (`public-<id>`), with the status at that moment.
- POST: a client's update is the resident's comment (an internal note staff read with the request, with
  the name, email, phone and photo the client sent) and, when its status is CLOSED (or FIXED) and the
  request is open, the request closed through its workflow by the client (its `update_id` is then that
  move's event, so the client does not read its own close back as new). A closed request cannot be
  reopened from a client: the comment is kept for staff. The client's own `update_id` makes a repeat
  answer the same update id and change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from civicshare.casework.service import Officer, add_note
from civicshare.catalogue.service import CouncilOfferings
from civicshare.integrations.open311.service import DESCRIPTION_MOST, MOST_LISTED, Open311Error, w3c
from civicshare.modules import ModuleRegistry, Workflow, WorkflowError
from civicshare.systems.open311_keys import Open311Client
from civicshare.systems.tables import open311_client_updates
from civicshare.tenancy.context import TenantContext
from civicshare.transactions.service import find_by_reference
from civicshare.transactions.status import change_status
from civicshare.transactions.tables import public_updates, transaction_events, transaction_notes, transactions

CLOSING = {"closed", "fixed"}
# mySociety's statuses a client may send; those not closing the request are kept as a comment.
KNOWN_STATUSES = CLOSING | {
    "open",
    "in_progress",
    "action_scheduled",
    "investigating",
    "duplicate",
    "not_councils_responsibility",
    "no_further_action",
    "internal_referral",
    "reopen",
    "planned",
}


def public_reason(event: Mapping[str, Any]) -> str:
    """What a client may show the public about a status move: its reason, only when staff chose to show it
    to the resident (an internal note stays internal)."""
    return str(event["note"] or "") if event.get("note_public") else ""


def update_status(workflow: Workflow, status: str) -> str:
    """A platform status in mySociety's words (which FixMyStreet maps to its own states)."""
    if status in workflow.rejecting:
        return "no_further_action"
    if status in workflow.closing:
        return "closed" if status == "withdrawn" else "fixed"
    return "open" if status == workflow.initial else "in_progress"


def _status_then(moment: ColumnElement[Any]) -> Any:
    """The request's status at `moment`: that of its last history event by then."""
    return (
        select(transaction_events.c.to_status)
        .where(transaction_events.c.transaction_id == public_updates.c.transaction_id)
        .where(transaction_events.c.created_at <= moment)
        .order_by(transaction_events.c.created_at.desc(), transaction_events.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


async def status_updates(
    connection: AsyncConnection, registry: ModuleRegistry, services: tuple[str, ...], start: Any, end: Any
) -> list[dict[str, Any]]:
    """Staff's moves of the council's Open311 requests, and their public updates, between `start` and
    `end`, oldest first, at most MOST_LISTED."""
    moves = await connection.execute(
        select(
            transaction_events.c.id,
            transaction_events.c.to_status,
            transaction_events.c.note,
            transaction_events.c.note_public,
            transaction_events.c.created_at,
            transactions.c.reference,
            transactions.c.service,
        )
        .join(transactions, transactions.c.id == transaction_events.c.transaction_id)
        .where(
            transaction_events.c.from_status.is_not(None),
            transactions.c.service.in_(services),
            transaction_events.c.created_at >= start,
            transaction_events.c.created_at <= end,
        )
        .order_by(transaction_events.c.created_at, transaction_events.c.id)
        .limit(MOST_LISTED)
    )
    told = await connection.execute(
        select(
            public_updates.c.id,
            _status_then(public_updates.c.created_at).label("status"),
            public_updates.c.body,
            public_updates.c.created_at,
            transactions.c.status.label("current_status"),
            transactions.c.reference,
            transactions.c.service,
        )
        .join(transactions, transactions.c.id == public_updates.c.transaction_id)
        .where(
            transactions.c.service.in_(services),
            public_updates.c.created_at >= start,
            public_updates.c.created_at <= end,
        )
        .order_by(public_updates.c.created_at, public_updates.c.id)
        .limit(MOST_LISTED)
    )
    found: list[tuple[Any, str, str, Any, str, str]] = [
        (row.created_at, str(row.id), row.to_status, row.reference, row.service, public_reason(dict(row._mapping)))
        for row in moves
    ]
    found += [
        (row.created_at, f"public-{row.id}", row.status or row.current_status, row.reference, row.service, row.body)
        for row in told
    ]
    found.sort(key=lambda update: (update[0], update[1]))
    updates = []
    for at, update_id, status, reference, service_code, description in found[:MOST_LISTED]:
        _, service = registry.service(service_code)
        updates.append(
            {
                "update_id": update_id,
                "service_request_id": reference,
                "status": update_status(service.workflow, status),
                "updated_datetime": w3c(at),
                "description": description,
                "media_url": None,
                "external_status_code": status,
            }
        )
    return updates


def closing_target(workflow: Workflow, current: str) -> str | None:
    """Where a resident's "it is done" takes a request from `current`: the workflow's non-rejecting
    closing move ("resolved" for a report, "withdrawn" for an application); None if there is none."""
    allowed = (workflow.allowed_from(current) & workflow.closing) - workflow.rejecting
    for preferred in ("resolved", "withdrawn"):
        if preferred in allowed:
            return preferred
    return next(iter(allowed)) if len(allowed) == 1 else None


def _text(params: Mapping[str, Any], name: str, most: int) -> str:
    value = params.get(name)
    return str(value).strip()[:most] if value not in (None, "") else ""


def _comment(client: Open311Client, params: Mapping[str, Any], description: str) -> tuple[Officer, str]:
    name = " ".join(part for part in (_text(params, "first_name", 100), _text(params, "last_name", 100)) if part)
    author = Officer(client.actor.subject, f"{name or 'A resident'} via {client.name} (Open311)")
    lines = [description or "(no comment)"]
    for label, parameter, most in (("Email", "email", 254), ("Phone", "phone", 40), ("Photo", "media_url", 2000)):
        if value := _text(params, parameter, most):
            lines.append(f"{label}: {value}")
    return author, "\n".join(lines)


async def post_update(
    connection: AsyncConnection,
    tenant: TenantContext,
    client: Open311Client,
    params: Mapping[str, Any],
    *,
    registry: ModuleRegistry,
    offerings: CouncilOfferings,
    services: tuple[str, ...],
) -> str:
    """Record a client's update of one of the council's Open311 requests; its update id."""
    reference = _text(params, "service_request_id", 40)
    if not reference:
        raise Open311Error(400, ["service_request_id: give the id of the service request to update"])
    status = _text(params, "status", 40).lower()
    if status not in KNOWN_STATUSES:
        raise Open311Error(400, ["status: give OPEN or CLOSED"])
    description = str(params.get("description") or "").strip()
    if len(description) > DESCRIPTION_MOST:
        raise Open311Error(400, [f"description: write {DESCRIPTION_MOST:,} characters or fewer"])
    client_update_id = _text(params, "update_id", 64)
    if client_update_id:
        earlier = await connection.scalar(
            select(open311_client_updates.c.update_id).where(
                open311_client_updates.c.client_id == client.id,
                open311_client_updates.c.client_update_id == client_update_id,
            )
        )
        if earlier is not None:
            return str(earlier)
    row = await find_by_reference(connection, reference, for_update=True)
    if row is None or row["service"] not in services:
        raise Open311Error(404, [f"No service request {reference!r} at this council"])
    _, service = registry.service(row["service"])
    closes = status in CLOSING and row["status"] not in service.workflow.closing
    if not closes and not description:
        raise Open311Error(400, ["description: give the resident's update"])
    update_id: str
    if closes:
        target = closing_target(service.workflow, row["status"])
        if target is None:
            raise Open311Error(400, [f"status: {reference} cannot be closed from an app; contact the council"])
        reason = description or f"Closed by the resident through {client.name}"
        try:
            # The resident's own words (or the platform's), which the app shows publicly anyway.
            await change_status(
                connection, tenant, reference, target, client.actor.subject, reason[:DESCRIPTION_MOST],
                registry=registry, offerings=offerings, reason_public=True,
            )  # fmt: skip
        except WorkflowError as refused:
            raise Open311Error(400, [f"status: {refused}"]) from None
        event_id = await connection.scalar(
            select(transaction_events.c.id)
            .where(transaction_events.c.transaction_id == row["id"])
            .order_by(transaction_events.c.id.desc())
            .limit(1)
        )
        update_id = str(event_id)
    if description or not closes:
        author, body = _comment(client, params, description)
        await add_note(connection, row["id"], row["reference"], author, body)
        if not closes:
            note_id = await connection.scalar(
                select(transaction_notes.c.id)
                .where(transaction_notes.c.transaction_id == row["id"])
                .order_by(transaction_notes.c.id.desc())
                .limit(1)
            )
            update_id = f"note-{note_id}"
    if client_update_id:
        await connection.execute(
            insert(open311_client_updates)
            .values(client_id=client.id, client_update_id=client_update_id, update_id=update_id)
            .on_conflict_do_nothing()
        )
    return update_id
