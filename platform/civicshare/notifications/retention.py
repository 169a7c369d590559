"""How long a council's outbox keeps what it has done: an event every subscriber has received is
forgotten after a while; one still owed to anyone (retrying or dead) stays, with its deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, bindparam, delete, exists, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.notifications.tables import event_deliveries, outbox_events

BATCH = 5_000


async def forget_delivered_events(connection: AsyncConnection, before: datetime) -> int:
    """Remove events that occurred before `before` and reached every subscriber; returns how many."""
    still_owed = exists().where(
        event_deliveries.c.event_id == outbox_events.c.id, event_deliveries.c.state != "delivered"
    )
    done = (
        select(outbox_events.c.id)
        .where(outbox_events.c.occurred_at < before, outbox_events.c.fanned_out_at.is_not(None), ~still_owed)
        .limit(BATCH)
        .scalar_subquery()
    )
    forget_events = delete(outbox_events).where(outbox_events.c.id.in_(done)).returning(outbox_events.c.id)
    forget_deliveries = delete(event_deliveries).where(
        event_deliveries.c.event_id == func.any(bindparam("ids", type_=ARRAY(BigInteger)))
    )
    forgotten = 0
    while True:
        ids = list((await connection.execute(forget_events)).scalars())
        if ids:
            await connection.execute(forget_deliveries, {"ids": ids})
        forgotten += len(ids)
        if len(ids) < BATCH:
            return forgotten
