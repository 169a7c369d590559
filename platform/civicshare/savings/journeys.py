"""Journeys started on the website and requests sent from it: the completion rate's two counts.

Nothing personal is stored: a row is a day, a service and two counters, incremented in place. No cookie
value, address, session or reference reaches the database.

How a start is counted: when the first question page of a service is shown to a browser whose form
cookie (``cs_flow``, which the form keeps anyway for the answers) holds nothing for that service yet.
The page then keeps an empty draft for the service in that cookie, so reloading the page, going back to
the start page and pressing "Start now" again, or returning within the cookie's 8 hours, is the same
journey and counts once. Once the request is sent the draft is gone, so a second request is a second
journey. A browser that refuses cookies counts a start on each visit of the first page (it cannot
finish the form either), so the completion rate errs low, never high.

How a request sent is counted: once per request the website's form sends (not the API's, nor those
staff key in), after it is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.savings.period import ReportPeriod, month_of
from civicshare.savings.tables import journey_counts


@dataclass(frozen=True)
class JourneyCount:
    started: int = 0
    sent: int = 0


async def _increment(connection: AsyncConnection, day: date, service: str, column: str) -> None:
    statement = insert(journey_counts).values({"day": day, "service": service, column: 1})
    await connection.execute(
        statement.on_conflict_do_update(
            index_elements=[journey_counts.c.day, journey_counts.c.service],
            set_={column: journey_counts.c[column] + 1},
        )
    )


async def count_journey_start(connection: AsyncConnection, day: date, service: str) -> None:
    await _increment(connection, day, service, "started")


async def count_request_sent(connection: AsyncConnection, day: date, service: str) -> None:
    await _increment(connection, day, service, "sent")


async def journeys_by_month(connection: AsyncConnection, period: ReportPeriod) -> dict[tuple[str, str], JourneyCount]:
    """Per (``YYYY-MM``, service): the journeys started and requests sent on the period's days."""
    month = func.date_trunc("month", journey_counts.c.day)
    rows = await connection.execute(
        select(
            month.label("month"),
            journey_counts.c.service,
            func.sum(journey_counts.c.started),
            func.sum(journey_counts.c.sent),
        )
        .where(journey_counts.c.day.between(period.start, period.end))
        .group_by(month, journey_counts.c.service)
    )
    return {
        (month_of(row_month), service): JourneyCount(int(started), int(sent))
        for row_month, service, started, sent in rows
    }
