"""Each event's delivery to each subscriber, in the council's schema: taking due deliveries in hand,
recording how they went, the failed ones for people to see, and "retry now".

Every function takes a connection routed to one council (`tenant_connection`), so a job for one
council never reads or writes another's rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Float,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.notifications.events import EventKind, OutboxEvent
from civicshare.notifications.tables import NOTIFY_CHANNEL, event_deliveries, outbox_events
from civicshare.tenancy.context import TenantContext

OPEN_STATES = ("pending", "retrying")
FAILED_STATES = ("retrying", "dead")


@dataclass(frozen=True)
class Delivery:
    """One event to hand to one subscriber; `attempts` counts this try."""

    event: OutboxEvent
    subscriber: str
    attempts: int


@dataclass(frozen=True)
class Outcome:
    """How one try went: `state` delivered, retrying (after `retry_in` seconds) or dead, and why; or
    pending: handed back untried (its try not counted)."""

    event_id: int
    subscriber: str
    attempts: int
    state: str
    retry_in: float = 0.0
    error: str | None = None


@dataclass(frozen=True)
class FailedDelivery:
    event_id: int
    stable_id: str
    kind: str
    reference: str
    service: str
    occurred_at: datetime
    subscriber: str
    state: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    updated_at: datetime


def _fan_out_statement() -> Any:
    names = bindparam("subscribers", type_=ARRAY(String))
    waiting = (
        select(outbox_events.c.id)
        .where(outbox_events.c.fanned_out_at.is_(None))
        .order_by(outbox_events.c.id)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
        .cte("waiting")
    )
    marked = (
        update(outbox_events)
        .where(outbox_events.c.id == waiting.c.id)
        .values(fanned_out_at=func.now())
        .returning(outbox_events.c.id)
        .cte("marked")
    )
    subscriber = func.unnest(names).table_valued("name").render_derived(name="subscriber")
    return (
        insert(event_deliveries)
        .from_select(
            ["event_id", "subscriber"],
            select(marked.c.id, subscriber.c.name).select_from(marked).join(subscriber, true()),
        )
        .on_conflict_do_nothing()
    )


def _claim_statement() -> Any:
    names = bindparam("subscribers", type_=ARRAY(String))
    lease = func.make_interval(0, 0, 0, 0, 0, 0, bindparam("lease_seconds", type_=Float))
    due = (
        select(event_deliveries.c.event_id, event_deliveries.c.subscriber)
        .where(
            event_deliveries.c.state.in_(OPEN_STATES),
            event_deliveries.c.next_attempt_at <= func.now(),
            or_(event_deliveries.c.lease_until.is_(None), event_deliveries.c.lease_until < func.now()),
            event_deliveries.c.subscriber == func.any(names),
        )
        .order_by(event_deliveries.c.next_attempt_at)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    claimed = (
        update(event_deliveries)
        .where(event_deliveries.c.event_id == due.c.event_id, event_deliveries.c.subscriber == due.c.subscriber)
        .values(
            lease_until=func.now() + lease,
            attempts=event_deliveries.c.attempts + 1,
            updated_at=func.now(),
        )
        .returning(event_deliveries.c.event_id, event_deliveries.c.subscriber, event_deliveries.c.attempts)
        .cte("claimed")
    )
    return select(
        claimed.c.subscriber,
        claimed.c.attempts,
        outbox_events.c.id,
        outbox_events.c.kind,
        outbox_events.c.reference,
        outbox_events.c.service,
        outbox_events.c.occurred_at,
        outbox_events.c.data,
    ).join_from(claimed, outbox_events, outbox_events.c.id == claimed.c.event_id)


def _record_statement() -> Any:
    given = (
        func.unnest(
            bindparam("event_ids", type_=ARRAY(BigInteger)),
            bindparam("subscribers", type_=ARRAY(String)),
            bindparam("tries", type_=ARRAY(Integer)),
            bindparam("states", type_=ARRAY(String)),
            bindparam("retry_ins", type_=ARRAY(Float)),
            bindparam("errors", type_=ARRAY(Text)),
        )
        .table_valued("event_id", "subscriber", "attempts", "state", "retry_in", "error")
        .render_derived(name="outcome")
    )
    delivered = given.c.state == "delivered"
    return (
        update(event_deliveries)
        .where(
            event_deliveries.c.event_id == given.c.event_id,
            event_deliveries.c.subscriber == given.c.subscriber,
            # A worker that overran its lease (another took the delivery up since) records nothing.
            event_deliveries.c.attempts == given.c.attempts,
            event_deliveries.c.state.in_(OPEN_STATES),
        )
        .values(
            state=given.c.state,
            attempts=case(
                (given.c.state == "pending", event_deliveries.c.attempts - 1), else_=event_deliveries.c.attempts
            ),
            lease_until=None,
            updated_at=func.now(),
            last_error=case((delivered, event_deliveries.c.last_error), else_=given.c.error),
            delivered_at=case((delivered, func.now()), else_=None),
            next_attempt_at=case(
                (given.c.state == "retrying", func.now() + func.make_interval(0, 0, 0, 0, 0, 0, given.c.retry_in)),
                else_=event_deliveries.c.next_attempt_at,
            ),
        )
    )


FAN_OUT = _fan_out_statement()
CLAIM = _claim_statement()
RECORD = _record_statement()


async def fan_out(connection: AsyncConnection, subscribers: Sequence[str], limit: int) -> None:
    """Give events not yet handed out one delivery per subscriber (at most `limit` events)."""
    await connection.execute(FAN_OUT, {"subscribers": list(subscribers), "limit": limit})


async def take_due(
    connection: AsyncConnection, tenant: TenantContext, subscribers: Sequence[str], *, lease_seconds: float, limit: int
) -> list[Delivery]:
    """Take in hand up to `limit` deliveries that are due, for `lease_seconds`; each counts as a try."""
    parameters = {"subscribers": list(subscribers), "lease_seconds": lease_seconds, "limit": limit}
    rows = (await connection.execute(CLAIM, parameters)).mappings()
    return [
        Delivery(
            OutboxEvent(
                id=row["id"],
                council=tenant.slug,
                kind=EventKind(row["kind"]),
                reference=row["reference"],
                service=row["service"],
                occurred_at=row["occurred_at"],
                data=dict(row["data"]),
            ),
            row["subscriber"],
            row["attempts"],
        )
        for row in rows
    ]


async def record_outcomes(connection: AsyncConnection, outcomes: Sequence[Outcome]) -> None:
    if not outcomes:
        return
    await connection.execute(
        RECORD,
        {
            "event_ids": [outcome.event_id for outcome in outcomes],
            "subscribers": [outcome.subscriber for outcome in outcomes],
            "tries": [outcome.attempts for outcome in outcomes],
            "states": [outcome.state for outcome in outcomes],
            "retry_ins": [outcome.retry_in for outcome in outcomes],
            "errors": [outcome.error for outcome in outcomes],
        },
    )


async def next_due(connection: AsyncConnection, subscribers: Sequence[str]) -> datetime | None:
    """When the next open delivery falls due (after its lease, if one is in hand)."""
    when = func.greatest(event_deliveries.c.next_attempt_at, event_deliveries.c.lease_until)
    query = select(func.min(when)).where(
        event_deliveries.c.state.in_(OPEN_STATES), event_deliveries.c.subscriber == func.any(list(subscribers))
    )
    found: datetime | None = (await connection.execute(query)).scalar_one()
    return found


async def has_work(connection: AsyncConnection, subscribers: Sequence[str], older_than: timedelta) -> bool:
    """Whether events wait to be handed out, or deliveries were due, longer than `older_than` (the sweep)."""
    before = func.now() - func.make_interval(0, 0, 0, 0, 0, 0, older_than.total_seconds())
    waiting = select(outbox_events.c.id).where(
        outbox_events.c.fanned_out_at.is_(None), outbox_events.c.occurred_at < before
    )
    due = select(event_deliveries.c.event_id).where(
        event_deliveries.c.state.in_(OPEN_STATES),
        func.greatest(event_deliveries.c.next_attempt_at, event_deliveries.c.lease_until) < before,
        event_deliveries.c.subscriber == func.any(list(subscribers)),
    )
    found = await connection.execute(select(waiting.exists() | due.exists()))
    return bool(found.scalar_one())


def _failed_query() -> Any:
    return (
        select(
            event_deliveries.c.event_id,
            event_deliveries.c.subscriber,
            event_deliveries.c.state,
            event_deliveries.c.attempts,
            event_deliveries.c.last_error,
            event_deliveries.c.next_attempt_at,
            event_deliveries.c.updated_at,
            outbox_events.c.kind,
            outbox_events.c.reference,
            outbox_events.c.service,
            outbox_events.c.occurred_at,
        )
        .join_from(event_deliveries, outbox_events, outbox_events.c.id == event_deliveries.c.event_id)
        .where(event_deliveries.c.state.in_(FAILED_STATES))
    )


async def failed_deliveries(
    connection: AsyncConnection, tenant: TenantContext, *, state: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[FailedDelivery], int]:
    """The council's deliveries that failed (waiting to be tried again, or dead), latest first; and how many."""
    query = _failed_query()
    counted = select(func.count()).select_from(event_deliveries).where(event_deliveries.c.state.in_(FAILED_STATES))
    if state is not None:
        query = query.where(event_deliveries.c.state == state)
        counted = counted.where(event_deliveries.c.state == state)
    rows = await connection.execute(
        query.order_by(event_deliveries.c.updated_at.desc(), event_deliveries.c.event_id.desc())
        .limit(limit)
        .offset(offset)
    )
    total = int((await connection.execute(counted)).scalar_one())
    return [_failed(tenant, row) for row in rows.mappings()], total


def _failed(tenant: TenantContext, row: Any) -> FailedDelivery:
    return FailedDelivery(
        event_id=row["event_id"],
        stable_id=f"evt_{tenant.slug}_{row['event_id']}",
        kind=row["kind"],
        reference=row["reference"],
        service=row["service"],
        occurred_at=row["occurred_at"],
        subscriber=row["subscriber"],
        state=row["state"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        next_attempt_at=row["next_attempt_at"] if row["state"] == "retrying" else None,
        updated_at=row["updated_at"],
    )


async def retry_now(connection: AsyncConnection, tenant: TenantContext, event_id: int, subscriber: str) -> bool:
    """Make a failed delivery due now and wake the workers; False if there is no such failed delivery."""
    moved = await connection.execute(
        update(event_deliveries)
        .where(
            and_(
                event_deliveries.c.event_id == event_id,
                event_deliveries.c.subscriber == subscriber,
                event_deliveries.c.state.in_(FAILED_STATES),
            )
        )
        .values(state="retrying", next_attempt_at=func.now(), lease_until=None, updated_at=func.now())
    )
    if moved.rowcount == 0:
        return False
    await wake_workers(connection, tenant)
    return True


async def wake_workers(connection: AsyncConnection, tenant: TenantContext) -> None:
    """Tell the job workers (at commit) that this council has deliveries due."""
    await connection.execute(select(func.pg_notify(literal_column(f"'{NOTIFY_CHANNEL}'"), tenant.schema)))
