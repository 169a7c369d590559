"""Requests changed since a time, page by page, for a connected system to keep up with.

Pages follow (updated_at, id). `updated_at` is the writing transaction's start time (`now()`), so a
change still being written when a page is read would, once committed, sort before rows already handed
out, and a cursor that moved past it would skip it. A page therefore only lists changes older than the
oldest transaction still running on the database (`pg_stat_activity.xact_start`): every change before
that horizon is committed, so a cursor never passes one that is not. A transaction running for longer
than HORIZON_MOST holds the horizon back no further than that. Only client backends count: autovacuum,
a replica's WAL sender and other server processes never write a request, and autovacuum working through
a large table would otherwise hold every feed back for as long as it runs.

The horizon is database-wide: one council's long transaction holds back every council's feed (by at most
HORIZON_MOST). A per-council horizon was built and left out. It needs each writer of a request to be
seen as one of its council's writers before it stamps `updated_at`: a trigger on `transactions` taking a
shared advisory lock of the council, then stamping the clock, with readers looking for that council's
lock holders in `pg_locks`. That is sound on one PostgreSQL, but `pg_locks` is local to a node: on Citus
with schema-based sharding (infra/citus) the writers' locks are on the node holding the council's schema,
not where the reader looks, so the feed could skip changes; and a trigger on a council's table is itself
a Citus breach. A commit-ordered sequence per council (a counter row updated by every change) would be
sound anywhere, but serialises every council's writes, the one-statement submit path included.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import literal, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.transactions.tables import transactions

HORIZON_MOST = timedelta(minutes=5)
_HORIZON = text(
    """
    SELECT least(
        clock_timestamp(),
        coalesce(
            (SELECT min(xact_start) FROM pg_stat_activity
             WHERE datname = current_database() AND backend_type = 'client backend'
               AND pid <> pg_backend_pid() AND xact_start IS NOT NULL
               AND xact_start > clock_timestamp() - CAST(:most AS interval)),
            clock_timestamp()
        )
    )
    """
)


@dataclass(frozen=True)
class Position:
    """Where a system is in the feed: after the change at `updated_at` of request `id`."""

    updated_at: datetime
    id: int

    def encoded(self) -> str:
        return base64.urlsafe_b64encode(f"{self.updated_at.isoformat()}|{self.id}".encode()).decode().rstrip("=")

    @classmethod
    def decoded(cls, cursor: str) -> Position | None:
        """None for a cursor this platform did not give out."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            moment, _, number = raw.partition("|")
            position = cls(datetime.fromisoformat(moment), int(number))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None
        if position.updated_at.tzinfo is None or not 0 <= position.id < 2**63:
            return None
        return position


@dataclass(frozen=True)
class ChangedPage:
    rows: list[dict[str, Any]]
    next_position: Position
    more: bool


async def changed_since(
    connection: AsyncConnection, after: Position, services: frozenset[str] | None, limit: int
) -> ChangedPage:
    """Up to `limit` requests changed after `after` and before the horizon, oldest change first, of
    `services` only (None: every service). The next position is the last row's, or, past the last
    row, the horizon (nothing before it can appear any more)."""
    horizon: datetime = (await connection.execute(_HORIZON, {"most": HORIZON_MOST})).scalar_one()
    query = (
        select(transactions)
        .where(
            tuple_(transactions.c.updated_at, transactions.c.id) > tuple_(literal(after.updated_at), literal(after.id)),
            transactions.c.updated_at < horizon,
        )
        .order_by(transactions.c.updated_at, transactions.c.id)
        .limit(limit + 1)
    )
    if services is not None:
        query = query.where(transactions.c.service.in_(sorted(services)))
    rows = [dict(row) for row in (await connection.execute(query)).mappings()]
    more = len(rows) > limit
    rows = rows[:limit]
    if more:
        last = rows[-1]
        following = Position(last["updated_at"], last["id"])
    else:
        # Nothing more before the horizon: the next page starts there (never going backwards).
        at_horizon = Position(horizon - timedelta(microseconds=1), 2**63 - 1)
        following = max(after, at_horizon, key=lambda found: (found.updated_at, found.id))
    return ChangedPage(rows, following, more)


def start_at(since: datetime) -> Position:
    """The position just before any change at or after `since`."""
    return Position(since - timedelta(microseconds=1), 2**63 - 1)
