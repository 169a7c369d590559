"""What the council tells a resident about their request beyond its status: public updates (the resident
reads them when tracking it), and the reference a connected system keeps the request under.

`add_public_update` is the one way a public update is written; whoever must hear of one (the resident,
by email; webhooks) is told from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.transactions.payments import TransactionNotFound
from civicshare.transactions.service import find_by_reference
from civicshare.transactions.tables import public_updates, transactions

PUBLIC_UPDATE_MAX_LENGTH = 2000
EXTERNAL_REFERENCE_MAX_LENGTH = 100


@dataclass(frozen=True)
class PublicUpdate:
    id: int
    body: str
    author: str
    at: datetime


async def add_public_update(connection: AsyncConnection, reference: str, body: str, author: str) -> PublicUpdate:
    """Tell the resident something about their request; it counts as a change of the request (its
    `updated_at`). Raises TransactionNotFound."""
    row = await find_by_reference(connection, reference, for_update=True)
    if row is None:
        raise TransactionNotFound(reference)
    added = (
        await connection.execute(
            insert(public_updates)
            .values(transaction_id=row["id"], body=body, author=author)
            .returning(public_updates.c.id, public_updates.c.created_at)
        )
    ).one()
    await connection.execute(update(transactions).where(transactions.c.id == row["id"]).values(updated_at=func.now()))
    return PublicUpdate(added.id, body, author, added.created_at)


async def public_updates_of(connection: AsyncConnection, transaction_id: int) -> list[PublicUpdate]:
    rows = await connection.execute(
        select(public_updates).where(public_updates.c.transaction_id == transaction_id).order_by(public_updates.c.id)
    )
    return [PublicUpdate(row.id, row.body, row.author, row.created_at) for row in rows]


async def set_external_reference(
    connection: AsyncConnection, transaction_id: int, external_reference: str, system: str
) -> None:
    """Record the reference a connected system keeps this request under (staff see it)."""
    await connection.execute(
        update(transactions)
        .where(transactions.c.id == transaction_id)
        .values(external_reference=external_reference, external_system=system, updated_at=func.now())
    )
