"""Requests changed since a time, page by page, for a connected system to keep up with.

Pages follow (updated_at, id). A change still being written when a page is read would, once committed,
sort before rows already handed out, and a cursor that moved past it would skip it. So a page only lists
changes older than the council's horizon: the start of the oldest transaction still changing *this
council's* requests. Every write of a request's `updated_at` goes through the council's trigger
(`transactions.tables.change_stamp_trigger_sql`), which first takes a shared advisory lock of the
council (held until the transaction ends) and then stamps `updated_at` with the clock. A reader finds
the council's writers in `pg_locks`: a change committed later either belongs to a writer holding the
lock now (its stamp is after that writer's start, which bounds the horizon) or to one that takes it
later (its stamp is after now). So a cursor never passes a change that is not committed yet, and one
council's long transaction holds back only its own council's feed. A transaction running for longer than
HORIZON_MOST holds the horizon back no further than that (a session left idle in a transaction must not
stop the feed for ever).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import literal, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.transactions.tables import CHANGE_LOCK_CLASS, transactions

HORIZON_MOST = timedelta(minutes=5)
_HORIZON = text(
    """
    SELECT least(
        clock_timestamp(),
        coalesce(
            (SELECT min(activity.xact_start)
             FROM pg_locks AS held JOIN pg_stat_activity AS activity ON activity.pid = held.pid
             WHERE held.locktype = 'advisory' AND held.granted AND held.objsubid = 2
               AND held.database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND held.classid = CAST(:lock_class AS oid)
               AND held.objid = CAST(CAST(hashtext(:schema) AS bigint) & 4294967295 AS oid)
               AND activity.pid <> pg_backend_pid()
               AND activity.xact_start > clock_timestamp() - CAST(:most AS interval)),
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
    connection: AsyncConnection, schema: str, after: Position, services: frozenset[str] | None, limit: int
) -> ChangedPage:
    """Up to `limit` requests changed after `after` and before the horizon, oldest change first, of
    `services` only (None: every service), at the council whose `schema` the connection is routed to.
    The next position is the last row's, or, past the last row, the horizon (nothing before it can
    appear any more)."""
    parameters = {"most": HORIZON_MOST, "schema": schema, "lock_class": CHANGE_LOCK_CLASS}
    horizon: datetime = (await connection.execute(_HORIZON, parameters)).scalar_one()
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
