"""How long a council's webhook log is kept: attempts, and deliveries that arrived, are forgotten after
a while; a delivery still owed stays (with its body, so a redelivery sends the same bytes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.notifications.webhooks.tables import webhook_attempts, webhook_deliveries


async def forget_old_webhook_log(connection: AsyncConnection, before: datetime) -> int:
    """Remove attempts made before `before` and deliveries that arrived before it; returns how many rows."""
    attempts = await connection.execute(delete(webhook_attempts).where(webhook_attempts.c.attempted_at < before))
    delivered = await connection.execute(
        delete(webhook_deliveries).where(
            webhook_deliveries.c.delivered_at.is_not(None), webhook_deliveries.c.delivered_at < before
        )
    )
    return attempts.rowcount + delivered.rowcount
