"""Closed months: a council's savings figures for a month, signed off, stay as signed off.

A council admin (or an operator) closes a month once it has ended. From then on, whatever would change
that month's figures is refused with ``ClosedMonthError``: offline counts for its days (imports and
past-day counts), a unit cost in force on any of its days, and a baseline for a service with contacts
in it. Only an operator reopens a month, giving a reason; each closing and reopening is kept in the
council's ``closed_month_history`` (and the admin API writes the operator audit log as well).

Transactions are counted on the day they are recorded (``transactions.service.create_statement``), and
a month can only be closed after it has ended, so a transaction never lands in a closed month: one that
arrives late, for something that happened in a closed month, is counted in the open month it is recorded in.

In a shared-service group the shared platform cost is apportioned by every member's volume, so one
member changing its own past counts moves cost onto the others. A month therefore closes for the whole
group: closing it at one member closes it at every member (``closed_for`` names the council whose admin
closed it), and reopening it reopens it at every member, recorded at each.

Writers call ``refuse_closed_days`` inside their own database transaction. It takes a SHARE lock on
``closed_months``, which a closing (an INSERT) waits for and which waits for a closing in progress, so a
change and a closing never pass each other unseen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, cast, delete, exists, func, insert, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.savings.costs import UnitCostSchedule
from civicshare.savings.inputs_version import savings_inputs_changed
from civicshare.savings.routing import routed_schema
from civicshare.savings.tables import (
    closed_month_history,
    closed_months,
    offline_contact_counts,
)
from civicshare.transactions.tables import daily_rollups


def month_name(month: date) -> str:
    return month.strftime("%B %Y")


class ClosedMonthError(Exception):
    """A change would alter the figures of months that are closed."""

    def __init__(self, months: Iterable[date], what: str) -> None:
        self.months = tuple(sorted(set(months)))
        names = ", ".join(month_name(month) for month in self.months)
        plural = "s are" if len(self.months) > 1 else " is"
        super().__init__(
            f"{what} would change the figures of {names}, which{plural} closed."
            " A platform operator can reopen a closed month, and the reopening is recorded."
        )


@dataclass(frozen=True)
class ClosedMonth:
    month: date
    closed_at: datetime
    closed_by: str
    closed_for: str | None
    note: str | None


def first_of_month(day: date) -> date:
    return day.replace(day=1)


async def _lock_for_change(connection: AsyncConnection) -> None:
    schema = routed_schema(connection)  # refuses a connection routed to no council
    await connection.execute(text(f'LOCK TABLE "{schema}".closed_months IN SHARE MODE'))


async def closed_month_list(connection: AsyncConnection) -> list[ClosedMonth]:
    rows = await connection.execute(select(closed_months).order_by(closed_months.c.month))
    return [ClosedMonth(row.month, row.closed_at, row.closed_by, row.closed_for, row.note) for row in rows]


async def closed_among(connection: AsyncConnection, days: Iterable[date]) -> list[date]:
    """The closed months among the months of these days, after waiting for any closing in progress."""
    months = sorted({first_of_month(day) for day in days})
    await _lock_for_change(connection)
    if not months:
        return []
    return list(await connection.scalars(select(closed_months.c.month).where(closed_months.c.month.in_(months))))


async def refuse_closed_days(connection: AsyncConnection, days: Iterable[date], what: str) -> None:
    """Raise ``ClosedMonthError`` if any of these days lies in a closed month."""
    closed = await closed_among(connection, days)
    if closed:
        raise ClosedMonthError(closed, what)


async def refuse_unit_cost_change(
    connection: AsyncConnection, before: UnitCostSchedule, after: UnitCostSchedule, what: str
) -> None:
    """Raise ``ClosedMonthError`` if a closed month would be priced differently under ``after``.

    Costs change only on an override's first day, so each closed month is compared on its first day and
    on every start date inside it, for every channel and every service either schedule names.
    """
    await _lock_for_change(connection)
    months = list(await connection.scalars(select(closed_months.c.month)))
    if not months:
        return
    overrides = (*before.overrides, *after.overrides)
    scopes = {(override.channel, override.service) for override in overrides}
    scopes |= {(channel, None) for channel in {*before.defaults, *after.defaults}}
    starts = {override.effective_from for override in overrides}
    changed = [
        month
        for month in months
        if any(
            before.cost(channel, service, day) != after.cost(channel, service, day)
            for day in {month, *(start for start in starts if first_of_month(start) == month)}
            for channel, service in scopes
        )
    ]
    if changed:
        raise ClosedMonthError(changed, what)


async def refuse_baseline_change(connection: AsyncConnection, services: Iterable[str], what: str) -> None:
    """A baseline applies to every month: refuse it for a service with contacts in a closed month."""
    await _lock_for_change(connection)
    wanted = sorted(set(services))
    if not wanted:
        return
    in_month = closed_months.c.month
    had_contacts = or_(
        exists().where(
            daily_rollups.c.service.in_(wanted),
            daily_rollups.c.is_test.is_(False),
            daily_rollups.c.count > 0,
            cast(func.date_trunc("month", daily_rollups.c.day), Date) == in_month,
        ),
        exists().where(
            offline_contact_counts.c.service.in_(wanted),
            offline_contact_counts.c.count > 0,
            cast(func.date_trunc("month", offline_contact_counts.c.day), Date) == in_month,
        ),
    )
    closed = list(await connection.scalars(select(in_month).where(had_contacts)))
    if closed:
        raise ClosedMonthError(closed, what)


async def close_month(
    connection: AsyncConnection, month: date, *, by: str, closed_for: str | None = None, note: str | None = None
) -> bool:
    """Close a month (idempotent); True if it was open."""
    closed = await connection.execute(
        pg_insert(closed_months)
        .values(month=month, closed_by=by[:255], closed_for=closed_for, note=note)
        .on_conflict_do_nothing()
        .returning(closed_months.c.month)
    )
    if closed.first() is None:
        return False
    await savings_inputs_changed(connection)
    reason = note if closed_for is None else f"closed for the shared-service group by {closed_for}"
    await connection.execute(
        insert(closed_month_history).values(month=month, action="closed", by=by[:255], reason=reason)
    )
    return True


async def reopen_month(connection: AsyncConnection, month: date, *, by: str, reason: str) -> bool:
    """Reopen a closed month, recording who and why; True if it was closed."""
    reopened = await connection.execute(
        delete(closed_months).where(closed_months.c.month == month).returning(closed_months.c.month)
    )
    if reopened.first() is None:
        return False
    await savings_inputs_changed(connection)
    await connection.execute(
        insert(closed_month_history).values(month=month, action="reopened", by=by[:255], reason=reason)
    )
    return True


async def month_history(connection: AsyncConnection) -> list[dict[str, object]]:
    rows = await connection.execute(select(closed_month_history).order_by(closed_month_history.c.id))
    return [
        {"month": row.month, "action": row.action, "by": row.by, "reason": row.reason, "at": row.at} for row in rows
    ]
