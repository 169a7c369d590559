"""A council's work queue: which requests an officer sees, filtered and in what order, and the counts
on the staff home page.

A request is open until it reaches a closing status of its service's workflow (a pothole is finished
when `resolved`, a permit when `approved`...), when `closed_at` is set. The queue's default order,
soonest due first among open requests, reads the partial index `ix_transactions_open_due`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal_column, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.modules.working_days import is_working_day
from civicshare.transactions.references import normalise_reference
from civicshare.transactions.tables import address_words, transactions

PAGE_SIZE = 25
SEARCH_MAX_LENGTH = 100
DUE_CHOICES = ("overdue", "today", "this-week")
STATE_CHOICES = ("open", "closed", "all")
ASSIGNEE_CHOICES = ("me", "nobody")


@dataclass(frozen=True)
class QueueFilter:
    """What an officer asked the queue for; every field optional, `state` open by default."""

    state: str = "open"
    service: str | None = None
    status: str | None = None
    channel: str | None = None
    due: str | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    search: str | None = None
    assignee: str | None = None  # "me" or "nobody"

    @property
    def is_default(self) -> bool:
        return self == QueueFilter()


@dataclass(frozen=True)
class QueuePage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class QueueCounts:
    """The staff home page's figures for one council."""

    open: int
    overdue: int
    due_today: int
    assigned_to_me: int
    unassigned: int
    by_status: list[tuple[str, str, int]] = field(default_factory=list)  # (service, status, count)


def search_condition(text: str) -> ColumnElement[bool]:
    """A reference, an email address, a USRN, or words of an address or postcode."""
    return or_(
        transactions.c.reference == normalise_reference(text),
        func.lower(transactions.c.contact_email) == text.lower(),
        transactions.c.usrn == text,
        address_words(transactions.c.address).bool_op("@@")(
            func.plainto_tsquery(literal_column("'simple'::regconfig"), text)
        ),
    )


def conditions(
    wanted: QueueFilter, today: date, me: str, allowed: frozenset[str] | None = None
) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if allowed is not None:  # the officer's teams work on these services only
        found.append(transactions.c.service.in_(sorted(allowed)))
    is_open = transactions.c.closed_at.is_(None)
    if wanted.state == "open":
        found.append(is_open)
    elif wanted.state == "closed":
        found.append(transactions.c.closed_at.is_not(None))
    if wanted.service:
        found.append(transactions.c.service == wanted.service)
    if wanted.status:
        found.append(transactions.c.status == wanted.status)
    if wanted.channel:
        found.append(transactions.c.channel == wanted.channel)
    if wanted.due == "overdue":
        found += [transactions.c.due_on < today, is_open]
    elif wanted.due == "today":
        found += [transactions.c.due_on == today, is_open]
    elif wanted.due == "this-week":
        found += [transactions.c.due_on <= _end_of_week(today), is_open]
    if wanted.submitted_from:
        found.append(func.date(func.timezone("Europe/London", transactions.c.created_at)) >= wanted.submitted_from)
    if wanted.submitted_to:
        found.append(func.date(func.timezone("Europe/London", transactions.c.created_at)) <= wanted.submitted_to)
    if wanted.search:
        found.append(search_condition(wanted.search))
    if wanted.assignee == "me":
        found.append(transactions.c.assignee_subject == me)
    elif wanted.assignee == "nobody":
        found.append(transactions.c.assignee_subject.is_(None))
    return found


def _end_of_week(today: date) -> date:
    return date.fromordinal(today.toordinal() + (6 - today.weekday()))


async def queue_page(
    connection: AsyncConnection,
    wanted: QueueFilter,
    *,
    page: int,
    today: date,
    me: str,
    allowed: frozenset[str] | None = None,
) -> QueuePage:
    """One page of the queue, soonest due first (requests with no deadline last, oldest first)."""
    where = conditions(wanted, today, me, allowed)
    total = (await connection.execute(select(func.count()).select_from(transactions).where(*where))).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    query = (
        select(transactions)
        .where(*where)
        .order_by(transactions.c.due_on.asc().nulls_last(), transactions.c.created_at, transactions.c.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    rows = [dict(row) for row in (await connection.execute(query)).mappings()]
    return QueuePage(rows=rows, total=total, page=page, pages=pages)


async def queue_counts(
    connection: AsyncConnection, today: date, me: str, allowed: frozenset[str] | None = None
) -> QueueCounts:
    open_requests = and_(
        transactions.c.closed_at.is_(None),
        transactions.c.service.in_(sorted(allowed)) if allowed is not None else true(),
    )
    figures = (
        await connection.execute(
            select(
                func.count(),
                func.count().filter(transactions.c.due_on < today),
                func.count().filter(transactions.c.due_on == today),
                func.count().filter(transactions.c.assignee_subject == me),
                func.count().filter(transactions.c.assignee_subject.is_(None)),
            ).where(open_requests)
        )
    ).one()
    by_status = (
        await connection.execute(
            select(transactions.c.service, transactions.c.status, func.count())
            .where(open_requests)
            .group_by(transactions.c.service, transactions.c.status)
            .order_by(transactions.c.service, transactions.c.status)
        )
    ).all()
    return QueueCounts(
        open=figures[0],
        overdue=figures[1],
        due_today=figures[2],
        assigned_to_me=figures[3],
        unassigned=figures[4],
        by_status=[(service, status, count) for service, status, count in by_status],
    )


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` comes first)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(
        1 for offset in range(1, (end - start).days + 1) if is_working_day(date.fromordinal(start.toordinal() + offset))
    )


@dataclass(frozen=True)
class SlaClock:
    """How long an officer has left, in working days, or how late the request is."""

    due_on: date | None
    working_days_left: int | None
    closed: bool

    @property
    def overdue(self) -> bool:
        return not self.closed and self.working_days_left is not None and self.working_days_left < 0

    @property
    def words(self) -> str:
        if self.closed or self.due_on is None or self.working_days_left is None:
            return "Closed" if self.closed else "No deadline"
        left = self.working_days_left
        if left < 0:
            return f"Overdue by {_days(-left)}"
        if left == 0:
            return "Due today"
        return f"{_days(left)} left"


def _days(count: int) -> str:
    return f"{count} working day{'' if count == 1 else 's'}"


def sla_clock(due_on: date | None, closed: bool, today: date) -> SlaClock:
    if due_on is None or closed:
        return SlaClock(due_on, None, closed)
    if due_on < today and is_working_day(today):
        return SlaClock(due_on, -working_days_between(due_on, today), False)
    if due_on < today:  # a weekend or bank holiday after the deadline: late by the working days since
        return SlaClock(due_on, -max(1, working_days_between(due_on, today)), False)
    return SlaClock(due_on, working_days_between(today, due_on), False)
