"""Writing events into a council's outbox, in the transaction of the change they tell of.

`record_event` is for any writer holding a routed tenant connection (status changes, payments, public
updates, transfers). The submission statement writes its events itself, as one more part of its one
statement (`submitted_events`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.selectable import CTE

from civicshare.notifications.events import EventKind
from civicshare.notifications.tables import outbox_events


async def record_event(
    connection: AsyncConnection,
    *,
    kind: EventKind | str,
    transaction_id: int | None,
    reference: str,
    service: str,
    data: dict[str, Any] | None = None,
) -> int:
    """Write one event in the council's outbox inside the caller's transaction; its id.

    The connection must be routed to the council (`tenant_connection`); the event commits or rolls back
    with the change, and the job workers are woken when it commits.
    """
    statement = (
        insert(outbox_events)
        .values(
            kind=EventKind(kind).value,  # an unknown kind is refused (ValueError), never stored
            transaction_id=transaction_id,
            reference=reference,
            service=service,
            data=data or {},
        )
        .returning(outbox_events.c.id)
    )
    return int((await connection.execute(statement)).scalar_one())


def submitted_events(created: CTE) -> CTE:
    """The part of the submission statement that writes a `request.submitted` event for each transaction
    it creates (`created`: its CTE returning the new rows)."""
    return (
        insert(outbox_events)
        .from_select(
            ["kind", "transaction_id", "reference", "service", "data"],
            select(
                literal(EventKind.SUBMITTED.value, String),
                created.c.id,
                created.c.reference,
                created.c.service,
                func.jsonb_build_object(
                    "status",
                    created.c.status,
                    "channel",
                    created.c.channel,
                    "module",
                    cast(created.c.module, String),
                ),
            ).select_from(created),
        )
        .cte("submitted_event")
    )
